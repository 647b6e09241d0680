"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "rights.export": "An access export: families exported, item count, format.",
    "rights.erasure_plan": "An erasure plan was shown: counts per fate, hold codes.",
    "rights.erase": "An erasure: receipt id, families erased, items kept.",
    "rights.rectify": "A rectification under a request: fields corrected, "
    "their families, the request reference, how many recipients are to be told.",
    "rights.export_file": "A stored export was built for the staff member who "
    "asked: file id, format, size, expiry; the families it holds.",
    "rights.export_download": "The staff member who built a stored export "
    "downloaded it: file id, format, size, families.",
    "rights.export_purge": "The daily job removed the content of expired "
    "stored exports: how many.",
    "rights.recipient_notice": "A recipient's notification of a rectification, "
    "erasure or restriction was recorded: notified (with the channel) or impossible.",
}
