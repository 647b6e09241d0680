"""The privacy office's retention pages: forecast, due list, sweep runs."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.core import formats
from rekisteri.privacy.charts import bar_chart
from rekisteri.retention import selectors
from rekisteri.retention.choices import EntryKind, Rule
from rekisteri.retention.models import SweepRun


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"can_manage": has_perm(request.user, Perm.PRIVACY_MANAGE), **extra}


def monthly_chart(user: Any, today: Any) -> Any:
    return bar_chart(
        _("Subjects due per month (next 12 months)"),
        [
            (m.strftime("%m/%Y"), n, "upcoming")
            for m, n in selectors.monthly(user=user, today=today)
        ],
    )


@require(Perm.PRIVACY_VIEW)
def forecast(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.forecast(user=request.user, today=today)
    return render(
        request,
        "retention/forecast.html",
        _ctx(
            request,
            today=today,
            rows=rows,
            horizons=selectors.HORIZONS,
            chart=monthly_chart(request.user, today),
            last_run=SweepRun.objects.filter(dry_run=False).first(),
        ),
    )


@require(Perm.PRIVACY_VIEW)
def due(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "person")
    rule = request.GET.get("rule", Rule.RELATIONSHIP)
    within = formats.request_number(request.GET.get("within"), 0)
    if kind not in selectors.KINDS or rule not in Rule.values:
        raise Http404
    if within not in selectors.HORIZONS:
        within = 0
    today = timezone.localdate()
    items, cursor = selectors.due_list(
        user=request.user,
        today=today,
        kind=kind,
        rule=rule,
        within=within,
        after=formats.request_number(request.GET.get("after"), None),
    )
    return render(
        request,
        "retention/due.html",
        _ctx(
            request,
            items=items,
            kind=kind,
            rule=rule,
            rule_label=Rule(rule).label,
            within=within,
            horizons=selectors.HORIZONS,
            next_url=(
                f"{reverse('retention:due')}?kind={kind}&rule={rule}"
                f"&within={within}&after={cursor}"
                if cursor
                else ""
            ),
            can_open_person=has_perm(request.user, Perm.REGISTRY_VIEW),
        ),
    )


@require(Perm.PRIVACY_VIEW)
def runs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "retention/runs.html",
        _ctx(request, runs=selectors.runs(user=request.user)),
    )


@require(Perm.PRIVACY_VIEW)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        run = selectors.run_detail(user=request.user, run_id=run_id)
    except SweepRun.DoesNotExist:
        raise Http404 from None
    entries = list(run.entries.order_by("id")[:200])
    counts = [(key, sorted(value.items())) for key, value in sorted(run.counts.items())]
    return render(
        request,
        "retention/run_detail.html",
        _ctx(
            request,
            run=run,
            counts=counts,
            skipped=[e for e in entries if e.kind == EntryKind.SKIPPED],
            errors=[e for e in entries if e.kind == EntryKind.ERROR],
            more=max(run.entries.count() - len(entries), 0),
        ),
    )
