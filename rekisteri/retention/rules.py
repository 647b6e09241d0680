"""The date each retention rule gives each subject, computed set-based.

Per person:

- ``relationship``: a person with a role at a customer (not a prospect) or a
  contract party row is kept until the end of their last role or party
  period plus the grace period; none while any is open-ended.
- ``marketing``: a person known only at prospects (or nowhere) is kept until
  the last interaction (the latest of their own last change and their roles'
  dates) plus ``REKISTERI_RETENTION_MARKETING_MONTHS``.
- ``bookkeeping_voucher``: a billing contact of issued invoices; their
  bookkeeping copy is kept until 31.12. of the sixth year after the
  financial year of the latest invoice ended (core.fiscal).
- ``privacy_case``: a person named in rights-request cases, all closed: the
  latest closure plus ``REKISTERI_RETENTION_CASE_YEARS``.

Per organization:

- ``relationship``: ``RelationshipEnd.ended_on`` (contracts.relationship)
  plus the grace period: the relationship key (message history, contract
  terms) is kept until then.
- ``bookkeeping_book``: ten years from the end of the financial year of the
  latest issued invoice.

An erased person keeps only the rules their kept data still has (vouchers,
privacy cases); a shredded key ends its rule.

Each rule's inputs are read with one aggregate query per kind of row for a
whole set of subjects (``GROUP BY`` the subject: the latest end, the number
still open), never row by row; only the calendar arithmetic of
:mod:`rekisteri.core.fiscal` runs per subject, in memory. The same
functions serve the event-driven recompute (a :class:`Subjects` of the ids
an event moved) and the full recompute (a :class:`Subjects` of a keyset
range of primary keys), so each rule has one definition.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Model, Q, QuerySet

from rekisteri.contracts.choices import IN_FORCE_STATUSES
from rekisteri.contracts.models import ContractParty, RelationshipEnd
from rekisteri.core import compiled, fiscal, idlist, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.rowconvert import values_rows
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import Person, Role
from rekisteri.retention import conf
from rekisteri.retention.choices import Rule

Dates = dict[str, tuple[dt.date, dt.date]]  # rule → (anchor_on, kept_until)

# An organization whose relationship end is gone because every role and
# contract behind it was erased (its people were erased under their own
# relationship rule): the stored date stands, the clock is not reset.
KEEP = (dt.date.min, dt.date.min)


@dataclass(frozen=True)
class Subjects:
    """A set of subjects: these ids, or every id in ``[lo, hi]`` (a keyset
    batch of the full recompute, read by index range rather than a long
    ``IN`` list)."""

    ids: tuple[uuid.UUID, ...] = ()
    lo: uuid.UUID | None = None
    hi: uuid.UUID | None = None

    @classmethod
    def of(cls, ids: Iterable[uuid.UUID]) -> Subjects:
        return cls(ids=tuple(dict.fromkeys(ids)))

    @classmethod
    def span(cls, lo: uuid.UUID, hi: uuid.UUID) -> Subjects:
        return cls(lo=lo, hi=hi)

    @property
    def is_span(self) -> bool:
        return self.lo is not None

    def q(self, column: str) -> Q:
        """The filter of ``column`` (a subject id column) to this set."""
        if self.is_span:
            return Q(**{f"{column}__gte": self.lo, f"{column}__lte": self.hi})
        return idlist.among(column, self.ids)

    def rows(
        self,
        key: str,
        column: str,
        make: Callable[[Q], QuerySet],
        *,
        model: type[Model],
    ) -> list[tuple[Any, ...]]:
        """The rows of ``make(self.q(column))``, a ``values_list()`` query of
        ``model``: for a set of ids compiled once per process under ``key``
        (core/compiled.py), since every event's recompute asks it again."""
        if self.is_span:
            # Built anew for each batch's range; its rows converted once per
            # column (core/rowconvert.py).
            return values_rows(make(self.q(column)))
        return compiled.among_rows(
            ("retention.rules", key),
            lambda ids: make(idlist.among(column, ids)),
            list(self.ids),
            model=model,
        )


def destroyed(ids: Iterable[uuid.UUID], key_class: str) -> set[uuid.UUID]:
    """Which of ``ids`` have their ``key_class`` key shredded."""
    return keyring.destroyed_subjects(ids, key_class)


def _invoices():  # type: ignore[no-untyped-def]
    return apps.get_model("billing", "Invoice").objects.filter(
        issued_at__isnull=False, invoice_date__isnull=False
    )


def _last_invoice(sel: Subjects, column: str) -> dict[uuid.UUID, dt.date]:
    return dict(
        sel.rows(
            f"last_invoice.{column}",
            column,
            lambda q: (
                _invoices()
                .filter(q)
                .order_by()
                .values(column)
                .annotate(last=Max("invoice_date"))
                .values_list(column, "last")
            ),
            model=apps.get_model("billing", "Invoice"),
        )
    )


def _closed_cases(sel: Subjects) -> dict[uuid.UUID, dt.date | None]:
    """Latest closure per person; None while any of their cases is open."""
    if not apps.is_installed("rekisteri.dsr"):
        return {}
    through = apps.get_model("dsr", "RequestCase").persons.through
    rows = sel.rows(
        "closed_cases",
        "person_id",
        lambda q: (
            through.objects.filter(q)
            .order_by()
            .values("person_id")
            .annotate(
                open=Count("pk", filter=Q(requestcase__closed_at__isnull=True)),
                last=Max("requestcase__closed_at"),
            )
            .values_list("person_id", "open", "last")
        ),
        model=through,
    )
    return {
        pid: (None if open_ or last is None else last.date())
        for pid, open_, last in rows
    }


def person_inputs(sel: Subjects) -> dict[str, dict]:
    """Every rule's inputs for the persons of ``sel``: one aggregate query
    per kind of row."""
    prospect = Q(organization__status=OrganizationStatus.PROSPECT)
    roles = {
        pid: row
        for pid, *row in sel.rows(
            "roles",
            "person_id",
            lambda q: (
                Role.objects.filter(q)
                .order_by()
                .values("person_id")
                .annotate(
                    n=Count("pk"),
                    cust=Count("pk", filter=~prospect),
                    cust_open=Count("pk", filter=~prospect & Q(end_date__isnull=True)),
                    cust_end=Max("end_date", filter=~prospect),
                    last_start=Max("start_date"),
                    last_end=Max("end_date"),
                )
                .values_list(
                    "person_id",
                    "n",
                    "cust",
                    "cust_open",
                    "cust_end",
                    "last_start",
                    "last_end",
                )
            ),
            model=Role,
        )
    }
    parties = {
        pid: row
        for pid, *row in sel.rows(
            "parties",
            "person_id",
            lambda q: (
                ContractParty.objects.filter(q)
                .order_by()
                .values("person_id")
                .annotate(
                    n=Count("pk"),
                    open=Count("pk", filter=Q(end_date__isnull=True)),
                    end=Max("end_date"),
                )
                .values_list("person_id", "n", "open", "end")
            ),
            model=ContractParty,
        )
    }
    return {
        "roles": roles,
        "parties": parties,
        "invoice": _last_invoice(sel, "billing_contact_id"),
        "cases": _closed_cases(sel),
    }


def person_dates(
    sel: Subjects | list[uuid.UUID],
    updated: dict[uuid.UUID, dt.datetime] | None = None,
) -> dict[uuid.UUID, Dates]:
    """Every rule's date for each existing person of ``sel``.

    ``updated`` (id → last change) is the batch's persons when the caller
    has already read them (the full recompute's keyset query)."""
    if not isinstance(sel, Subjects):
        sel = Subjects.of(sel)
    grace = conf.value("REKISTERI_RETENTION_GRACE_MONTHS")
    marketing = conf.value("REKISTERI_RETENTION_MARKETING_MONTHS")
    case_years = conf.value("REKISTERI_RETENTION_CASE_YEARS")
    if updated is None:
        updated = dict(
            sel.rows(
                "updated",
                "pk",
                lambda q: (
                    Person.objects.filter(q).order_by().values_list("pk", "updated_at")
                ),
                model=Person,
            )
        )
    ids = list(updated)
    if not ids:
        return {}
    got = person_inputs(sel)
    roles, parties = got["roles"], got["parties"]
    last_invoice, cases = got["invoice"], got["cases"]
    # The key store is asked only where the answer changes a date: whether
    # a person without roles or party rows was erased, and whether a
    # billing contact's bookkeeping key is gone.
    bare = [pid for pid in ids if pid not in roles and pid not in parties]
    billed = [pid for pid in ids if pid in last_invoice]
    # Both asked with one statement.
    gone = (
        keyring.destroyed_keys(
            dict.fromkeys([*bare, *billed]), (KeyClass.CRM, KeyClass.BOOKKEEPING)
        )
        if bare or billed
        else set()
    )
    erased = {pid for pid in bare if (pid, KeyClass.CRM) in gone}
    books_gone = {pid for pid in billed if (pid, KeyClass.BOOKKEEPING) in gone}
    add_months = fiscal.add_months

    out: dict[uuid.UUID, Dates] = {}
    for pid in ids:
        dates: Dates = {}
        role = roles.get(pid)
        party = parties.get(pid)
        # An erased person has no role or party rows left. One who still has
        # them was caught between the key shred and the commit of the rest
        # (a crash): their rule stays, and the next sweep finishes the work.
        if pid not in erased or role is not None or party is not None:
            customer = (role is not None and role[1] > 0) or party is not None
            if customer:
                open_ = (role is not None and role[2] > 0) or (
                    party is not None and party[1] > 0
                )
                ends = [role[3] if role else None, party[2] if party else None]
                end = max((e for e in ends if e is not None), default=None)
                if not open_ and end is not None:
                    dates[Rule.RELATIONSHIP] = (end, add_months(end, grace))
            else:
                touched = [updated[pid].date()]
                if role is not None:
                    touched += [d for d in (role[4], role[5]) if d is not None]
                anchor = max(touched)
                dates[Rule.MARKETING] = (anchor, add_months(anchor, marketing))
        day = last_invoice.get(pid)
        if day is not None and pid not in books_gone:
            dates[Rule.BOOKKEEPING_VOUCHER] = (
                fiscal.financial_year_end(day),
                fiscal.voucher_until(day),
            )
        closed = cases.get(pid)
        if closed is not None:
            dates[Rule.PRIVACY_CASE] = (closed, add_months(closed, 12 * case_years))
        out[pid] = dates
    return out


def organization_dates(
    sel: Subjects | list[uuid.UUID], existing: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, Dates]:
    """Every rule's date for each existing organization of ``sel``
    (``existing``: their ids, when the caller has already read them)."""
    if not isinstance(sel, Subjects):
        sel = Subjects.of(sel)
    Organization = apps.get_model("registry", "Organization")
    Contract = apps.get_model("contracts", "Contract")
    grace = conf.value("REKISTERI_RETENTION_GRACE_MONTHS")
    if existing is None:
        existing = list(
            Organization.objects.filter(sel.q("pk"))
            .order_by()
            .values_list("pk", flat=True)
        )
    ids = existing
    if not ids:
        return {}
    shredded = destroyed(ids, KeyClass.CRM)
    ends = dict(
        RelationshipEnd.objects.filter(sel.q("organization_id"), ended_on__isnull=False)
        .order_by()
        .values_list("organization_id", "ended_on")
    )
    last_invoice = _last_invoice(sel, "organization_id")
    evidence = set(
        Role.objects.filter(sel.q("organization_id"))
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    ) | set(
        Contract.objects.filter(sel.q("organization_id"), status__in=IN_FORCE_STATUSES)
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )
    out: dict[uuid.UUID, Dates] = {}
    for oid in ids:
        dates: Dates = {}
        if oid in ends and oid not in shredded:
            end = ends[oid]
            dates[Rule.RELATIONSHIP] = (end, fiscal.add_months(end, grace))
        elif oid not in evidence and oid not in shredded:
            dates[Rule.RELATIONSHIP] = KEEP
        day = last_invoice.get(oid)
        if day is not None:
            dates[Rule.BOOKKEEPING_BOOK] = (
                fiscal.financial_year_end(day),
                fiscal.book_until(day),
            )
        out[oid] = dates
    return out
