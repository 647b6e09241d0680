"""Reads of rights-request cases; every selector takes the user."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.core.ids import as_uuid
from rekisteri.dsr.choices import OPEN_STATUSES
from rekisteri.dsr.models import RequestCase, SentMessage

DUE_SOON_DAYS = 7
VIEWS = ("open", "due_soon", "overdue", "closed", "all")


def _require_view(user: Any) -> None:
    if not has_perm(user, Perm.PRIVACY_VIEW):
        raise Forbidden()


def _due_q(before: dt.date) -> Q:
    """Open cases whose deadline in force falls before ``before``."""
    return Q(extended_until__isnull=True, deadline__lt=before) | Q(
        extended_until__lt=before
    )


def open_cases() -> QuerySet[RequestCase]:
    return RequestCase.objects.filter(status__in=[s.value for s in OPEN_STATUSES])


def due_cases(today: dt.date, within_days: int) -> list[RequestCase]:
    """Open cases past their deadline or due within ``within_days`` (for the
    daily job; no user: the command runs as the system)."""
    limit = today + dt.timedelta(days=within_days + 1)
    rows = list(open_cases().filter(_due_q(limit)).select_related("handler"))
    return sorted(rows, key=lambda c: (c.due, c.received_at))


def case_list(
    *, user: Any, view: str = "open", handler_id: Any = None, today: dt.date
) -> list[RequestCase]:
    _require_view(user)
    qs = RequestCase.objects.select_related("handler")
    if view == "open":
        qs = qs.filter(status__in=[s.value for s in OPEN_STATUSES])
    elif view == "due_soon":
        qs = (
            open_cases()
            .filter(_due_q(today + dt.timedelta(days=DUE_SOON_DAYS + 1)))
            .exclude(_due_q(today))
        )
    elif view == "overdue":
        qs = open_cases().filter(_due_q(today))
    elif view == "closed":
        qs = qs.exclude(status__in=[s.value for s in OPEN_STATUSES])
    if handler_id:
        qs = qs.filter(handler_id=handler_id)
    rows = list(qs[:500])
    return sorted(rows, key=lambda c: (c.due, c.received_at))


def case_counts(*, user: Any, today: dt.date) -> dict[str, Any]:
    """Open, due within 7 days, overdue, and open cases per handler."""
    _require_view(user)
    rows = list(open_cases().select_related("handler"))
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    by_handler = Counter((c.handler.get_username() if c.handler else "") for c in rows)
    return {
        "open": len(rows),
        "due_soon": sum(today <= c.due <= soon for c in rows),
        "overdue": sum(c.due < today for c in rows),
        "by_handler": sorted(by_handler.items()),
    }


def case_get(*, user: Any, case_id: Any) -> RequestCase:
    _require_view(user)
    pk = as_uuid(case_id)
    case = RequestCase.objects.select_related("handler").filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def letter_to_post(*, case: RequestCase, letter_id: Any) -> SentMessage:
    """One of the case's letters to post (the caller has read the case)."""
    pk = as_uuid(letter_id)
    letter = case.messages.filter(pk=pk, by_post=True).first() if pk else None
    if letter is None:
        raise NotFound()
    return letter
