"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "audit.view": "The audit log was read: the filters used and the row count.",
    "audit.subject_view": "A person's access history was read.",
    "audit.export": "A person's access history was exported as CSV.",
}
