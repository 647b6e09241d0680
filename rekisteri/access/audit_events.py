"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "matrix.change": (
        "A need-to-know cell changed: role, family, action, old and new value."
    ),
}
