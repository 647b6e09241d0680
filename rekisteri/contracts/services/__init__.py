"""Writes to contracts: the lifecycle, the attached persons and the catalogue.

Every function is keyword-only, takes the acting staff user (None for the
daily job and the demo seeder), validates everything before writing, writes
in one transaction and records one audit event naming the fields it touched
(never their values). A refused request changes nothing.

Lifecycle (docs/contracts.md)::

    draft ──activate──▶ active ──end (on/after the end date)──▶ ended
      │                   └──terminate (notice)──────────────▶ terminated
      └──delete

Ended and terminated contracts are closed: their terms, dates and parties
never change again.

The writes live in modules named for what they write (docs/architecture.md,
Services and selectors); this package re-exports their public names, so
callers import ``rekisteri.contracts.services`` as one API:

- ``auditing``: the categories a write touches, its enforcement call and
  audit event;
- ``checks``: field values and the contract's state;
- ``products``: the product catalogue;
- ``lifecycle``: a contract from draft to its end;
- ``parties``: the persons attached to a contract.
"""

from rekisteri.contracts.services.auditing import (
    PARTY_FIELDS,
    PURPOSE,
    audit_contract,
    audit_party,
    authorize_contract,
    personal_categories,
)
from rekisteri.contracts.services.checks import (
    NOTE_MAX,
    TERMS_MAX,
    clean_date,
    clean_plain_text,
    clean_terms,
    locked_contract,
    require_open,
)
from rekisteri.contracts.services.lifecycle import (
    ACTIVE_EDITABLE,
    DRAFT_EDITABLE,
    contract_activate,
    contract_create,
    contract_delete,
    contract_end,
    contract_terminate,
    contract_update,
    contracts_end_due,
)
from rekisteri.contracts.services.parties import (
    contract_party_add,
    contract_party_remove,
    holds_role,
)
from rekisteri.contracts.services.products import (
    PRODUCT_CODE_RE,
    product_create,
    product_retire,
)

__all__ = [
    "ACTIVE_EDITABLE",
    "DRAFT_EDITABLE",
    "NOTE_MAX",
    "PARTY_FIELDS",
    "PRODUCT_CODE_RE",
    "PURPOSE",
    "TERMS_MAX",
    "audit_contract",
    "audit_party",
    "authorize_contract",
    "clean_date",
    "clean_plain_text",
    "clean_terms",
    "contract_activate",
    "contract_create",
    "contract_delete",
    "contract_end",
    "contract_party_add",
    "contract_party_remove",
    "contract_terminate",
    "contract_update",
    "contracts_end_due",
    "holds_role",
    "locked_contract",
    "personal_categories",
    "product_create",
    "product_retire",
    "require_open",
]
