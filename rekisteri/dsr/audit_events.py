"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "dsr.create": "A rights-request case was opened by staff.",
    "dsr.portal_submit": "A request was submitted through the public portal.",
    "dsr.view": "A rights-request case was shown.",
    "dsr.assign": "A case was assigned to a handler.",
    "dsr.match": "Persons in the register were matched to a case.",
    "dsr.identity_code_sent": "An identity code was sent to the requester.",
    "dsr.identity_requested": "More proof of identity was asked for.",
    "dsr.identity_verified": "The requester's identity was verified.",
    "dsr.identity_failed": "An identity check failed.",
    "dsr.extend": "The deadline was extended (Art. 12(3)).",
    "dsr.refuse": "The request was refused, with the reason letter.",
    "dsr.withdraw": "The requester withdrew the request.",
    "dsr.action": "A step of the action registry was taken on the case.",
    "dsr.complete": "The case was completed and the reply sent.",
    "dsr.none_held": (
        "The case was closed with the answer that the register holds no "
        "personal data about the requester."
    ),
    "dsr.export_download": "The requester downloaded their export.",
    "dsr.letter_print": "A letter to post to the requester was shown for printing.",
    "dsr.export_hand_over": (
        "Staff took a case's export to deliver it by post or in person: its size only."
    ),
    "dsr.export_expired": "An export link expired unused.",
    "dsr.case_expire": (
        "A closed case's details were erased at the end of its retention "
        "period (privacy_case)."
    ),
}
