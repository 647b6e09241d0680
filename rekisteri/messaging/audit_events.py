"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "message.create": "A message was recorded.",
    "message.view": "A message was shown.",
    "message.list": "A message timeline was shown: row count.",
    "message.delete": "A message was deleted.",
    "message.attachment_view": "An attachment was downloaded.",
    "message.import": "Email was imported: counts only.",
    "message.participation_erase": (
        "A person's participation in shared messages was erased."
    ),
}
