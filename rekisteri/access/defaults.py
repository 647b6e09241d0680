"""The default need-to-know matrix, consistent with ``ROLE_PERMS``.

Installed by migration ``access.0002`` and used as is while the matrix table
is empty (a database emptied by hand or by a test flush is still deny-less
for nobody: the defaults apply until an administrator saves a change).
"""

from __future__ import annotations

from rekisteri.access.choices import Action
from rekisteri.accounts.choices import StaffRole

REGISTER = frozenset(
    {
        "name",
        "identifiers",
        "contact_email",
        "phone",
        "address",
        "workplace",
        "preferences",
    }
)
NONE: frozenset[str] = frozenset()
# Restrictions and objections: staff who talk to customers see them (so they
# respect them) and record a marketing objection heard on a call; the privacy
# officer handles the rest (docs/gdpr.md, Art. 18 and 21).
PRIVACY = frozenset({"privacy"})
# What a billing contact is made of: the person (with the language invoices
# are sent in) and their billing role.
BILLING_CONTACT = frozenset(
    {"name", "contact_email", "phone", "address", "preferences", "workplace"}
)

DEFAULT_MATRIX: dict[str, dict[str, frozenset[str]]] = {
    StaffRole.SALES: {
        Action.VIEW: REGISTER | {"communication"} | PRIVACY,
        Action.CHANGE: REGISTER | {"communication"} | PRIVACY,
        Action.EXPORT: NONE,
        Action.ERASE: NONE,
    },
    StaffRole.CUSTOMER_SERVICE: {
        Action.VIEW: REGISTER | {"communication"} | PRIVACY,
        Action.CHANGE: REGISTER | {"communication"} | PRIVACY,
        Action.EXPORT: NONE,
        Action.ERASE: NONE,
    },
    # Billing sees billing contacts and invoices, not message bodies. It
    # keeps its billing contacts up to date (the invoice form can add one)
    # but has no register pages to edit anyone else with.
    StaffRole.BILLING: {
        Action.VIEW: REGISTER | {"financial"} | PRIVACY,
        Action.CHANGE: BILLING_CONTACT | {"financial"},
        Action.EXPORT: NONE,
        Action.ERASE: NONE,
    },
    StaffRole.PRIVACY_OFFICER: {
        Action.VIEW: REGISTER | {"financial", "communication", "account"} | PRIVACY,
        Action.CHANGE: REGISTER | PRIVACY,
        Action.EXPORT: REGISTER | {"financial", "communication"} | PRIVACY,
        # Bookkeeping data is erased by its retention rule, not on request.
        Action.ERASE: REGISTER | {"communication"} | PRIVACY,
    },
    # Administrators manage accounts and read no customer data by default.
    StaffRole.ADMINISTRATOR: {
        Action.VIEW: frozenset({"account"}),
        Action.CHANGE: frozenset({"account"}),
        Action.EXPORT: NONE,
        Action.ERASE: NONE,
    },
    StaffRole.AUDITOR: {
        Action.VIEW: frozenset({"account"}),
        Action.CHANGE: NONE,
        Action.EXPORT: NONE,
        Action.ERASE: NONE,
    },
}


def default_allowed(role: str, family: str, action: str) -> bool:
    return family in DEFAULT_MATRIX.get(role, {}).get(action, NONE)


# Whose data a role sees at all (``PersonScope``): billing works with the
# people who receive invoices, not with every contact of every customer.
# The values are the register's role kinds; a role not listed sees everyone
# its matrix row allows.
DEFAULT_PERSON_SCOPE: dict[str, frozenset[str]] = {
    StaffRole.BILLING: frozenset({"billing_contact"}),
}
