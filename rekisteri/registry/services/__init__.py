"""Writes to the customer register.

Every function is keyword-only, takes the acting staff user (or None for the
installer and the demo seeder), validates everything first, and writes in one
transaction: a caller sees all field errors at once and nothing is half-saved.
The encryption and audit layers hook in here, so views, the API and commands
never touch storage details.

The writes live in modules named for what they write (docs/architecture.md,
Services and selectors); this package re-exports their public names, so
callers import ``rekisteri.registry.services`` as one API:

- ``provenance``: data sources, provenance records, customer numbers;
- ``organizations``: organizations and their per-field value sources;
- ``persons``: persons with their email addresses and phone numbers;
- ``roles``: a person's roles at organizations;
- ``shredding``: crypto-shredding a person's data key.
"""

from rekisteri.registry.services.organizations import (
    ORG_ADDRESS_FIELDS,
    ORG_EDITABLE,
    ORG_REGISTRY_FIELDS,
    clean_organization,
    organization_create,
    organization_set_from_source,
    organization_update,
    value_sources,
    value_sources_record,
)
from rekisteri.registry.services.persons import (
    PERSON_ADDRESS_FIELDS,
    PERSON_EDITABLE,
    clean_person,
    email_owners,
    person_create,
    person_update,
)
from rekisteri.registry.services.provenance import (
    BUILTIN_SOURCES,
    customer_numbers,
    data_source_get,
    provenance_record,
)
from rekisteri.registry.services.roles import (
    ROLE_FIELDS,
    clean_role,
    role_create,
    role_delete,
    role_end,
    role_update,
)
from rekisteri.registry.services.shredding import (
    person_shred,
    persons_shred,
    shredded_fields,
)

__all__ = [
    "BUILTIN_SOURCES",
    "ORG_ADDRESS_FIELDS",
    "ORG_EDITABLE",
    "ORG_REGISTRY_FIELDS",
    "PERSON_ADDRESS_FIELDS",
    "PERSON_EDITABLE",
    "ROLE_FIELDS",
    "clean_organization",
    "clean_person",
    "clean_role",
    "customer_numbers",
    "data_source_get",
    "email_owners",
    "organization_create",
    "organization_set_from_source",
    "organization_update",
    "person_create",
    "person_shred",
    "persons_shred",
    "person_update",
    "provenance_record",
    "role_create",
    "role_delete",
    "role_end",
    "role_update",
    "shredded_fields",
    "value_sources",
    "value_sources_record",
]
