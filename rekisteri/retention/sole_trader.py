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
from rekisteri.audit.services import audit_record_many
from rekisteri.core import idlist
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


def _is_done(raw: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(raw[n] == v for n, v in values.items())


def pseudonymise(organization_id: Any, *, rule: str, run_id: int) -> bool:
    """Replace a sole trader's company data with its pseudonym; False when
    the organization is no sole trader or was pseudonymised already
    (:func:`pseudonymise_many` of one)."""
    return organization_id in pseudonymise_many(
        [organization_id], rule=rule, run_id=run_id
    )


def pseudonymise_many(organization_ids: list[Any], *, rule: str, run_id: int) -> set:
    """:func:`pseudonymise` for many organizations at once (a sweep's
    batch): the ones pseudonymised now. Asks the one enforcement point
    first (the system's erase of these families), then in one transaction
    locks and reads the sole traders among them, replaces what is not
    replaced yet, removes their name terms and records each one's
    ``retention.pseudonymise`` with the fields' names, never their values,
    in one append."""
    ids = list(dict.fromkeys(organization_ids))
    if not ids:
        return set()
    names = [n for n in sole_trader_fields() if n not in KEPT]
    authorize_write(
        actor=None,
        families=_families(),
        action=Action.ERASE,
        operation="retention.pseudonymise",
    )
    done: list[Any] = []
    with transaction.atomic():
        for chunk in idlist.chunks(ids):
            rows = (
                Organization.objects.select_for_update()
                .filter(idlist.among("pk", chunk), sole_trader=True)
                .order_by("pk")
                .values(
                    "pk", "customer_number", sealing.DOCUMENT, sealing.DIGEST, *names
                )
            )
            for raw in rows:
                # The columns as stored (a sole trader's name column holds
                # its pseudonym whatever the sealed document says).
                stand = Organization(customer_number=raw["customer_number"])
                values = {n: _replacement(stand, n) for n in names}
                values[sealing.DOCUMENT] = None
                values[sealing.DIGEST] = None
                if _is_done(raw, values):
                    continue
                Organization.objects.filter(pk=raw["pk"]).update(**values)
                done.append(raw["pk"])
        if done:
            sealing.forget_name(done)
            audit_record_many(
                actor=None,
                action="retention.pseudonymise",
                target_type="organization",
                records=[
                    (pk, None, sorted(names), (), {"rule": rule, "run": run_id})
                    for pk in done
                ],
                purpose="retention",
            )
    return set(done)
