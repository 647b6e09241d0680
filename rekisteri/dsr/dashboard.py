"""The rights-request panel on the privacy office's dashboard: open, due
within 7 days, overdue, and a chart of requests received per month."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.dsr import selectors
from rekisteri.dsr.models import RequestCase
from rekisteri.privacy.charts import bar_chart
from rekisteri.privacy.panels import Panel

MONTHS = 6


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for _i in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def monthly_counts(today: dt.date, months: int = MONTHS) -> list[tuple[dt.date, int]]:
    """Requests received in each of the last ``months`` calendar months."""
    starts = _month_starts(today, months)
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time()))
    counted = Counter(
        timezone.localtime(at).date().replace(day=1)
        for at in RequestCase.objects.filter(received_at__gte=since).values_list(
            "received_at", flat=True
        )
    )
    return [(m, counted.get(m, 0)) for m in starts]


def panel(user: Any, today: dt.date) -> Panel | None:
    if not has_perm(user, Perm.PRIVACY_VIEW):
        return None
    counts = selectors.case_counts(user=user, today=today)
    url = reverse("dsr:case_list")
    return Panel(
        title=_("Rights requests"),
        url=url,
        namespace="dsr",
        counts=[
            (_("Open"), counts["open"], "info", f"{url}?view=open"),
            (
                _("Due within 7 days"),
                counts["due_soon"],
                "warning",
                f"{url}?view=due_soon",
            ),
            (_("Overdue"), counts["overdue"], "danger", f"{url}?view=overdue"),
        ],
        charts=[
            bar_chart(
                _("Rights requests received per month"),
                [
                    (m.strftime("%m/%Y"), n, "upcoming")
                    for m, n in monthly_counts(today)
                ],
            )
        ],
    )
