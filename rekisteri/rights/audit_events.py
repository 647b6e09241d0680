"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "rights.export": "An access export: categories, item count, families, format.",
    "rights.erasure_plan": "An erasure plan was shown: counts per fate, hold codes.",
    "rights.erase": "An erasure: receipt id, families erased, items kept.",
}
