"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "prh.import": "A PRH bulk import ran: counts per outcome.",
    "organization.registry_accept": (
        "A registry's value was accepted in place of a typed one."
    ),
    "registry_review.list": "The registry review list was shown.",
    "registry_review.accept": "A registry review was accepted.",
    "registry_review.reject": "A registry review was rejected (the typed value kept).",
    "connectors.mapping_save": (
        "A vendor's contact-list column mapping was saved (fields, source)."
    ),
    "connectors.inform": (
        "A person whose data came from a third party was informed (Art. 14): "
        "the channel and the source."
    ),
    "connectors.inform_list": "The list of persons to inform was shown.",
    "connectors.inform_prompt": (
        "The message form or the person page showed a person's open Art. 14 "
        "task and its notice (the source and the page)."
    ),
    "connectors.contacts_preview": (
        "A contact list was previewed on the upload page (a dry run): counts per fate."
    ),
    "connectors.contacts_import": (
        "A contact list was imported from the upload page: counts per fate."
    ),
}
