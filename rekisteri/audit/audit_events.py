"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "audit.purge": "A retention purge: events removed and through which id.",
}
