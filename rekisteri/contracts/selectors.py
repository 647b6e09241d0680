"""Reads of contracts. Every selector takes the user and needs CONTRACTS_VIEW;
a contract outside what the user may see is NotFound, worded like a missing
one. Lists are keyset-paginated by an opaque row id.

Selectors that return personal data (the persons attached to a contract)
record who viewed it with :func:`audit_view`, called by the view or API
operation that shows it, since only they know the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONArray
from django.utils import timezone

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.contracts.choices import ContractStatus
from rekisteri.contracts.models import Contract, ContractParty, Product
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass, Purpose
from rekisteri.core.conf import setting
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.core.ids import as_uuid
from rekisteri.core.jsonrows import JSONRows, rows_of
from rekisteri.registry.models import Organization

DEFAULT_ENDING_DAYS = 90
MAX_ENDING_DAYS = 3660
MAX_PAGE = 200


@dataclass
class Page:
    """One page of a keyset-paginated list. ``next_cursor`` is an opaque id."""

    items: list
    next_cursor: str | None = None


def _require_view(user: Any) -> None:
    if not has_perm(user, Perm.CONTRACTS_VIEW):
        raise Forbidden()


def contract_queryset(user: Any) -> QuerySet[Contract]:
    """Contracts the user may see (all of them, with CONTRACTS_VIEW)."""
    _require_view(user)
    return Contract.objects.select_related("organization", "product")


def contract_get(*, user: Any, contract_id: Any) -> Contract:
    """One contract with its organization and product."""
    try:
        return contract_queryset(user).get(pk=as_uuid(contract_id))
    except Contract.DoesNotExist:
        raise NotFound() from None


def contract_parties(*, user: Any, contract: Contract) -> list[ContractParty]:
    """The persons attached to a contract, current ones first, names decrypted."""
    _require_view(user)
    rows = list(
        ContractParty.objects.filter(contract=contract)
        .select_related("person")
        .prefetch_related("person__emails")
    )
    with keyring.ensure_scope():
        keyring.prefetch({p.person_id for p in rows}, KeyClass.CRM)
        today = timezone.localdate()
        rows.sort(
            key=lambda p: (
                p.end_date is not None and p.end_date < today,
                p.kind,
                p.person.sort_key,
            )
        )
    return rows


def party_get(*, user: Any, party_id: Any) -> ContractParty:
    _require_view(user)
    party = (
        ContractParty.objects.select_related("contract__organization", "person")
        .filter(pk=as_uuid(party_id))
        .first()
    )
    if party is None:
        raise NotFound()
    return party


def organization_contracts(*, user: Any, organization: Any) -> list[Contract]:
    """An organization's contracts: open ones first, then by start, newest first."""
    rows = list(
        contract_queryset(user)
        .filter(organization=organization)
        .order_by("-start_date", "-created_at")
    )
    order = {
        ContractStatus.ACTIVE: 0,
        ContractStatus.DRAFT: 1,
        ContractStatus.TERMINATED: 2,
        ContractStatus.ENDED: 3,
    }
    rows.sort(key=lambda c: order.get(c.status, 9))
    return rows


# The person page carries the person's contract parties in its own query
# (registry.extensions.register_person_annotations): the columns its
# section shows, none of them sealed.
PARTIES = "contracts_parties"
_PARTY_COLUMNS = (
    "id",
    "kind",
    "start_date",
    "end_date",
    "contract_id",
    "contract__number",
    "contract__status",
    "contract__sole_trader",
    "contract__organization_id",
    "contract__organization__name",
    "contract__product_id",
    "contract__product__name",
)


def person_party_rows() -> dict[str, Any]:
    """The person's contract parties (``pk`` as ``OuterRef``) as one
    annotation of the person page's query."""
    return {
        PARTIES: Subquery(
            ContractParty.objects.filter(person_id=OuterRef("pk"))
            .order_by()
            .values("person_id")
            .annotate(rows=JSONRows(JSONArray(*_PARTY_COLUMNS)))
            .values("rows")[:1]
        )
    }


def _day(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def _pk(model: Any, value: Any) -> Any:
    return model._meta.pk.to_python(value)


def _parties_from_rows(person: Any, rows: list[list[Any]]) -> list[ContractParty]:
    """The section's parties rebuilt from the annotation's rows: the same
    attributes the query below would load for the template."""
    out = []
    for (
        pk,
        kind,
        start,
        end,
        contract_id,
        number,
        status,
        sole_trader,
        org_id,
        org_name,
        product_id,
        product_name,
    ) in rows:
        organization = Organization(id=_pk(Organization, org_id), name=org_name)
        product = Product(id=_pk(Product, product_id), name=product_name)
        contract = Contract(
            id=_pk(Contract, contract_id),
            number=number,
            status=status,
            sole_trader=bool(sole_trader),
            organization=organization,
            product=product,
        )
        party = ContractParty(
            id=_pk(ContractParty, pk),
            kind=kind,
            start_date=_day(start),
            end_date=_day(end),
            contract=contract,
        )
        party.person_id = person.pk
        out.append(party)
    # A sole trader's name is sealed (registry/sealing.py): the row gave
    # its pseudonym, so those organizations are read whole (one query).
    sealed = {p.contract.organization_id for p in out if p.contract.sole_trader}
    if sealed:
        found = Organization.objects.in_bulk(list(sealed))
        for p in out:
            org = found.get(p.contract.organization_id)
            if org is not None:
                p.contract.organization = org
    return out


def _order(party: ContractParty) -> tuple:
    # Open-ended attachments first, then by end date; the latest start first.
    end = party.end_date
    start = party.start_date or dt.date.min
    return (end is not None, end or dt.date.min, -start.toordinal())


def person_contracts(*, user: Any, person: Any) -> list[ContractParty]:
    """The person's attachments to contracts, with contract and organization
    (from the person's own query when the page loaded them with it)."""
    _require_view(user)
    if PARTIES in person.__dict__:
        parties = _parties_from_rows(person, rows_of(person.__dict__[PARTIES]))
    else:
        parties = list(
            ContractParty.objects.filter(person=person).select_related(
                "contract__organization", "contract__product"
            )
        )
    return sorted(parties, key=_order)


def _anchor(after: str, *fields: str) -> tuple:
    anchor = Contract.objects.filter(pk=as_uuid(after)).values_list(*fields).first()
    if anchor is None:
        raise NotFound()
    return anchor


def contract_list(
    *,
    user: Any,
    status: str | None = None,
    ending_within: int | None = None,
    after: str | None = None,
    limit: int | None = None,
    today: dt.date | None = None,
) -> Page:
    """Contracts, ``limit`` at a time after the cursor row.

    Without ``ending_within``: newest first. With it: contracts still in
    force (active, or terminated but not yet out) whose last day falls within
    the next ``ending_within`` days, soonest first — the renewal list.
    """
    limit = min(limit or setting("REKISTERI_PAGE_SIZE"), MAX_PAGE)
    qs = contract_queryset(user)
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    if ending_within is not None:
        today = today or timezone.localdate()
        qs = qs.filter(
            status__in=[ContractStatus.ACTIVE, ContractStatus.TERMINATED],
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=ending_within),
        )
        if after:
            ends_on, pk = _anchor(after, "ends_on", "id")
            qs = qs.filter(Q(ends_on__gt=ends_on) | Q(ends_on=ends_on, id__gt=pk))
        qs = qs.order_by("ends_on", "id")
    else:
        if after:
            created, pk = _anchor(after, "created_at", "id")
            qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
        qs = qs.order_by("-created_at", "-id")
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more and rows else None)


def contracts_ending(
    *,
    user: Any,
    days: int = DEFAULT_ENDING_DAYS,
    after: str | None = None,
    limit: int | None = None,
    today: dt.date | None = None,
) -> Page:
    """Contracts whose last day in force is within the next ``days`` days."""
    return contract_list(
        user=user, ending_within=days, after=after, limit=limit, today=today
    )


def product_choices(*, user: Any, include: Product | None = None) -> QuerySet:
    """Products a contract may be made for (plus the one it already has)."""
    _require_view(user)
    q = Q(is_active=True)
    if include is not None:
        q |= Q(pk=include.pk)
    return Product.objects.filter(q).order_by("name", "code")


# --------------------------------------------------------------------------
# Audit of reads
# --------------------------------------------------------------------------


def audit_view(
    *,
    user: Any,
    action: str,
    contracts: list[Contract] = (),  # type: ignore[assignment]
    parties: list[ContractParty] = (),  # type: ignore[assignment]
    request: Any = None,
    terms_shown: bool = False,
) -> None:
    """Record that ``user`` was shown personal data from contracts.

    One event per person whose attachment was shown (so "who saw this
    person" finds it), and one per sole trader's contract or contract whose
    terms were shown.
    """
    for party in parties:
        audit_record(
            actor=user,
            action=action,
            target_type="contract_party",
            target_id=party.pk,
            subject_id=party.person_id,
            fields=["kind", "start_date", "end_date", "person"],
            categories=["user.workplace", "user.name"],
            purpose=Purpose.CUSTOMER_RELATIONSHIP,
            request=request,
        )
    for contract in contracts:
        fields, categories = [], set()
        if contract.sole_trader:
            fields += ["product", "status", "start_date", "end_date"]
            categories.add("user.behavior.purchase_history")
        if terms_shown and contract.terms:
            fields.append("terms")
            categories.add("user.content.private")
        if not fields:
            continue
        audit_record(
            actor=user,
            action=action,
            target_type="contract",
            target_id=contract.pk,
            fields=fields,
            categories=sorted(categories),
            purpose=Purpose.CUSTOMER_RELATIONSHIP,
            request=request,
        )
