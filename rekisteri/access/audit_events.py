"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "matrix.change": (
        "A need-to-know cell changed: role, family, action, old and new value."
    ),
    "person_scope.change": (
        "Whose data a role sees changed: the role kinds, old and new."
    ),
}
