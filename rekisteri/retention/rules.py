"""The date each retention rule gives each subject, computed in batches.

Per person:

- ``relationship``: a person with a role at a customer (not a prospect) or a
  contract party row is kept until the end of their last role or party
  period plus the grace period; none while any is open-ended.
- ``marketing``: a person known only at prospects (or nowhere) is kept until
  the last interaction (the latest of their own last change and their roles'
  dates) plus ``marketing_months``.
- ``bookkeeping_voucher``: a billing contact of issued invoices; their
  bookkeeping copy is kept until 31.12. of the sixth year after the
  financial year of the latest invoice ended (core.fiscal).
- ``privacy_case``: a person named in rights-request cases, all closed: the
  latest closure plus ``privacy_case_years``.

Per organization:

- ``relationship``: ``RelationshipEnd.ended_on`` (contracts.relationship)
  plus the grace period: the relationship key (message history, contract
  terms) is kept until then.
- ``bookkeeping_book``: ten years from the end of the financial year of the
  latest issued invoice.

An erased person keeps only the rules their kept data still has (vouchers,
privacy cases); a shredded key ends its rule. Every function here reads by
batch: a fixed number of queries per batch of subjects, whatever its size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.db.models import Max

from rekisteri.contracts.choices import IN_FORCE_STATUSES
from rekisteri.contracts.models import ContractParty, RelationshipEnd
from rekisteri.contracts.relationship import latest_end
from rekisteri.core import fiscal, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import Person, Role
from rekisteri.retention import conf
from rekisteri.retention.choices import Rule

Dates = dict[str, tuple[dt.date, dt.date]]  # rule → (anchor_on, kept_until)

# An organization whose relationship end is gone because every role and
# contract behind it was erased (its people were erased under their own
# relationship rule): the stored date stands, the clock is not reset.
KEEP = (dt.date.min, dt.date.min)


def destroyed(ids: Iterable[uuid.UUID], key_class: str) -> set[uuid.UUID]:
    """Which of ``ids`` have their ``key_class`` key shredded."""
    return keyring.destroyed_subjects(ids, key_class)


def _invoices():  # type: ignore[no-untyped-def]
    return apps.get_model("billing", "Invoice").objects.filter(
        issued_at__isnull=False, invoice_date__isnull=False
    )


def _closed_cases(ids: list[uuid.UUID]) -> dict[uuid.UUID, dt.date | None]:
    """Latest closure per person; None while any of their cases is open."""
    if not apps.is_installed("rekisteri.dsr"):
        return {}
    through = apps.get_model("dsr", "RequestCase").persons.through
    out: dict[uuid.UUID, dt.date | None] = {}
    rows = through.objects.filter(person_id__in=ids).values_list(
        "person_id", "requestcase__closed_at"
    )
    for pid, closed in rows:
        if pid in out and out[pid] is None:
            continue
        if closed is None:
            out[pid] = None
            continue
        day = closed.date()
        out[pid] = day if out.get(pid) is None or day > out[pid] else out[pid]  # type: ignore[operator]
    return out


def person_dates(ids: list[uuid.UUID]) -> dict[uuid.UUID, Dates]:
    """Every rule's date for each existing person among ``ids``."""
    grace = conf.value("relationship_grace_months")
    marketing = conf.value("marketing_months")
    case_years = conf.value("privacy_case_years")
    updated = dict(Person.objects.filter(pk__in=ids).values_list("pk", "updated_at"))
    ids = list(updated)
    erased = destroyed(ids, KeyClass.CRM)
    books_gone = destroyed(ids, KeyClass.BOOKKEEPING)

    customer_ends: dict[uuid.UUID, list[dt.date | None]] = defaultdict(list)
    touched: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    roles = Role.objects.filter(person_id__in=ids).values_list(
        "person_id", "start_date", "end_date", "organization__status"
    )
    for pid, start, end, status in roles:
        touched[pid].extend(d for d in (start, end) if d is not None)
        if status != OrganizationStatus.PROSPECT:
            customer_ends[pid].append(end)
    parties = ContractParty.objects.filter(person_id__in=ids).values_list(
        "person_id", "end_date"
    )
    for pid, end in parties:
        customer_ends[pid].append(end)
    last_invoice = dict(
        _invoices()
        .filter(billing_contact_id__in=ids)
        .values("billing_contact_id")
        .annotate(last=Max("invoice_date"))
        .values_list("billing_contact_id", "last")
    )
    cases = _closed_cases(ids)

    out: dict[uuid.UUID, Dates] = {}
    for pid in ids:
        dates: Dates = {}
        # An erased person has no role or party rows left. One who still has
        # them was caught between the key shred and the commit of the rest
        # (a crash): their rule stays, and the next sweep finishes the work.
        if pid not in erased or pid in customer_ends or pid in touched:
            if pid in customer_ends:
                end = latest_end(customer_ends[pid])
                if end is not None:
                    dates[Rule.RELATIONSHIP] = (end, fiscal.add_months(end, grace))
            else:
                anchor = max([updated[pid].date(), *touched[pid]])
                dates[Rule.MARKETING] = (anchor, fiscal.add_months(anchor, marketing))
        if pid in last_invoice and pid not in books_gone:
            day = last_invoice[pid]
            dates[Rule.BOOKKEEPING_VOUCHER] = (
                fiscal.financial_year_end(day),
                fiscal.voucher_until(day),
            )
        closed = cases.get(pid)
        if closed is not None:
            dates[Rule.PRIVACY_CASE] = (
                closed,
                fiscal.add_months(closed, 12 * case_years),
            )
        out[pid] = dates
    return out


def organization_dates(ids: list[uuid.UUID]) -> dict[uuid.UUID, Dates]:
    """Every rule's date for each existing organization among ``ids``."""
    Organization = apps.get_model("registry", "Organization")
    grace = conf.value("relationship_grace_months")
    ids = list(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True))
    shredded = destroyed(ids, KeyClass.CRM)
    ends = dict(
        RelationshipEnd.objects.filter(
            organization_id__in=ids, ended_on__isnull=False
        ).values_list("organization_id", "ended_on")
    )
    last_invoice = dict(
        _invoices()
        .filter(organization_id__in=ids)
        .values("organization_id")
        .annotate(last=Max("invoice_date"))
        .values_list("organization_id", "last")
    )
    Contract = apps.get_model("contracts", "Contract")
    evidence = set(
        Role.objects.filter(organization_id__in=ids).values_list(
            "organization_id", flat=True
        )
    ) | set(
        Contract.objects.filter(
            organization_id__in=ids, status__in=IN_FORCE_STATUSES
        ).values_list("organization_id", flat=True)
    )
    out: dict[uuid.UUID, Dates] = {}
    for oid in ids:
        dates: Dates = {}
        if oid in ends and oid not in shredded:
            end = ends[oid]
            dates[Rule.RELATIONSHIP] = (end, fiscal.add_months(end, grace))
        elif oid not in evidence and oid not in shredded:
            dates[Rule.RELATIONSHIP] = KEEP
        if oid in last_invoice:
            day = last_invoice[oid]
            dates[Rule.BOOKKEEPING_BOOK] = (
                fiscal.financial_year_end(day),
                fiscal.book_until(day),
            )
        out[oid] = dates
    return out
