"""The ``audit`` retention rule: purge events older than the retention period.

Only the oldest events go, as one prefix of the chain, so what remains is still
one unbroken chain. The purge refuses to run on a chain that does not verify
(it would destroy the evidence), deletes under the database's purge permit
(SQLite: a permit row the DELETE trigger looks for; PostgreSQL:
``SET LOCAL rekisteri.audit_purge = 'on'``, see migration ``audit.0002``),
records the new anchor in the sealed head so ``verify`` still passes, and is
itself an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.audit.chain import chain_key, head_seal
from rekisteri.audit.conf import setting
from rekisteri.audit.models import AuditEvent, AuditHead, AuditPurgePermit
from rekisteri.audit.services import HEAD_ID, audit_record
from rekisteri.audit.verify import verify_chain
from rekisteri.core.errors import Conflict


def retention_years() -> int:
    """Years an audit event is kept (``REKISTERI_AUDIT_RETENTION_YEARS``)."""
    return int(setting("REKISTERI_AUDIT_RETENTION_YEARS"))


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events before this moment have aged out."""
    now = now or timezone.now()
    years = retention_years()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)


def aged_out(cutoff: dt.datetime) -> int:
    """How many events a purge at ``cutoff`` would remove (the forecast's
    count): the chain's first event not older than ``cutoff`` is found by
    bisecting its ids, since time follows the id, with a few primary-key
    lookups instead of a scan of the aged part; the prefix before it is
    counted on the primary key."""
    head = (
        AuditHead.objects.filter(pk=HEAD_ID).values_list("first_id", flat=True).first()
    )
    first = head or 1
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if last is None or last < first:
        return 0
    lo, hi = first, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = (
            AuditEvent.objects.filter(id__gte=mid)
            .order_by("id")
            .values_list("id", "at")
            .first()
        )
        if row is None or row[1] >= cutoff:
            hi = mid
        else:
            lo = row[0] + 1
    return AuditEvent.objects.filter(id__gte=first, id__lt=lo).count()


@dataclass(frozen=True)
class PurgeResult:
    """How many events went, and the new start of the chain."""

    purged: int
    first_id: int
    cutoff: dt.datetime


def audit_purge(*, actor: Any, now: dt.datetime | None = None) -> PurgeResult:
    """Delete the events older than the retention period, oldest first.

    Raises :class:`Conflict` (``audit_chain_broken``) when the chain does not
    verify: a broken log is kept whole for the investigation.
    """
    cutoff = retention_cutoff(now)
    result = verify_chain()
    if not result.ok:
        raise Conflict(
            _("The audit log does not verify; nothing was purged."),
            code="audit_chain_broken",
        )
    with transaction.atomic():
        # Lock the head as appends do, so no event is added meanwhile.
        AuditHead.objects.filter(pk=HEAD_ID).update(count=F("count"))
        head = AuditHead.objects.filter(pk=HEAD_ID).first()
        if head is None:
            return PurgeResult(0, 1, cutoff)
        boundary = (
            AuditEvent.objects.filter(id__gte=head.first_id, at__gte=cutoff)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        # Everything before the first young event goes (a prefix of the chain).
        through = (boundary - 1) if boundary is not None else head.last_id
        if through < head.first_id:
            return PurgeResult(0, head.first_id, cutoff)
        anchor = AuditEvent.objects.values_list("hash", flat=True).get(pk=through)
        _permit(on=True)
        try:
            purged, _detail = AuditEvent.objects.filter(id__lte=through).delete()
        finally:
            _permit(on=False)
        count = head.count - purged
        AuditHead.objects.filter(pk=HEAD_ID).update(
            first_id=through + 1,
            anchor_hash=anchor,
            count=count,
            seal=head_seal(
                chain_key(),
                first_id=through + 1,
                anchor_hash=anchor,
                last_id=head.last_id,
                last_hash=head.last_hash,
                count=count,
            ),
        )
        audit_record(
            actor=actor,
            action="audit.purge",
            target_type="audit",
            purpose="security",
            details={
                "events": purged,
                "through_id": through,
                "retention_years": retention_years(),
            },
        )
    return PurgeResult(purged, through + 1, cutoff)


def _permit(*, on: bool) -> None:
    """Open or close the database's purge permit in this transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('rekisteri.audit_purge', %s, true)",
                ["on" if on else "off"],
            )
    elif on:
        AuditPurgePermit.objects.create(reason="retention")
    else:
        AuditPurgePermit.objects.all().delete()
