"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "restriction.place": "Processing of a person's data was restricted (Art. 18).",
    "restriction.lift": "A restriction was lifted.",
    "objection.record": "An objection (Art. 21) was recorded.",
    "suppression.add": (
        "Addresses of someone the register does not hold were put on the "
        "suppression list (an objection to direct marketing): counts only."
    ),
    "suppression.match": "An address on the suppression list entered the register.",
    "marketing.list": "The marketing selection was shown: row count.",
    "marketing.export": "The marketing selection was exported as CSV.",
}
