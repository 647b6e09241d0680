"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "breach.create": "A personal-data breach was recorded.",
    "breach.update": "A breach record was changed: the field names.",
    "breach.affected_compute": (
        "The people affected by a breach were counted from the log."
    ),
    "breach.affected_export": "The list of people affected by a breach was exported.",
    "controller_profile.update": "The controller profile changed.",
    "controller_profile.texts_update": (
        "The notice texts of the controller profile changed."
    ),
    "manual_record.create": "A paper record was registered.",
    "manual_record.update": "A paper record was changed.",
    "manual_record.destroy": "A paper record was destroyed.",
    "notice.publish": "A version of the privacy notice was published.",
    "notice.waive": "Informing a person (Art. 14) was waived, with the ground.",
    "notice.waive_withdraw": "A waiver of informing was withdrawn.",
    "party.create": "A processor or recipient was added.",
    "party.update": "A processor or recipient was changed.",
    "ropa.export": "The record of processing activities was exported.",
}
