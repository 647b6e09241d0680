"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "organization.create": "An organization was created.",
    "organization.update": "An organization was changed: the field names.",
    "organization.registry_update": (
        "A registry (PRH) updated an organization's values."
    ),
    "organization.view": "An organization page, form or API record was shown.",
    "organization.list": "An organization list was shown: row count and families.",
    "person.create": "A person was created.",
    "person.update": "A person was changed: the field names.",
    "person.view": (
        "A person's page, edit form or API record was shown: fields and families."
    ),
    "person.list": "A person list was shown: row count and families.",
    "person.shred": "A person's data was crypto-shredded: field names and key class.",
    "registry.search": (
        "A search: kind, query length, result counts and a keyed digest."
    ),
    "role.create": "A role was created.",
    "role.update": "A role was changed: the field names.",
    "role.end": "A role was ended.",
    "role.delete": "A role was deleted.",
}
