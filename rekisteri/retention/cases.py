"""Rules whose date is a stored moment plus a fixed period, per record.

Three rules of the catalogue date each record from one timestamp the
record already has, with the same period for all of them:

- ``privacy_case``, per rights-request case: kept until the day it closed
  (``RequestCase.closed_at``) plus ``REKISTERI_RETENTION_CASE_YEARS``. The sweep acts:
  the case's details are erased (``dsr.services.cases_expire``);
- ``unverified_request``, per portal submission never confirmed: kept
  until ``PortalDraft.expires_at``; the daily ``requests purge`` job
  deletes it;
- ``audit``, per audit event: kept for ``REKISTERI_AUDIT_RETENTION_YEARS``
  from ``AuditEvent.at``; the daily ``audit purge`` job removes the aged
  prefix of the chain.

Their dates are read from those columns rather than copied into
``DueDate``: a copy could only repeat the column, and for the audit log it
would be one more write on every audited read. The forecast counts them
with the same horizons as the materialised rules (docs/retention.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from rekisteri.audit import purge as audit_purge
from rekisteri.core import fiscal
from rekisteri.dsr import services as dsr
from rekisteri.dsr.models import PortalDraft, RequestCase
from rekisteri.retention import conf
from rekisteri.retention.choices import EntryKind, Rule
from rekisteri.retention.models import SweepEntry

CASE_BATCH = 200


def start_of(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the register's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _months() -> int:
    return 12 * conf.value("REKISTERI_RETENTION_CASE_YEARS")


def case_kept_until(closed_at: dt.datetime) -> dt.date:
    """The last day a case closed at ``closed_at`` is kept."""
    return fiscal.add_months(timezone.localdate(closed_at), _months())


def case_cutoff(day: dt.date) -> dt.datetime:
    """Cases closed before this moment are kept no longer on ``day``: the
    first day whose kept-until date is not before ``day``, found exactly
    (a month end may clamp: 29.2. plus a year is 28.2.)."""
    n = _months()
    first = fiscal.add_months(day, -n)
    while fiscal.add_months(first - dt.timedelta(days=1), n) >= day:
        first -= dt.timedelta(days=1)
    while fiscal.add_months(first, n) < day:
        first += dt.timedelta(days=1)
    return start_of(first)


def due_cases(day: dt.date) -> QuerySet:
    """Closed cases whose ``privacy_case`` period has ended by ``day`` and
    whose details are still there."""
    return RequestCase.objects.filter(
        closed_at__isnull=False,
        closed_at__lt=case_cutoff(day),
        expired_at__isnull=True,
    )


def _moment(day: dt.date) -> dt.datetime:
    """When a daily job acting on ``day`` has acted: now for today (a job
    run now takes what has expired by now), else the day's first moment."""
    return timezone.now() if day <= timezone.localdate() else start_of(day)


def _due_drafts(day: dt.date) -> QuerySet:
    return PortalDraft.objects.filter(expires_at__lt=_moment(day))


def _due_events(day: dt.date) -> int:
    return audit_purge.aged_out(audit_purge.retention_cutoff(_moment(day)))


@dataclass(frozen=True)
class RecordRule:
    """A rule dated per record from a timestamp of its own."""

    kind: str  # what a record is: "case", "portal_draft", "audit_event"
    rule: str
    acted_by: str  # who acts on it: "sweep" or the daily job's command
    count_due: Callable[[dt.date], int]  # records due on a day


RECORD_RULES = (
    RecordRule("case", Rule.PRIVACY_CASE, "sweep", lambda d: due_cases(d).count()),
    RecordRule(
        "portal_draft",
        Rule.UNVERIFIED_REQUEST,
        "manage.py requests purge",
        lambda d: _due_drafts(d).count(),
    ),
    RecordRule("audit_event", Rule.AUDIT, "manage.py audit purge", _due_events),
)


# --------------------------------------------------------------------------
# The sweep's action on cases
# --------------------------------------------------------------------------


def expire_batch(
    case_ids: list[Any], *, run_id: int
) -> tuple[dict[Any, str], list[tuple[Any, list[str], str]]]:
    """Erase a batch of due cases through the one case-expiry service:
    each case's outcome, and the cases kept or failed with a reason code
    and message. A batch that fails is halved until the failure is one
    case's."""
    outcomes: dict[Any, str] = {}
    kept: list[tuple[Any, list[str], str]] = []
    groups = [case_ids]
    while groups:
        group = groups.pop(0)
        try:
            done = dsr.cases_expire(
                actor=None,
                case_ids=group,
                reason=f"retention sweep: {Rule.PRIVACY_CASE} (run {run_id})",
            )
        except Exception as exc:  # noqa: BLE001 - isolate the case it concerns
            if len(group) == 1:
                code = getattr(exc, "code", "") or type(exc).__name__
                outcomes[group[0]] = "errors"
                kept.append((group[0], [str(code)], type(exc).__name__))
            else:
                half = len(group) // 2
                groups[:0] = [group[:half], group[half:]]
            continue
        for cid in done.expired:
            outcomes[cid] = "erased"
        for cid in done.already:
            outcomes[cid] = "already_done"
        for cid, why in done.kept.items():
            outcomes[cid] = "skipped"
            codes = [h.code for h in getattr(why, "holds", ())] or [str(why.code)]
            kept.append((cid, codes, str(why)))
    return outcomes, kept


def sweep(
    run: Any,
    *,
    day: dt.date,
    dry_run: bool,
    counts: dict[str, dict[str, int]],
    on_subject: Callable[[int], None] | None = None,
    progress: Callable[[Any], None] | None = None,
) -> None:
    """The sweep's stage for cases: every due case in keyset batches, each
    batch in one transaction of the expiry service. A dry run counts what
    it would erase. Counted under ``case.privacy_case`` in the run log; a
    kept case gets a skipped entry with its reason, a failed one an error."""
    per = counts.setdefault(f"case.{Rule.PRIVACY_CASE}", {})
    last = None
    while True:
        rows = due_cases(day).order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.values_list("pk", flat=True)[:CASE_BATCH])
        if not batch:
            break
        last = batch[-1]
        if dry_run:
            outcomes = dict.fromkeys(batch, "would_act")
            kept: list[tuple[Any, list[str], str]] = []
        else:
            outcomes, kept = expire_batch(batch, run_id=run.pk)
        for outcome in outcomes.values():
            per[outcome] = per.get(outcome, 0) + 1
        SweepEntry.objects.bulk_create(
            SweepEntry(
                run=run,
                kind=EntryKind.ERROR
                if outcomes[cid] == "errors"
                else EntryKind.SKIPPED,
                rule=Rule.PRIVACY_CASE,
                subject_type="case",
                subject_id=cid,
                codes=codes,
                message=message[:500],
            )
            for cid, codes, message in kept
        )
        run.processed += len(batch)
        if on_subject is not None:
            on_subject(run.processed)
        run.counts = counts
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["counts", "processed", "heartbeat_at"])
        if progress is not None:
            progress(run)
    if not per:
        del counts[f"case.{Rule.PRIVACY_CASE}"]
