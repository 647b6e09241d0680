"""The retention sweep: act on every subject whose data is kept no longer.

What is due is read from the materialised ``DueDate`` rows in keyset batches
(constant memory, whatever the register's size). For each row the subject's
dates are recomputed first and the row read again, so nothing is acted on
that a change since the last recompute has made not due. Then, per rule:

=================================  =========================================
person, ``relationship``/``marketing``  erased through the rights engine's
                                   ``erasure_execute`` (the same service that
                                   serves requests), with a receipt
person, ``bookkeeping_voucher``    the person's bookkeeping key shredded
organization, ``relationship``     the organization's relationship key
                                   (messages, contract terms) shredded
=================================  =========================================

``bookkeeping_book`` and ``privacy_case`` dates are shown in the forecast;
their data is not the sweep's to delete (docs/retention.md).

Legal holds (``core.holds``) and restrictions of processing are checked per
subject just before acting, and the erasure service checks holds again in
its own transaction: a held subject is skipped, and the run log says which
hold. Every step is idempotent (an erased person's erasure returns the first
receipt, a shredded key stays shredded), so a run killed at any point and
run again converges with nothing done twice. One erasing sweep runs at a
time: the ``SweepLock`` row names it, and a second refuses.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rekisteri.access.choices import Action
from rekisteri.access.enforce import authorize_write
from rekisteri.audit.services import audit_record
from rekisteri.core import holds, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, ServiceError
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.retention import conf, rules, services
from rekisteri.retention.choices import EntryKind, Rule, RunStatus
from rekisteri.retention.models import DueDate, SweepEntry, SweepLock, SweepRun

BATCH = 500
ACTIONABLE = {
    ("person", Rule.RELATIONSHIP),
    ("person", Rule.MARKETING),
    ("person", Rule.BOOKKEEPING_VOUCHER),
    ("organization", Rule.RELATIONSHIP),
}

# Outcomes counted per rule in the run log.
ERASED = "erased"
SHREDDED = "shredded"
WOULD = "would_act"
ALREADY = "already_done"
NOT_DUE = "no_longer_due"
SKIPPED = "skipped"
ERRORS = "errors"


class SweepRefused(Exception):
    """The sweep cannot start (another runs, a bad date); the message says why."""


def check_as_of(value: str | dt.date | None, *, dry_run: bool) -> dt.date:
    """The sweep's day: today unless given. A day before today is refused
    (data past its date would be kept), and so is a later one unless this is
    a dry run (data would be erased before its date)."""
    today = timezone.localdate()
    if value is None or value == "":
        return today
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise SweepRefused(
                f"--as-of must be a date written YYYY-MM-DD, such as "
                f"{today.isoformat()}."
            ) from None
    else:
        day = value
    if day < today:
        raise SweepRefused(
            f"--as-of {day.isoformat()} is in the past: a sweep runs as of today "
            f"({today.isoformat()}) or, with --dry-run, a later day."
        )
    if day > today and not dry_run:
        raise SweepRefused(
            f"--as-of {day.isoformat()} is in the future: only a dry run may look "
            "ahead (add --dry-run); an erasing sweep never acts before a date."
        )
    return day


# --------------------------------------------------------------------------
# The lock
# --------------------------------------------------------------------------


def _alive(run: SweepRun) -> bool:
    """Whether the run holding the lock still runs: its process on this
    host, or a recent heartbeat from another host."""
    if run.status != RunStatus.RUNNING:
        return False
    if run.host == socket.gethostname() and run.pid:
        try:
            os.kill(run.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    stale = dt.timedelta(minutes=conf.value("lock_stale_minutes"))
    return timezone.now() - run.heartbeat_at < stale


def _acquire(run: SweepRun) -> None:
    with transaction.atomic():
        lock, _ = SweepLock.objects.select_for_update().get_or_create(pk=1)
        holder = lock.run
        if holder is not None and holder.pk != run.pk:
            if _alive(holder):
                raise SweepRefused(
                    f"Another retention sweep (run {holder.pk}, started "
                    f"{timezone.localtime(holder.started_at):%Y-%m-%d %H:%M}, "
                    f"process {holder.pid} on {holder.host}) is running; this "
                    "one did nothing. Wait for it to finish."
                )
            # Its process is gone (killed): record that, and take over.
            holder.status = RunStatus.INTERRUPTED
            holder.finished_at = holder.finished_at or timezone.now()
            holder.save(update_fields=["status", "finished_at"])
        lock.run = run
        lock.save(update_fields=["run"])


def _release(run: SweepRun) -> None:
    SweepLock.objects.filter(pk=1, run=run).update(run=None)


# --------------------------------------------------------------------------
# Acting on one subject
# --------------------------------------------------------------------------


@dataclass
class Ctx:
    run: SweepRun
    as_of: dt.date
    dry_run: bool
    # (kind, subject id, rule) still due after the batch was recomputed
    due: set = field(default_factory=set)
    persons: dict = field(default_factory=dict)  # the batch's Person rows
    erased: set = field(default_factory=set)  # the batch's shredded CRM keys


def _refresh(ctx: Ctx, batch: list[tuple]) -> None:
    """Recompute the batch's subjects (one batch recompute, a fixed number
    of queries) and note which of their rules are still due: a change since
    the last recompute (a new contract, a new role) takes a subject out."""
    people = [p for _pk, p, _o, _r in batch if p]
    orgs = [o for _pk, p, o, _r in batch if not p]
    services.recompute_persons(people)
    services.recompute_organizations(orgs)
    rows = DueDate.objects.filter(kept_until__lt=ctx.as_of).filter(
        Q(person_id__in=people) | Q(organization_id__in=orgs)
    )
    ctx.persons = Person.objects.in_bulk(people)
    ctx.erased = rules.destroyed(people, KeyClass.CRM)
    ctx.due = {
        ("person" if p else "organization", p or o, rule)
        for p, o, rule in rows.values_list("person_id", "organization_id", "rule")
    }


def _still_due(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> bool:
    return (kind, subject_id, rule) in ctx.due


def subject_holds(kind: str, subject_id: Any) -> list[holds.Hold]:
    """Holds on the subject now: a person's own, or those of any person of
    the organization (their invoices, their open matters)."""
    if kind == "person":
        return holds.holds_for_person(subject_id)
    found: list[holds.Hold] = []
    people = Role.objects.filter(organization_id=subject_id).values_list(
        "person_id", flat=True
    )
    for pid in dict.fromkeys(people):
        for h in holds.holds_for_person(pid):
            if h not in found:
                found.append(h)
    return found


def _skip(ctx: Ctx, kind: str, subject_id: Any, rule: str, codes, message) -> str:  # type: ignore[no-untyped-def]
    SweepEntry.objects.create(
        run=ctx.run,
        kind=EntryKind.SKIPPED,
        rule=rule,
        subject_type=kind,
        subject_id=subject_id,
        codes=list(codes),
        message=message[:500],
    )
    return SKIPPED


def _erase_person(ctx: Ctx, person: Person, rule: str) -> str:
    from rekisteri.rights import services as rights

    if person.pk in ctx.erased and rights.receipt_for(person) is not None:
        return ALREADY
    if ctx.dry_run:
        return WOULD
    receipt = rights.erasure_execute(
        actor=None,
        person=person,
        reason=f"retention sweep: {rule}",
        case_ref=f"RETENTION-{ctx.run.pk}",
    )
    return ALREADY if receipt["already_erased"] else ERASED


def _shred(ctx: Ctx, kind: str, subject_id: Any, key_class: str, rule: str) -> str:
    if keyring.is_destroyed(subject_id, key_class):
        return ALREADY
    if ctx.dry_run:
        return WOULD
    keyring.shred(subject_id, key_class, reason=f"retention: {rule}")
    audit_record(
        actor=None,
        action="retention.shred",
        target_type=kind,
        target_id=subject_id,
        subject_id=subject_id if kind == "person" else None,
        purpose="retention",
        details={"key_class": key_class, "rule": rule, "run": ctx.run.pk},
    )
    return SHREDDED


def _act(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> str:
    outcome = _act_once(ctx, kind, subject_id, rule)
    if outcome in (ERASED, SHREDDED, ALREADY):
        # Settle the subject's rows now (the erasure's own signals do too,
        # after its commit): what was done is not due any more.
        if kind == "person":
            services.recompute_persons([subject_id])
        else:
            services.recompute_organizations([subject_id])
    return outcome


def _act_once(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> str:
    if not _still_due(ctx, kind, subject_id, rule):
        return NOT_DUE
    held = subject_holds(kind, subject_id)
    if held:
        return _skip(
            ctx,
            kind,
            subject_id,
            rule,
            [h.code for h in held],
            "; ".join(h.message for h in held),
        )
    if kind == "person":
        person = ctx.persons.get(subject_id)
        if person is None:
            return NOT_DUE
        try:
            # A restriction of processing (Art. 18) keeps the data stored.
            authorize_write(
                actor=None,
                person_id=person.pk,
                action=Action.ERASE,
                operation="retention.erase",
            )
        except Conflict as exc:
            return _skip(ctx, kind, subject_id, rule, [exc.code], str(exc))
        if rule == Rule.BOOKKEEPING_VOUCHER:
            return _shred(ctx, kind, subject_id, KeyClass.BOOKKEEPING, rule)
        try:
            return _erase_person(ctx, person, rule)
        except Conflict as exc:  # a hold appeared since the check above
            return _skip(ctx, kind, subject_id, rule, [exc.code], str(exc))
    if not Organization.objects.filter(pk=subject_id).exists():
        return NOT_DUE
    return _shred(ctx, kind, subject_id, KeyClass.CRM, rule)


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def _due_rows(as_of: dt.date):  # type: ignore[no-untyped-def]
    return DueDate.objects.filter(
        kept_until__lt=as_of,
        rule__in=sorted({str(rule) for _k, rule in ACTIONABLE}),
    )


def due_count(as_of: dt.date) -> int:
    return _due_rows(as_of).count()


def run_sweep(
    *,
    as_of: dt.date | str | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH,
    progress: Callable[[SweepRun], None] | None = None,
    on_subject: Callable[[int], None] | None = None,
) -> SweepRun:
    """Run one sweep and return its log row (see the module docstring).

    Raises :class:`SweepRefused` before doing anything on a bad ``as_of``
    or while another erasing sweep runs.
    """
    day = check_as_of(as_of, dry_run=dry_run)
    run = SweepRun.objects.create(
        as_of=day, dry_run=dry_run, host=socket.gethostname(), pid=os.getpid()
    )
    if not dry_run:
        try:
            _acquire(run)
        except SweepRefused:
            run.delete()
            raise
    ctx = Ctx(run=run, as_of=day, dry_run=dry_run)
    counts: dict[str, dict[str, int]] = {}
    run.total = due_count(day)
    run.save(update_fields=["total"])
    last = 0
    try:
        while True:
            batch = list(
                _due_rows(day)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "person_id", "organization_id", "rule")[:batch_size]
            )
            if not batch:
                break
            _refresh(ctx, batch)
            for pk, person_id, org_id, rule in batch:
                kind = "person" if person_id else "organization"
                subject = person_id or org_id
                if (kind, rule) not in ACTIONABLE:
                    continue
                try:
                    outcome = _act(ctx, kind, subject, rule)
                except ServiceError as exc:
                    outcome = ERRORS
                    _error(ctx, kind, subject, rule, exc.code, type(exc).__name__)
                except Exception as exc:  # noqa: BLE001 - one subject, not the run
                    outcome = ERRORS
                    _error(ctx, kind, subject, rule, type(exc).__name__, "")
                per = counts.setdefault(f"{kind}.{rule}", {})
                per[outcome] = per.get(outcome, 0) + 1
                run.processed += 1
                if on_subject is not None:
                    on_subject(run.processed)
                last = pk
            run.counts = counts
            run.heartbeat_at = timezone.now()
            run.save(update_fields=["counts", "processed", "heartbeat_at"])
            if progress is not None:
                progress(run)
    except BaseException as exc:
        run.status = RunStatus.FAILED
        run.error = type(exc).__name__
        run.counts = counts
        run.finished_at = timezone.now()
        run.save()
        if not dry_run:
            _release(run)
        raise
    run.status = RunStatus.FINISHED
    run.counts = counts
    run.finished_at = timezone.now()
    run.save()
    if not dry_run:
        _release(run)
    audit_record(
        actor=None,
        action="retention.sweep",
        target_type="retention_run",
        target_id=run.pk,
        purpose="retention",
        details={"as_of": day.isoformat(), "dry_run": dry_run, "counts": counts},
    )
    return run


def _error(ctx: Ctx, kind: str, subject: Any, rule: str, code: str, name: str) -> None:
    SweepEntry.objects.create(
        run=ctx.run,
        kind=EntryKind.ERROR,
        rule=rule,
        subject_type=kind,
        subject_id=subject,
        codes=[code],
        message=name[:500],
    )
