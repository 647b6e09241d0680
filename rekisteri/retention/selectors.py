"""Reads for the privacy office: the forecast, the due list, the run log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import TruncMonth

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core import fiscal, holds
from rekisteri.core.errors import Forbidden
from rekisteri.retention import cases
from rekisteri.retention.choices import Rule
from rekisteri.retention.models import DueDate, SweepRun
from rekisteri.retention.sweep import ACTIONABLE, batch_holds

HORIZONS = (0, 30, 90, 365)
PAGE = 50
KINDS = ("person", "organization")


def _allowed(user: Any) -> None:
    if not has_perm(user, Perm.PRIVACY_VIEW):
        raise Forbidden("privacy.view", code="permission")


@dataclass(frozen=True)
class ForecastRow:
    kind: str
    rule: str
    label: str
    acts: bool  # the sweep or a daily job acts on it (otherwise forecast only)
    counts: tuple[int, ...]  # due now, within 30, 90, 365 days
    acted_by: str = "sweep"  # or the daily job's command


def forecast(*, user: Any, today: dt.date) -> list[ForecastRow]:
    """Subjects due now and within 30, 90 and 365 days, per kind and rule:
    one aggregate query for the materialised dates; then the rules dated
    per record from a timestamp of their own (retention/cases.py), a
    count per horizon each."""
    _allowed(user)
    aggregates = {
        f"h{h}": Count("id", filter=Q(kept_until__lt=today + dt.timedelta(days=h)))
        for h in HORIZONS
    }
    rows = (
        DueDate.objects.annotate(
            kind_person=ExpressionWrapper(
                Q(person__isnull=False), output_field=BooleanField()
            ),
        )
        .values("rule", "kind_person")
        .annotate(**aggregates)
    )
    found = {
        ("person" if r["kind_person"] else "organization", r["rule"]): tuple(
            r[f"h{h}"] for h in HORIZONS
        )
        for r in rows
    }
    out = []
    for kind in KINDS:
        for rule in Rule:
            if (kind, rule.value) not in found and (kind, rule) not in ACTIONABLE:
                continue
            out.append(
                ForecastRow(
                    kind=kind,
                    rule=rule.value,
                    label=str(rule.label),
                    acts=(kind, rule) in ACTIONABLE,
                    counts=found.get((kind, rule.value), (0,) * len(HORIZONS)),
                )
            )
    for record in cases.RECORD_RULES:
        out.append(
            ForecastRow(
                kind=record.kind,
                rule=str(record.rule),
                label=str(Rule(record.rule).label),
                acts=True,
                counts=tuple(
                    record.count_due(today + dt.timedelta(days=h)) for h in HORIZONS
                ),
                acted_by=record.acted_by,
            )
        )
    return out


def monthly(
    *, user: Any, today: dt.date, months: int = 12
) -> list[tuple[dt.date, int]]:
    """Subjects whose data becomes due in each of the next ``months``
    calendar months (kept until a day of that month), the ones the sweep
    acts on."""
    _allowed(user)
    first = today.replace(day=1)
    end = fiscal.add_months(first, months)
    rules = sorted({str(r) for _k, r in ACTIONABLE})
    rows = (
        DueDate.objects.filter(
            kept_until__gte=first, kept_until__lt=end, rule__in=rules
        )
        .annotate(month=TruncMonth("kept_until"))
        .values("month")
        .annotate(n=Count("id"))
    )
    counted = {}
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        counted[month] = r["n"]
    return [
        (fiscal.add_months(first, i), counted.get(fiscal.add_months(first, i), 0))
        for i in range(months)
    ]


@dataclass(frozen=True)
class DueItem:
    kind: str
    subject_id: Any
    rule: str
    label: str
    kept_until: dt.date
    holds: list[holds.Hold]


def due_list(
    *,
    user: Any,
    today: dt.date,
    kind: str,
    rule: str,
    within: int,
    after: int | None = None,
) -> tuple[list[DueItem], int | None]:
    """One page of subjects due within ``within`` days under ``rule``,
    soonest first, each with the legal holds that would block it now.
    Names are not shown: the subject's own page applies the need-to-know
    matrix. Returns the page and the cursor of the next one."""
    _allowed(user)
    qs = DueDate.objects.filter(
        rule=rule, kept_until__lt=today + dt.timedelta(days=within)
    )
    qs = (
        qs.filter(person__isnull=False)
        if kind == "person"
        else qs.filter(organization__isnull=False)
    )
    if after is not None:
        qs = qs.filter(id__gt=after)
    rows = list(qs.order_by("id")[: PAGE + 1])
    items = []
    page = rows[:PAGE]
    ids = [row.person_id or row.organization_id for row in page]
    held = batch_holds(
        ids if kind == "person" else [], ids if kind == "organization" else []
    )
    for row in page:
        sid = row.person_id or row.organization_id
        items.append(
            DueItem(
                kind=kind,
                subject_id=sid,
                rule=row.rule,
                label=str(Rule(row.rule).label),
                kept_until=row.kept_until,
                holds=held.get((kind, sid), []),
            )
        )
    cursor = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return items, cursor


def runs(*, user: Any, limit: int = 30) -> list[SweepRun]:
    _allowed(user)
    return list(SweepRun.objects.order_by("-started_at", "-id")[:limit])


def run_detail(*, user: Any, run_id: int) -> SweepRun:
    _allowed(user)
    return SweepRun.objects.get(pk=run_id)
