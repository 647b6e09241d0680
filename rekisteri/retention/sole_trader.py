"""A sole trader's company data when its relationship's retention ends.

A sole trader's company (``Organization.sole_trader``) is the trader's
personal data: its name, identifiers, addresses and trade-register facts are
catalogued with ``when="sole_trader"``, retention ``relationship`` and
erasure ``pseudonymise`` (registry/models.py). They are stored in the clear
(search, invoicing), so shredding the organization's relationship key does
not reach them: when the organization's ``relationship`` date has passed,
the sweep replaces them here, the fields found from the catalogue:

* the name becomes a pseudonym made of the customer number, which the books
  keep referring to (the customer number is the pseudonym; it is kept);
* a nullable field becomes empty (NULL), any other its blank or default.

The invoices' own copy of the buyer (the voucher) is not touched: it is
kept under ``bookkeeping_voucher`` (billing/models.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rekisteri.access import families
from rekisteri.access.choices import Action
from rekisteri.access.enforce import authorize_write
from rekisteri.audit.services import audit_record
from rekisteri.core import formats
from rekisteri.core.catalogue import Erasure, personal_fields
from rekisteri.registry.models import Organization

KEPT = ("customer_number",)  # the pseudonym itself


def sole_trader_fields() -> list[str]:
    """The organization's fields that are a sole trader's personal data."""
    return [
        e.field_name
        for e in personal_fields(Organization)
        if getattr(e.classification, "when", None) == "sole_trader"
        and getattr(e.classification, "erasure", None) == Erasure.PSEUDONYMISE
    ]


def _families() -> list[str]:
    return sorted(
        {
            families.family_of(e.classification)  # type: ignore[arg-type]
            for e in personal_fields(Organization)
            if getattr(e.classification, "when", None) == "sole_trader"
        }
    )


def _replacement(org: Organization, name: str) -> Any:
    if name == "name":
        return f"[{org.customer_number}]"
    if name == "name_key":
        return formats.search_key(f"[{org.customer_number}]")
    field = Organization._meta.get_field(name)
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    return ""


def is_pseudonymised(org: Organization) -> bool:
    return org.name == f"[{org.customer_number}]"


def pseudonymise(organization_id: Any, *, rule: str, run_id: int) -> bool:
    """Replace a sole trader's company data with its pseudonym; False when
    the organization is no sole trader or was pseudonymised already.

    Asks the one enforcement point first (the system's erase of these
    families), and records ``retention.pseudonymise`` with the fields'
    names, never their values."""
    names = [n for n in sole_trader_fields() if n not in KEPT]
    authorize_write(
        actor=None,
        families=_families(),
        action=Action.ERASE,
        operation="retention.pseudonymise",
    )
    with transaction.atomic():
        org = (
            Organization.objects.select_for_update()
            .filter(pk=organization_id, sole_trader=True)
            .first()
        )
        if org is None or is_pseudonymised(org):
            return False
        values = {n: _replacement(org, n) for n in names}
        Organization.objects.filter(pk=org.pk).update(**values)
        audit_record(
            actor=None,
            action="retention.pseudonymise",
            target_type="organization",
            target_id=org.pk,
            purpose="retention",
            fields=sorted(values),
            details={"rule": rule, "run": run_id},
        )
    return True
