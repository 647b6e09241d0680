"""Reading the audit log (privacy officer and auditor: ``Perm.AUDIT_VIEW``).

Lists are keyset-paginated on the event id (newest first): the cursor is a
chain position, never personal data, and a page costs the same at event 10
and at event 10 million.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Forbidden

PAGE_SIZE = 50


def _require(user: Any) -> None:
    if not has_perm(user, Perm.AUDIT_VIEW):
        raise Forbidden()


@dataclass
class EventPage:
    """One page of events; ``next_before`` is the cursor of the next page."""

    items: list[AuditEvent]
    next_before: int | None


def _page(qs: QuerySet[AuditEvent], before: int | None, limit: int) -> EventPage:
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, rows[-1].id if more and rows else None)


def event_list(
    *,
    user: Any,
    actor_id: int | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> EventPage:
    """Events, newest first, filtered by actor, action (prefix), outcome and time."""
    _require(user)
    qs = AuditEvent.objects.all()
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return _page(qs, before, min(limit, 200))


def subject_events(
    *, user: Any, subject_id: uuid.UUID, before: int | None = None, limit: int = 50
) -> EventPage:
    """Who accessed this person, when and why: events about one data subject."""
    _require(user)
    return _page(AuditEvent.objects.filter(subject_id=subject_id), before, limit)


def subject_event_count(*, user: Any, subject_id: uuid.UUID) -> int:
    _require(user)
    return AuditEvent.objects.filter(subject_id=subject_id).count()


def subject_events_iter(
    *, user: Any, subject_id: uuid.UUID, chunk: int = 2000
) -> Iterator[AuditEvent]:
    """Every event about one person, oldest first, a chunk at a time."""
    _require(user)
    after = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(subject_id=subject_id, id__gt=after).order_by(
                "id"
            )[:chunk]
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].id
