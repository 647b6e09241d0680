"""The retention sweep: act on every subject whose data is kept no longer.

What is due is read from the materialised ``DueDate`` rows in keyset batches
(constant memory, whatever the register's size). An erasing sweep
recomputes each batch's subjects first (set-based) and reads their rows
again, so nothing is acted on that a change since the last recompute has
made not due; a dry run reads the stored dates, as the forecast does. Then,
per rule:

=================================  =========================================
person, ``relationship``/``marketing``  erased through the rights engine's
                                   ``rights.erasure.erasure_execute`` (the
                                   same service that serves requests), with
                                   a receipt
person, ``bookkeeping_voucher``    the person's bookkeeping key shredded
organization, ``relationship``     the organization's relationship key
                                   (messages, contract terms) shredded; a
                                   sole trader's company data pseudonymised
                                   (``retention.sole_trader``)
=================================  =========================================

After the persons and organizations, closed rights-request cases whose
``privacy_case`` period has ended have their details erased
(``retention.cases``, through ``dsr.services.cases_expire``). A person's
``privacy_case`` date and ``bookkeeping_book`` dates are shown in the
forecast; the sweep acts on the cases themselves, and the books hold no
personal data of their own (docs/retention.md).

Legal holds (``core.holds``), restrictions of processing, receipts and
shredded keys are read once per batch, with a fixed number of queries; the
erasure service asks for holds again in its own transaction and a key shred
just before it shreds, so a hold added while the sweep runs is honoured: a
held subject is skipped, and the run log says which hold. Every step is
idempotent (an erased person's erasure returns the first receipt, a
shredded key stays shredded), so a run killed at any point and run again
converges with nothing done twice. One erasing sweep runs at a time: the
``SweepLock`` row names it, and a second refuses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from rekisteri.access.choices import Action
from rekisteri.access.enforce import authorize_write
from rekisteri.audit.services import audit_record, audit_record_many
from rekisteri.core import gcpause, holds, keyring
from rekisteri.core.bulkload import sqlite_bulk_settings
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, ServiceError
from rekisteri.core.idlist import among
from rekisteri.core.rowconvert import values_rows
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.retention import cases, conf, rules, services, signals, sole_trader
from rekisteri.retention.choices import EntryKind, Rule, RunStatus
from rekisteri.retention.models import DueDate, SweepEntry, SweepLock, SweepRun
from rekisteri.rights import erasure
from rekisteri.rights.models import ErasureReceipt

# Rows per batch of an erasing sweep: a heartbeat, a settled batch and one
# erasure transaction each. PostgreSQL locks only the batch's rows, and
# each of the batch's ninety-odd statements costs a round trip however
# many persons it serves: at 2,000 the sweep erased 1,964-2,040 subjects/s
# where batches of 500 erased 1,389-1,415, and batches of 4,000 no more
# than 2,000 did. On SQLite the transaction holds the database's one write
# lock (transaction_mode IMMEDIATE, settings.py), and its commit writes
# every page the batch dirtied, most of the blind index's at 100,000
# persons whatever the batch's size: larger batches write less per subject
# (46 kB at 1,000, 32 kB at 2,000, 24 kB at 4,000) but hold the lock
# longer, and how much longer grows with the register. So on SQLite a
# batch is sized by time (:class:`Sizer`), counting what costs the time,
# the persons it erases: it starts at BATCH of them and then takes as many
# as the last batch's rate erased in REKISTERI_RETENTION_SWEEP_BATCH_SECONDS,
# at most twice the last and within BATCH_MIN..BATCH_MAX, among at most
# BATCH_MAX rows (docs/retention.md, Performance).
BATCH = 1000
BATCH_MIN = 100
BATCH_MAX = 4000
BATCH_POSTGRESQL = 2000
DRY_BATCH = 2000  # a dry run writes nothing: larger batches, fewer queries
ERASING = (Rule.RELATIONSHIP, Rule.MARKETING)  # a person's rules that erase
ACTIONABLE = {
    ("person", Rule.RELATIONSHIP),
    ("person", Rule.MARKETING),
    ("person", Rule.BOOKKEEPING_VOUCHER),
    ("organization", Rule.RELATIONSHIP),
}

# Outcomes counted per rule in the run log.
ERASED = "erased"
SHREDDED = "shredded"
PSEUDONYMISED = "pseudonymised"  # a sole trader's company data (key gone already)
WOULD = "would_act"
ALREADY = "already_done"
NOT_DUE = "no_longer_due"
SKIPPED = "skipped"
ERRORS = "errors"


class SweepRefused(Exception):
    """The sweep cannot start (another runs, a bad date); the message says why."""


def erasing_batch() -> int:
    """Subjects per batch of an erasing sweep on this database (BATCH)."""
    return BATCH_POSTGRESQL if connection.vendor == "postgresql" else BATCH


def next_batch(size: int, took: float, seconds: float) -> int:
    """The next batch's erasures on SQLite after ``size`` of them took
    ``took`` seconds, for a batch that aims at ``seconds``: what the last
    batch's rate erases in that time, at most twice the last batch (one
    fast batch says little) and within BATCH_MIN..BATCH_MAX."""
    wanted = size * 2 if took <= 0 else int(size * seconds / took)
    return max(BATCH_MIN, min(wanted, size * 2, BATCH_MAX))


def _erases(row: tuple) -> bool:
    """Whether a due row (pk, person, organization, rule) asks for a
    person's erasure, the work a batch's time is counted in."""
    return bool(row[1]) and row[3] in ERASING


@dataclass
class Sizer:
    """How many due rows the sweep's next batch takes.

    A dry run writes nothing: DRY_BATCH rows. A size the caller gives is
    kept. Otherwise an erasing sweep's batch is ``erasing_batch()`` rows; on
    SQLite, where the batch's transaction holds the database's one write
    lock, the batch is instead cut after ``size`` rows that erase a person
    (at most BATCH_MAX rows in all: key shreds and rows no longer due cost
    little), and ``size`` follows :func:`next_batch`, so the lock is held
    for about ``conf.batch_seconds()`` whatever the register's size and
    whatever mix of rows comes next."""

    size: int
    seconds: float | None = None  # None: a fixed number of rows

    @classmethod
    def for_run(cls, *, dry_run: bool, batch_size: int | None) -> Sizer:
        if batch_size is not None:
            return cls(batch_size)
        if dry_run:
            return cls(DRY_BATCH)
        if connection.vendor != "sqlite":
            return cls(erasing_batch())
        return cls(erasing_batch(), conf.batch_seconds())

    @property
    def rows(self) -> int:
        """How many due rows to read for the next batch."""
        return self.size if self.seconds is None else BATCH_MAX

    def cut(self, rows: list[tuple]) -> list[tuple]:
        """The next batch: ``rows``, or on SQLite their first rows up to the
        ``size``-th that erases a person."""
        if self.seconds is None:
            return rows
        erasing = 0
        for i, row in enumerate(rows):
            erasing += _erases(row)
            if erasing == self.size:
                return rows[: i + 1]
        return rows

    def took(self, batch: list[tuple], seconds: float) -> None:
        """The last batch took ``seconds`` to act on."""
        if self.seconds is None:
            return
        erasing = sum(_erases(row) for row in batch)
        if erasing >= self.size:
            self.size = next_batch(erasing, seconds, self.seconds)
        elif erasing >= BATCH_MIN:
            # Cut short by its rows (the others cost little, so the time is
            # counted against its erasures): smaller if it was slow, never
            # larger on that evidence.
            self.size = min(self.size, next_batch(erasing, seconds, self.seconds))
        # Fewer still (the sweep's last rows, a stretch of shreds): they say
        # nothing of what an erasure costs.


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
    stale = dt.timedelta(minutes=conf.value("REKISTERI_RETENTION_LOCK_STALE_MINUTES"))
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
    # What the batch needs, read in bulk once per batch (_refresh):
    # (kind, subject id, rule) still due after the batch was recomputed
    due: set = field(default_factory=set)
    persons: dict = field(default_factory=dict)  # the batch's Person rows
    erased: set = field(default_factory=set)  # shredded CRM keys
    receipts: set = field(default_factory=set)  # persons with a receipt
    books_gone: set = field(default_factory=set)  # shredded bookkeeping keys
    orgs: set = field(default_factory=set)  # the batch's organizations
    orgs_gone: set = field(default_factory=set)  # their shredded CRM keys
    sole_traders: set = field(default_factory=set)  # sole traders among them
    held: dict = field(default_factory=dict)  # (kind, id) → [Hold]
    restricted: dict = field(default_factory=dict)  # person id → Conflict
    # person id → receipt, or the refusal or error of their batch erasure
    erasures: dict = field(default_factory=dict)
    # (kind, id, key class) → SHREDDED, or the holds found just before
    shreds: dict = field(default_factory=dict)
    # sole trader id → whether the batch pseudonymised its company data now
    pseudonymised: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)  # SweepEntry rows to write


def _restricted(people: list[Any]) -> dict[Any, Conflict]:
    """The persons among ``people`` whose processing a subject refusal (a
    restriction, Art. 18) keeps: asked of the one enforcement point for the
    whole batch, and halved only where it refuses (few are restricted)."""
    if not people:
        return {}
    try:
        authorize_write(
            actor=None,
            person_ids=people,
            action=Action.ERASE,
            operation="retention.erase",
        )
    except Conflict as exc:
        if len(people) == 1:
            return {people[0]: exc}
        half = len(people) // 2
        return {**_restricted(people[:half]), **_restricted(people[half:])}
    return {}


ORG_CHUNK = 200  # organizations whose people's holds are read at once


def batch_holds(persons: list[Any], orgs: list[Any]) -> dict[tuple, list]:
    """Holds on each subject now, for a batch, with a fixed number of
    queries per chunk: a person's own, and for an organization those of
    every person with a role there (their invoices, their open matters).
    Organizations are read ORG_CHUNK at a time, so memory is bounded by the
    chunk and not by how many people the batch's organizations have."""
    out: dict[tuple, list] = {}
    if persons:
        for pid, held in holds.holds_for_persons(persons).items():
            out[("person", pid)] = held
    for i in range(0, len(orgs), ORG_CHUNK):
        members: dict[Any, list[Any]] = {}
        for oid, pid in (
            Role.objects.filter(organization_id__in=orgs[i : i + ORG_CHUNK])
            .order_by()
            .values_list("organization_id", "person_id")
            .distinct()
        ):
            members.setdefault(oid, []).append(pid)
        everyone = list(dict.fromkeys(p for m in members.values() for p in m))
        by_person = holds.holds_for_persons(everyone) if everyone else {}
        for oid, people in members.items():
            found: list[holds.Hold] = []
            for pid in people:
                for h in by_person.get(pid, ()):
                    if h not in found:
                        found.append(h)
            if found:
                out[("organization", oid)] = found
    return out


def subject_holds(kind: str, subject_id: Any) -> list[holds.Hold]:
    """Holds on one subject now (see :func:`batch_holds`)."""
    persons = [subject_id] if kind == "person" else []
    orgs = [subject_id] if kind == "organization" else []
    return batch_holds(persons, orgs).get((kind, subject_id), [])


def _refresh(ctx: Ctx, batch: list[tuple]) -> None:
    """Read in bulk what acting on the batch needs: which rules are still
    due, the subjects' holds, restrictions, receipts and shredded keys.

    An erasing sweep first recomputes the batch's subjects (set-based, a
    fixed number of queries): a change since the last recompute (a new
    contract or role) takes a subject out. A dry run, which changes nothing,
    reads the stored dates as the forecast does: the events that move a date
    recompute it when they commit (docs/retention.md)."""

    people = list(dict.fromkeys(p for _pk, p, _o, _r in batch if p))
    orgs = list(dict.fromkeys(o for _pk, p, o, _r in batch if not p))
    if ctx.dry_run:
        ctx.due = {
            ("person" if p else "organization", p or o, rule)
            for _pk, p, o, rule in batch
        }
        # A due row goes with its subject (CASCADE): its person exists.
        ctx.persons = dict.fromkeys(people)
    else:
        services.recompute_persons(people)
        services.recompute_organizations(orgs)
        rows = DueDate.objects.filter(kept_until__lt=ctx.as_of).filter(
            among("person_id", people) | among("organization_id", orgs)
        )
        ctx.due = {
            ("person" if p else "organization", p or o, rule)
            for p, o, rule in rows.values_list("person_id", "organization_id", "rule")
        }
        # Only the ids: the erasure locks and reads the rows it erases
        # again, in its own transaction (rights.erasure).
        ctx.persons = {
            p.pk: p
            for p in Person.objects.only("pk").order_by().filter(among("pk", people))
        }
    by_rule: dict[str, list] = {}
    for _pk, p, _o, rule in batch:
        if p:
            by_rule.setdefault(rule, []).append(p)
    vouchers = by_rule.get(Rule.BOOKKEEPING_VOUCHER, [])
    erasable = list(
        dict.fromkeys(
            p
            for rule, ps in by_rule.items()
            if rule != Rule.BOOKKEEPING_VOUCHER
            for p in ps
        )
    )
    ctx.erased = rules.destroyed(erasable, KeyClass.CRM) if erasable else set()
    ctx.books_gone = (
        rules.destroyed(vouchers, KeyClass.BOOKKEEPING) if vouchers else set()
    )
    ctx.receipts = (
        set(
            ErasureReceipt.objects.filter(among("subject_id", ctx.erased)).values_list(
                "subject_id", flat=True
            )
        )
        if ctx.erased
        else set()
    )
    if ctx.dry_run:
        ctx.orgs, ctx.sole_traders = set(orgs), set()
    else:
        # The batch's organizations still there, and which are sole
        # traders, in one read.
        found = dict(
            Organization.objects.filter(among("pk", orgs)).values_list(
                "pk", "sole_trader"
            )
            if orgs
            else ()
        )
        ctx.orgs = set(found)
        ctx.sole_traders = {pk for pk, sole in found.items() if sole}
    ctx.orgs_gone = rules.destroyed(orgs, KeyClass.CRM) if orgs else set()
    ctx.held = batch_holds(list(ctx.persons), list(ctx.orgs))
    ctx.restricted = _restricted(list(ctx.persons))


def _still_due(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> bool:
    return (kind, subject_id, rule) in ctx.due


def _to_act_on(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> bool:
    """Whether the batch's reads leave ``subject_id`` to be acted on under
    ``rule``: still due, not held, still there and, for a person, not
    restricted. :func:`_act_once` answers the others without a write; the
    batch's erasures and shreds leave them out on the same terms."""
    if not _still_due(ctx, kind, subject_id, rule) or ctx.held.get((kind, subject_id)):
        return False
    if kind == "person":
        return subject_id in ctx.persons and subject_id not in ctx.restricted
    return subject_id in ctx.orgs


def _entry(
    ctx: Ctx, entry_kind: str, kind: str, subject_id, rule, codes, message
) -> None:  # type: ignore[no-untyped-def]
    ctx.entries.append(
        SweepEntry(
            run=ctx.run,
            kind=entry_kind,
            rule=rule,
            subject_type=kind,
            subject_id=subject_id,
            codes=list(codes),
            message=message[:500],
        )
    )


def _skip(ctx: Ctx, kind: str, subject_id: Any, rule: str, codes, message) -> str:  # type: ignore[no-untyped-def]
    _entry(ctx, EntryKind.SKIPPED, kind, subject_id, rule, codes, message)
    return SKIPPED


def _skip_held(ctx: Ctx, kind: str, subject_id: Any, rule: str, held) -> str:  # type: ignore[no-untyped-def]
    codes = [h.code for h in held]
    return _skip(ctx, kind, subject_id, rule, codes, "; ".join(h.message for h in held))


def _erase_batch(ctx: Ctx, batch: list[tuple]) -> None:
    """Erase the batch's due persons together through the rights engine's
    batch erasure (``rights.erasure.erasure_execute_many``: one transaction,
    a fixed number of queries), before the batch's rows are counted. Who is
    held, restricted, erased already or no longer due is left out here, as
    :func:`_act_once` would; what the erasure itself refuses (a hold or a
    restriction added since the batch was read) comes back per person."""

    ctx.erasures = {}
    if ctx.dry_run:
        return
    wanted: dict[str, list[Any]] = {}  # rule → persons (the reason names it)
    for _pk, pid, _o, rule in batch:
        if not pid or rule not in ERASING or pid in ctx.erasures:
            continue
        if not _to_act_on(ctx, "person", pid, rule) or (
            pid in ctx.erased and pid in ctx.receipts
        ):
            continue
        ctx.erasures[pid] = None
        wanted.setdefault(rule, []).append(ctx.persons[pid])
    groups = list(wanted.items())
    while groups:
        rule, group = groups.pop(0)
        try:
            done = erasure.erasure_execute_many(
                actor=None,
                persons=group,
                reason=f"retention sweep: {rule}",
                case_ref=f"RETENTION-{ctx.run.pk}",
            )
        except Exception as exc:  # noqa: BLE001 - isolate the person it concerns
            if len(group) == 1:
                ctx.erasures[group[0].pk] = exc
            else:
                half = len(group) // 2
                groups[:0] = [(rule, group[:half]), (rule, group[half:])]
            continue
        for p in group:
            if p.pk in done.skipped:
                ctx.erasures[p.pk] = done.skipped[p.pk]
            else:
                ctx.erasures[p.pk] = done.receipts[p.pk]


def _erase_person(ctx: Ctx, subject_id: Any, rule: str) -> str:
    if subject_id in ctx.erased and subject_id in ctx.receipts:
        return ALREADY
    if ctx.dry_run:
        return WOULD
    if subject_id not in ctx.erasures:
        return ALREADY  # erased under another of its rules in this batch
    outcome = ctx.erasures.pop(subject_id)
    if outcome is None:
        return ALREADY
    if isinstance(outcome, Exception):
        raise outcome
    # Counted once: the person's other due rule in the batch finds it done.
    return ALREADY if outcome["already_erased"] else ERASED


# The key each shredding rule destroys, by subject kind.
SHREDDING = {
    ("person", Rule.BOOKKEEPING_VOUCHER): KeyClass.BOOKKEEPING,
    ("organization", Rule.RELATIONSHIP): KeyClass.CRM,
}


def _shred_batch(ctx: Ctx, batch: list[tuple]) -> None:
    """Shred the batch's due keys together, before its rows are counted:
    per key class and rule, the holds asked again now for all of them
    (one added since the batch was read is honoured, as :func:`_shred`
    honours it), then ``keyring.shred_many`` (one key-store transaction and
    checkpoint, where one key at a time made one each) and the events with
    one append. Who :func:`_act_once` would not shred is left out; what the
    batch form fails on is left to :func:`_shred`, one subject at a time."""
    ctx.shreds = {}
    ctx.pseudonymised = {}
    if ctx.dry_run:
        return
    wanted: dict[tuple[str, str, str], list[Any]] = {}
    for _pk, pid, oid, rule in batch:
        kind = "person" if pid else "organization"
        subject = pid or oid
        key_class = SHREDDING.get((kind, rule))
        if key_class is None or (kind, subject, key_class) in ctx.shreds:
            continue
        if subject in _gone(ctx, key_class) or not _to_act_on(ctx, kind, subject, rule):
            continue
        ctx.shreds[(kind, subject, key_class)] = None
        wanted.setdefault((kind, key_class, rule), []).append(subject)
    for (kind, key_class, rule), subjects in wanted.items():
        try:
            held = batch_holds(
                subjects if kind == "person" else [],
                subjects if kind == "organization" else [],
            )
            free = [s for s in subjects if not held.get((kind, s))]
            _shred_keys(ctx, kind, key_class, rule, free)
        except Exception:  # noqa: BLE001 - one at a time below, each isolated
            for s in subjects:
                ctx.shreds.pop((kind, s, key_class), None)
            continue
        for s in subjects:
            ctx.shreds[(kind, s, key_class)] = held.get((kind, s)) or SHREDDED
        traders = [s for s in free if kind == "organization" and s in ctx.sole_traders]
        if traders:
            # Their company data in the clear, now that the key is gone
            # (retention/sole_trader.py); should the batch form fail, each
            # is pseudonymised on its own when its row is counted.
            with contextlib.suppress(Exception):
                done = sole_trader.pseudonymise_many(
                    traders, rule=rule, run_id=ctx.run.pk
                )
                ctx.pseudonymised.update((s, s in done) for s in traders)


def _gone(ctx: Ctx, key_class: str) -> set:
    """The batch's subjects whose ``key_class`` key was shredded already."""
    return ctx.books_gone if key_class == KeyClass.BOOKKEEPING else ctx.orgs_gone


def _shred_keys(
    ctx: Ctx, kind: str, key_class: str, rule: str, subjects: list[Any]
) -> None:
    """Shred ``subjects``' keys of ``key_class`` (ledger entries) and record
    each one's ``retention.shred``, with one append."""
    keyring.shred_many(subjects, key_class, reason=f"retention: {rule}")
    audit_record_many(
        actor=None,
        action="retention.shred",
        target_type=kind,
        records=[
            (
                s,
                s if kind == "person" else None,
                (),
                (),
                {"key_class": key_class, "rule": rule, "run": ctx.run.pk},
            )
            for s in subjects
        ],
        purpose="retention",
    )


def _shred(ctx: Ctx, kind: str, subject_id: Any, key_class: str, rule: str) -> str:
    if subject_id in _gone(ctx, key_class):
        return ALREADY
    if ctx.dry_run:
        return WOULD
    done = ctx.shreds.pop((kind, subject_id, key_class), None)
    if done == SHREDDED:
        return SHREDDED
    if done:  # held when the batch asked again
        return _skip_held(ctx, kind, subject_id, rule, done)
    # Not shredded with the batch (its batch form failed): a write of its
    # own. The holds are asked again now, so one added since the batch was
    # read is honoured.
    held = subject_holds(kind, subject_id)
    if held:
        return _skip_held(ctx, kind, subject_id, rule, held)
    _shred_keys(ctx, kind, key_class, rule, [subject_id])
    return SHREDDED


def _act(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> str:
    outcome = _act_once(ctx, kind, subject_id, rule)
    if outcome in (ERASED, SHREDDED, ALREADY, PSEUDONYMISED):
        # Settled when the batch ends (one set-based recompute of the
        # batch): what was done is not due any more.
        if kind == "person":
            signals.mark(person_ids=[subject_id])
        else:
            signals.mark(organization_ids=[subject_id])
    return outcome


def _act_once(ctx: Ctx, kind: str, subject_id: Any, rule: str) -> str:
    if not _still_due(ctx, kind, subject_id, rule):
        return NOT_DUE
    held = ctx.held.get((kind, subject_id))
    if held:
        return _skip_held(ctx, kind, subject_id, rule, held)
    if kind == "person":
        if subject_id not in ctx.persons:
            return NOT_DUE
        refused = ctx.restricted.get(subject_id)
        if refused is not None:
            # A restriction of processing (Art. 18) keeps the data stored.
            return _skip(ctx, kind, subject_id, rule, [refused.code], str(refused))
        if rule == Rule.BOOKKEEPING_VOUCHER:
            return _shred(ctx, kind, subject_id, KeyClass.BOOKKEEPING, rule)
        try:
            return _erase_person(ctx, subject_id, rule)
        except Conflict as exc:  # a hold or restriction appeared since
            if exc.code == "legal_hold":
                held = holds.holds_for_person(subject_id)
                if held:
                    return _skip_held(ctx, kind, subject_id, rule, held)
            return _skip(ctx, kind, subject_id, rule, [exc.code], str(exc))
    if subject_id not in ctx.orgs:
        return NOT_DUE
    outcome = _shred(ctx, kind, subject_id, KeyClass.CRM, rule)
    if outcome in (SHREDDED, ALREADY) and subject_id in ctx.sole_traders:
        # The company data of a sole trader is stored in the clear: the key
        # shred does not reach it (retention/sole_trader.py).
        done = ctx.pseudonymised.pop(subject_id, None)
        if done is None:
            done = sole_trader.pseudonymise(subject_id, rule=rule, run_id=ctx.run.pk)
        if done and outcome == ALREADY:
            outcome = PSEUDONYMISED
    return outcome


def _settle(ctx: Ctx) -> None:
    """End of a batch: the run log's entries in one insert."""
    if ctx.entries:
        SweepEntry.objects.bulk_create(ctx.entries)
        ctx.entries = []


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def _act_batch(
    ctx: Ctx,
    batch: list[tuple],
    counts: dict[str, dict[str, int]],
    on_subject: Callable[[int], None] | None,
) -> None:
    """Act on a batch's rows in order."""
    run = ctx.run
    # The subjects acted on (and those their erasures' signals mark) are
    # recomputed together when the batch ends.
    with signals.deferred():
        _erase_batch(ctx, batch)
        _shred_batch(ctx, batch)
        for _pk, person_id, org_id, rule in batch:
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
        _settle(ctx)


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
    batch_size: int | None = None,
    progress: Callable[[SweepRun], None] | None = None,
    on_subject: Callable[[int], None] | None = None,
) -> SweepRun:
    """Run one sweep and return its log row (see the module docstring).

    Raises :class:`SweepRefused` before doing anything on a bad ``as_of``
    or while another erasing sweep runs.
    """
    day = check_as_of(as_of, dry_run=dry_run)
    sizer = Sizer.for_run(dry_run=dry_run, batch_size=batch_size)
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
    run.total = due_count(day) + cases.due_cases(day).count()
    run.save(update_fields=["total"])
    last = 0
    # An erasing sweep is a bulk write: on SQLite the connection gets the
    # page cache and the rarer checkpoints of the other bulk loads for the
    # run (core/bulkload.py), and its own settings back after it; what each
    # batch commits is copied back into the database file while the next
    # one is worked out (core/bulkload.py, LogCopier).
    bulk = contextlib.nullcontext() if dry_run else sqlite_bulk_settings(copy_log=True)
    try:
        with bulk:
            while True:
                batch = sizer.cut(
                    values_rows(
                        _due_rows(day)
                        .filter(pk__gt=last)
                        .order_by("pk")
                        .values_list("pk", "person_id", "organization_id", "rule")[
                            : sizer.rows
                        ]
                    )
                )
                if not batch:
                    break
                # A batch's objects are acyclic and freed by reference
                # counting: the cyclic collector waits for the batch's end
                # (core/gcpause.py).
                with gcpause.paused():
                    _refresh(ctx, batch)
                    started = time.perf_counter()
                    _act_batch(ctx, batch, counts, on_subject)
                    sizer.took(batch, time.perf_counter() - started)
                last = batch[-1][0]
                run.counts = counts
                run.heartbeat_at = timezone.now()
                run.save(update_fields=["counts", "processed", "heartbeat_at"])
                if progress is not None:
                    progress(run)
            # Closed rights-request cases past ``privacy_case`` (retention/cases.py).
            cases.sweep(
                run,
                day=day,
                dry_run=dry_run,
                counts=counts,
                on_subject=on_subject,
                progress=progress,
            )
    except BaseException as exc:
        with contextlib.suppress(Exception):
            SweepEntry.objects.bulk_create(ctx.entries)
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
    _entry(ctx, EntryKind.ERROR, kind, subject, rule, [code], name)
