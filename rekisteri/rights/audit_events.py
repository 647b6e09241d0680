"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "rights.export": "An access export: families exported, item count, format.",
    "rights.erasure_plan": "An erasure plan was shown: counts per fate, hold codes.",
    "rights.erase": "An erasure: receipt id, families erased, items kept.",
    "rights.rectify": "A rectification under a request: fields corrected, "
    "their families, the request reference, how many recipients are to be told.",
    "rights.recipient_notice": "A recipient's notification of a rectification "
    "was recorded: notified (with the channel) or impossible.",
}
