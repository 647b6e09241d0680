"""A sole trader's company data when its relationship's retention ends.

A sole trader's company (``Organization.sole_trader``) is the trader's
personal data: its name, identifiers, addresses and trade-register facts are
catalogued with ``when="sole_trader"`` and retention ``relationship``
(registry/models.py). The name, business ID, VAT number, addresses and
registered names are sealed under the organization's own key
(registry/sealing.py), which the sweep shreds first; the columns that stay
in the clear (industry, trade-register status and situation, registered
entries, end date) are declared ``pseudonymise`` and replaced here, the
fields found from the catalogue:

* the name column keeps the pseudonym made of the customer number, which
  the books keep referring to (the customer number is the pseudonym; it is
  kept);
* a nullable field becomes empty (NULL), any other its blank or default;
* the sealed document, the business ID's digest and the name's blind-index
  rows go.

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
from rekisteri.core.catalogue import Erasure, personal_fields
from rekisteri.registry import sealing
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
    if name in sealing.together(Organization):
        return sealing.standin(org, name)
    field = Organization._meta.get_field(name)
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    return ""


def _raw(org_id: Any, names: list[str]) -> dict[str, Any] | None:
    """The columns as stored (a sole trader's name column holds its
    pseudonym whatever the sealed document says)."""
    return (
        Organization.objects.select_for_update()
        .filter(pk=org_id, sole_trader=True)
        .values("customer_number", sealing.DOCUMENT, sealing.DIGEST, *names)
        .first()
    )


def _is_done(raw: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(raw[n] == v for n, v in values.items())


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
        raw = _raw(organization_id, names)
        if raw is None:
            return False
        stand = Organization(customer_number=raw["customer_number"])
        values = {n: _replacement(stand, n) for n in names}
        values[sealing.DOCUMENT] = None
        values[sealing.DIGEST] = None
        if _is_done(raw, values):
            return False
        Organization.objects.filter(pk=organization_id).update(**values)
        sealing.forget_name([organization_id])
        audit_record(
            actor=None,
            action="retention.pseudonymise",
            target_type="organization",
            target_id=organization_id,
            purpose="retention",
            fields=sorted(names),
            details={"rule": rule, "run": run_id},
        )
    return True
