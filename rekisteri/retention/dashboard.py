"""The retention panel on the privacy office's dashboard and navigation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.privacy.panels import Panel
from rekisteri.retention.models import DueDate
from rekisteri.retention.sweep import ACTIONABLE


def panel(user: Any, today: dt.date) -> Panel | None:
    if not has_perm(user, Perm.PRIVACY_VIEW):
        return None
    url = reverse("retention:forecast")
    rules = sorted({str(r) for _k, r in ACTIONABLE})
    due = DueDate.objects.filter(rule__in=rules)
    return Panel(
        title=_("Retention"),
        url=url,
        namespace="retention",
        counts=[
            (_("Due now"), due.filter(kept_until__lt=today).count(), "danger", url),
            (
                _("Due within 30 days"),
                due.filter(kept_until__lt=today + dt.timedelta(days=30)).count(),
                "warning",
                url,
            ),
        ],
    )
