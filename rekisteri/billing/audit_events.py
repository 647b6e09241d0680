"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "collection.open": "A collection case was opened for an overdue invoice.",
    "collection.hand_over": "A collection case was handed to a collection agency.",
    "collection.close": "A collection case was closed.",
    "credit_note.issue": "A credit note was issued.",
    "invoice.create": "A draft invoice was created.",
    "invoice.update": "A draft invoice was changed: the field names.",
    "invoice.delete": "A draft invoice was deleted.",
    "invoice.issue": "An invoice was issued (numbered and locked).",
    "invoice.view": "An invoice was shown.",
    "invoice.export": "An invoice was exported (Finvoice or PDF).",
    "payment.create": "A payment was recorded by hand.",
    "payment.import": "A bank statement (camt.054) was imported: counts only.",
    "reminder.create": "A payment reminder was made.",
    "seller.update": "The seller's invoicing settings changed.",
}
