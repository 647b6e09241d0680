"""Erasure (Art. 17): the plan and its execution, one path for every caller.

::

    erasure_plan(actor=user, person=person)           -> dict (dry run)
    erasure_execute(actor=user, person=person, reason="...", case_ref="DSR-12")
                                                      -> dict (the receipt)

The request-case actions (``dsr.engine_actions``), the person page, the API
and the retention sweep (``retention.sweep``) all erase through
:func:`erasure_execute`. ``actor=None`` is the system itself (a scheduled
sweep), which the need-to-know matrix does not restrict. Everything is
derived from the catalogue through :mod:`rekisteri.rights.engine` and the
participants apps register (rekisteri.core.participants); nothing here
names a field. Authorization comes first: the rows are located by id only,
the families they hold are checked against the matrix's ``erase`` column,
and only then is a value read or written (docs/rights.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access import families as families_mod
from rekisteri.access.choices import Action
from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record, audit_record_many
from rekisteri.audit.services import batch as audit_batch
from rekisteri.core import (
    compiled,
    decisions,
    gcpause,
    holds,
    idlist,
    keyring,
    participants,
    precommit,
)
from rekisteri.core.catalogue import KeyClass, personal_fields
from rekisteri.core.dbrouter import on_primary
from rekisteri.core.errors import FieldErrors, Forbidden, NotFound, ServiceError
from rekisteri.registry.inserts import insert_rows
from rekisteri.registry.models import Person
from rekisteri.registry.services import persons_shred
from rekisteri.rights import engine, notices
from rekisteri.rights.fates import (
    FATES,
    KEPT,
    delete_rows,
    erase_families,
    erased,
    parts,
    row_counts,
)
from rekisteri.rights.models import ErasureReceipt, NoticeCause
from rekisteri.rights.services import CASE_REF, authorize, receipt_for

PLAN_FORMAT = "rekisteri.erasure-plan"


# Why something is kept, by retention rule: the legal ground an erasure plan
# and a receipt name (Art. 17(3)).
GROUNDS: dict[str, tuple[str, str]] = {
    "bookkeeping_voucher": (
        "accounting_act",
        "Accounting Act (kirjanpitolaki 1336/1997) 2:10, GDPR Art. 17(3)(b): "
        "accounting vouchers are kept 6 years from the end of the calendar "
        "year in which the financial year ended",
    ),
    "bookkeeping_book": (
        "accounting_act",
        "Accounting Act (kirjanpitolaki 1336/1997) 2:10, GDPR Art. 17(3)(b): "
        "books are kept 10 years from the end of the financial year",
    ),
    "privacy_case": (
        "legal_obligation",
        "GDPR Art. 5(2) and 17(3)(b): the record of how the controller met its "
        "duties to the person (requests answered, restrictions and objections "
        "honoured, Art. 14 notices given) is kept until the privacy case's "
        "retention ends",
    ),
    "relationship": (
        "customer_relationship",
        "Data of the customer organization's relationship, erased when its "
        "retention ends (GDPR Art. 17(1)(a) does not reach the organization's "
        "records)",
    ),
}
EXTRA_GROUNDS: dict[str, str] = {
    "customer_relationship_history": (
        "The customer organization's message history, kept for the other "
        "people in it; the person's own participation is removed"
    ),
    "customer_relationship_contract": (
        "The customer organization's contract, kept for its relationship; the "
        "person's party rows are removed"
    ),
}


# --------------------------------------------------------------------------
# Erasure plan (dry run)
# --------------------------------------------------------------------------


def ground_of(code: str) -> dict[str, str] | None:
    if not code:
        return None
    if code in GROUNDS:
        ground_code, label = GROUNDS[code]
        return {"code": ground_code, "label": label}
    if code in EXTRA_GROUNDS:
        return {"code": code, "label": EXTRA_GROUNDS[code]}
    return {"code": code, "label": code}


def plan_items(scope: engine.Scope) -> list[dict[str, Any]]:
    """The plan's items of one person (:func:`plan_items_many` of one)."""
    return plan_items_many({scope.person.pk: scope})[scope.person.pk]


def _untils(
    scopes: dict[Any, engine.Scope], memo: dict[Any, Any]
) -> dict[tuple[str, Any], Any]:
    """(model label, row pk) → kept-until date of every located row with a
    kept field, asked of the participants once per kind of row."""
    wanted: dict[str, dict[Any, Any]] = {}
    for scope in scopes.values():
        for located in scope.rows:
            if any(part.fate == KEPT for part in parts(located, memo)):
                wanted.setdefault(located.label, {})[located.row.pk] = located.row
    out: dict[tuple[str, Any], Any] = {}
    for label, rows in wanted.items():
        for pk, day in participants.until_many(label, list(rows.values())).items():
            out[(label, pk)] = day
    return out


def plan_items_many(
    scopes: dict[Any, engine.Scope],
    memo: dict[Any, Any] | None = None,
    *,
    kept_only: bool = False,
) -> dict[Any, list[dict[str, Any]]]:
    """Person id → the plan's items (what erasure does to each kind of row,
    and for what is kept its ground and date), for many persons with a
    fixed number of queries: the participants answer through their batch
    forms (``participants.run_plan_many``, ``participants.until_many``).
    ``kept_only``: only the items kept, all a receipt names (the erasure
    counts what it erases itself). ``memo``: the caller's, see
    ``fates.parts``."""
    memo = {} if memo is None else memo
    untils = _untils(scopes, memo)
    planned = participants.run_plan_many(
        [s.person for s in scopes.values()],
        {pid: set(s.participant_fields) for pid, s in scopes.items()},
    )
    return {
        pid: _items(
            scope,
            untils,
            [pi for _n, pi in planned.get(pid, ()) if not kept_only or pi.fate == KEPT],
            memo,
            kept_only=kept_only,
        )
        for pid, scope in scopes.items()
    }


def _items(
    scope: engine.Scope,
    untils: dict[tuple[str, Any], Any],
    planned: list[participants.PlanItem],
    memo: dict[Any, Any],
    *,
    kept_only: bool = False,
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for located in scope.rows:
        until = untils.get((located.label, located.row.pk))
        for part in parts(located, memo):
            if kept_only and part.fate != KEPT:
                continue
            key = (located.label, part.fate, part.rule)
            g = groups.get(key)
            if g is None:
                g = groups[key] = {
                    "model": located.label,
                    "title": str(located.model._meta.verbose_name),
                    "rows": set(),
                    "fate": part.fate,
                    "fields": set(),
                    "families": set(),
                    "ground": ground_of(part.rule) if part.fate == KEPT else None,
                    "retention": part.rule or None,
                    "until": None,
                    "note": "",
                }
            g["rows"].add(located.row.pk)
            g["fields"].update(part.fields)
            g["families"].update(part.families)
            if (
                part.fate == KEPT
                and until
                and (g["until"] is None or until > g["until"])
            ):
                g["until"] = until
    items = []
    for g in groups.values():
        items.append(
            {
                **g,
                "rows": None,
                "count": len(g["rows"]),
                "fields": sorted(g["fields"]),
                "families": sorted(g["families"]),
                "until": g["until"].isoformat() if g["until"] else None,
            }
        )
    for pi in planned:
        model = apps.get_model(pi.model)
        fam = {
            families_mod.family_of(e.classification)  # type: ignore[arg-type]
            for e in personal_fields(model)
            if e.field_name in pi.fields
        }
        items.append(
            {
                "model": pi.model,
                "title": str(model._meta.verbose_name),
                "count": pi.count,
                "fate": pi.fate,
                "fields": list(pi.fields),
                "families": sorted(fam),
                "ground": ground_of(pi.ground),
                "retention": pi.retention or None,
                "until": pi.until.isoformat() if pi.until else None,
                "note": pi.note,
            }
        )
    for item in items:
        item.pop("rows", None)
    order = {f: i for i, f in enumerate(FATES)}
    items.sort(key=lambda i: (order[i["fate"]], i["model"]))
    return items


def plan_dict(person: Person, items: list[dict[str, Any]]) -> dict[str, Any]:
    held = holds.holds_for_person(person.pk)
    receipt = receipt_for(person)
    return {
        "format": PLAN_FORMAT,
        "person": str(person.pk),
        "generated_at": timezone.now().isoformat(),
        "already_erased": receipt is not None,
        "holds": [{"code": h.code, "message": h.message} for h in held],
        "executable": not held and receipt is None,
        "items": items,
        "summary": {
            fate: sum(i["count"] for i in items if i["fate"] == fate) for fate in FATES
        },
    }


@not_a_write_service(
    "a dry run: reads what erasure would do, after the matrix's erase column "
    "allowed it, and changes nothing"
)
@on_primary
def erasure_plan(*, actor: Any, person: Person) -> dict[str, Any]:
    """What erasing ``person`` would do, item by item; nothing changes.

    Each item: the kind of row, how many, its fate (shredded, deleted,
    anonymised, kept) and, for what is kept, the legal ground and the date
    until which it is kept where it can be computed. Legal holds are listed;
    while one exists the plan is not executable.
    """
    # One batch for the participants: what their scope reads serves their
    # plan (participants.memo).
    with participants.batch_scope():
        # The plan counts rows and reads none of their values.
        scope = engine.locate(person, values=False)
        # Matrix first: the erase column for what an execution would erase,
        # before a participant reads the person's addresses to plan.
        authorize(actor, person, Action.ERASE, erase_families(scope))
        items = plan_items(scope)
    plan = plan_dict(person, items)
    audit_record(
        actor=actor,
        action="rights.erasure_plan",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        purpose="customer_relationship",
        details={
            "summary": plan["summary"],
            "holds": [h["code"] for h in plan["holds"]],
        },
    )
    return plan


# --------------------------------------------------------------------------
# Erasure (Art. 17)
# --------------------------------------------------------------------------


def _refused_event(actor: Any, person_id: Any, held: list[holds.Hold]) -> None:
    """Record a refusal for holds (outside the erasure's transaction, so the
    record survives it)."""
    audit_record(
        actor=actor,
        action="rights.erase",
        outcome=Outcome.DENIED,
        target_type="person",
        target_id=person_id,
        subject_id=person_id,
        purpose="customer_relationship",
        details={"holds": [h.code for h in held]},
    )


def _validate(reason: str, case_ref: str | None) -> tuple[str, str]:
    errors = FieldErrors()
    reason = (reason or "").strip()
    case_ref = (case_ref or "").strip()
    if not reason:
        errors.add("reason", "required", _("Give the reason for the erasure."))
    elif len(reason) > 200:
        errors.add("reason", "too_long", _("At most 200 characters."))
    if case_ref and not CASE_REF.match(case_ref):
        errors.add(
            "case_ref",
            "invalid",
            _(
                "A request or case reference: letters, digits and . _ / - only, "
                "at most 64 characters."
            ),
        )
    errors.raise_if_any()
    return reason, case_ref


def receipt_dict(receipt: ErasureReceipt, *, already: bool = False) -> dict[str, Any]:
    """The receipt as the person may be given it: no personal data."""
    return {
        "receipt": str(receipt.pk),
        "case_ref": receipt.case_ref or None,
        "executed_at": receipt.executed_at.isoformat(),
        "already_erased": already,
        "message": (
            _("Already erased on %(day)s; nothing was changed.")
            % {"day": timezone.localtime(receipt.executed_at).date().isoformat()}
            if already
            else _("Erased.")
        ),
        "counts": receipt.counts,
        "kept": receipt.kept,
    }


@dataclass
class ErasureBatch:
    """What :func:`erasure_execute_many` did, per person id.

    ``receipts``: the receipt of each person erased now or before (then
    ``already_erased`` is true). ``skipped``: the refusal that kept each
    other person (a :class:`Conflict`: ``legal_hold`` naming every hold,
    with the holds in ``holds``; ``restricted``, a restriction of
    processing), nothing of theirs written.
    """

    receipts: dict[Any, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[Any, ServiceError] = field(default_factory=dict)
    holds: dict[Any, list[holds.Hold]] = field(default_factory=dict)


PROBE_MAX = 10  # persons whose rows are located after one probe query


def _receipts(ids: list[Any]) -> dict[Any, ErasureReceipt]:
    """Person id → their first erasure receipt, for those of ``ids`` erased."""
    existing: dict[Any, ErasureReceipt] = {}
    for chunk in idlist.chunks(ids):
        # Compiled once per process (core/compiled.py): every erasure asks.
        for r in compiled.among_instances(
            "rights.erasure.receipts",
            lambda keys: ErasureReceipt.objects.filter(
                idlist.among("subject_id", keys)
            ).order_by("executed_at"),
            chunk,
            model=ErasureReceipt,
        ):
            existing.setdefault(r.subject_id, r)
    return existing


def _already(
    actor: Any, existing: dict[Any, ErasureReceipt], result: ErasureBatch
) -> None:
    """Answer each person erased before with their first receipt, and
    record the no-op."""
    for pid, receipt in existing.items():
        if pid in result.receipts:
            continue
        audit_record(
            actor=actor,
            action="rights.erase",
            target_type="person",
            target_id=pid,
            subject_id=pid,
            purpose="customer_relationship",
            details={"noop": True, "receipt": str(receipt.pk)},
        )
        result.receipts[pid] = receipt_dict(receipt, already=True)


def _subject_refusals(actor: Any, ids: list[Any]) -> dict[Any, ServiceError]:
    """The persons among ``ids`` a subject refusal of the one enforcement
    point keeps (a restriction of processing, Art. 18: lift it first): asked
    for all of them at once, and halved only where it refuses."""
    if not ids:
        return {}
    try:
        authorize_write(
            actor=None,
            person_ids=ids,
            action=Action.ERASE,
            operation="rights.erase",
        )
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        if len(ids) == 1:
            return {ids[0]: exc}
        half = len(ids) // 2
        return {
            **_subject_refusals(actor, ids[:half]),
            **_subject_refusals(actor, ids[half:]),
        }
    return {}


@write_service(subject=PERSON)
@on_primary
def erasure_execute_many(
    *,
    actor: Any,
    persons: list[Person],
    reason: str,
    case_ref: str | None = None,
) -> ErasureBatch:
    """Erase many persons at once; the one path of every erasure
    (:func:`erasure_execute` is its batch of one), docs/rights.md.

    Asked before anything is read or written, for the whole batch: the
    matrix's erase column for what each person's erasure would erase (a
    staff actor; refused as a whole with :class:`Forbidden`). Then, in one
    transaction whose audit events are appended together (``audit.batch``):
    the persons' rows locked; their receipts read (a person erased before
    is a no-op); the subject refusals of the one enforcement point (a
    restricted person is skipped) and their legal holds (a held person is
    skipped, the refusal recorded naming every hold), both asked before
    anything is written and remembered for the write services below that
    ask again in the same transaction (``core.decisions``); their rows located
    (``engine.locate_many``), the rows declared ``delete`` deleted with one
    statement per kind of row, every participant's batch erasure run, the
    keys shredded in bulk (``registry.services.persons_shred``: ledger
    entries), the receipts written with one insert. A person erased before
    gets the first receipt back with ``already_erased``.
    """
    reason, case_ref = _validate(reason, case_ref)
    persons = list({p.pk: p for p in persons}.values())
    result = ErasureBatch()
    todo = persons
    if actor is not None:
        # A staff member's erasure: a person erased before is answered (a
        # no-op that says so) without the matrix; for the others the
        # matrix before anything is read or written, the refusal recorded
        # outside the transaction so the record survives it. (The system,
        # actor None, is not restricted by the matrix: nothing to ask, and
        # the receipts are read once, under the lock.)
        with audit_batch():
            _already(actor, _receipts([p.pk for p in persons]), result)
        todo = [p for p in persons if p.pk not in result.receipts]
        if not todo:
            return result
        # Families from ids alone: no value is read for the matrix.
        scopes = engine.locate_many(todo, values=False, probe=len(todo) <= PROBE_MAX)
        for p in todo:
            authorize(actor, p, Action.ERASE, erase_families(scopes[p.pk]))
    # Tens of thousands of acyclic objects a batch (rows, keys, events):
    # built and freed with the cyclic collector paused (core/gcpause.py),
    # which runs again once the batch is written.
    with gcpause.paused(), audit_batch():
        _execute_many(actor, todo, reason, case_ref, result)
    if result.holds:
        with audit_batch():
            for pid, held in result.holds.items():
                _refused_event(actor, pid, held)
    return result


@write_service(subject=PERSON)
@on_primary
def erasure_execute(
    *, actor: Any, person: Person, reason: str, case_ref: str | None = None
) -> dict[str, Any]:
    """Erase ``person`` and return the receipt (see :func:`receipt_dict`):
    :func:`erasure_execute_many` with one person.

    Refused with :class:`Conflict` (``legal_hold``, naming every hold;
    ``restricted``) or :class:`Forbidden` with nothing changed. Erasing an
    erased person is a no-op that says so.
    """
    done = erasure_execute_many(
        actor=actor, persons=[person], reason=reason, case_ref=case_ref
    )
    if person.pk in done.skipped:
        raise done.skipped[person.pk]
    return done.receipts[person.pk]


def _execute_many(
    actor: Any,
    persons: list[Person],
    reason: str,
    case_ref: str,
    result: ErasureBatch,
) -> None:
    """The erasure itself, in the caller's transaction."""
    ids = sorted((p.pk for p in persons), key=str)
    # Serialise with edits and a second erasure of the same persons (in one
    # order, so two batches cannot deadlock), then check what holds now.
    locked: dict[Any, Person] = {}
    for chunk in idlist.chunks(ids):
        locked.update(
            (p.pk, p)
            for p in Person.objects.select_for_update()
            .filter(idlist.among("pk", chunk))
            .order_by("pk")
        )
    for pid in ids:
        if pid not in locked:  # deleted since the batch was read
            result.skipped[pid] = NotFound(code="not_found")
    # The persons are locked: what the checks find now holds until the
    # commit, and the write services below that ask again are answered
    # from it (core.decisions).
    with decisions.scope():
        _check_and_erase(actor, ids, locked, reason, case_ref, result)


def _check_and_erase(
    actor: Any,
    ids: list[Any],
    locked: dict[Any, Person],
    reason: str,
    case_ref: str,
    result: ErasureBatch,
) -> None:
    # A person erased before (or by a racing erasure, now committed behind
    # the lock): the first receipt stands, and nothing is asked or written.
    late = _receipts(list(locked))
    _already(actor, late, result)
    # The subject refusals of the one enforcement point (a restriction),
    # then the legal holds, before anything is written.
    refused = _subject_refusals(
        actor, [pid for pid in ids if pid in locked and pid not in late]
    )
    result.skipped.update(refused)
    held = holds.holds_for_persons(
        [pid for pid in ids if pid in locked and pid not in late and pid not in refused]
    )
    for pid, found in held.items():
        result.holds[pid] = found
        result.skipped[pid] = holds.refusal(found)
    persons = [
        locked[pid]
        for pid in ids
        if pid in locked and pid not in refused and pid not in held and pid not in late
    ]
    if not persons:
        return
    # One key scope for the batch, its keys read with one query per chunk:
    # what the participants read for the plan and for the erasure (the
    # persons' addresses and names) is opened with the same keys.
    with participants.batch_scope(), keyring.ensure_scope():
        keyring.prefetch([p.pk for p in persons], KeyClass.CRM)
        _erase_located(actor, persons, case_ref, reason, result)
    # What other apps derive from the erasure (the due dates) written in its
    # transaction, not in one of their own after it (core/precommit.py);
    # an erasure refused or skipped for every person writes nothing.
    precommit.run()


def _erase_located(
    actor: Any,
    persons: list[Person],
    case_ref: str,
    reason: str,
    result: ErasureBatch,
) -> None:
    # The rows are deleted by id and no value of theirs is read: each is
    # read with only what locates it (engine.locate_many). A few persons
    # (a single erasure) have few kinds of row: one query finds which,
    # and only those are read (the probe).
    scopes = engine.locate_many(persons, values=False, probe=len(persons) <= PROBE_MAX)
    memo: dict[Any, Any] = {}
    found_erased = {pid: erased(scope, memo) for pid, scope in scopes.items()}
    needed = {pid: found[0] for pid, found in found_erased.items()}
    for p in persons:
        authorize(actor, p, Action.ERASE, needed[p.pk])
    # The receipt names what is kept; what is erased it counts below.
    items = plan_items_many(scopes, memo, kept_only=True)
    counts: dict[Any, dict[str, int]] = {}
    doomed: dict[type, list[Any]] = {}
    touched: dict[Any, set[str]] = {}  # person id → categories of their rows
    for pid, scope in scopes.items():
        per = counts.setdefault(pid, {})
        cats = touched.setdefault(pid, set())
        for located in scope.rows:
            deleted, by_family, categories = row_counts(located, memo)
            for fam, n in by_family:
                per[fam] = per.get(fam, 0) + n
            cats |= categories
            if deleted:
                doomed.setdefault(located.model, []).append(located.row.pk)
    delete_rows(doomed)
    # Every participant's erasure while the persons' addresses can still be
    # read, then the keys and blind indexes.
    by_participant = participants.run_erase_many(actor=actor, persons=persons)
    persons_shred(
        actor=actor,
        persons=persons,
        reason=f"erasure: {reason}"[:40],
        run_participants=False,
    )
    receipts = []
    for p in persons:
        kept = [
            {
                "model": i["model"],
                "count": i["count"],
                "ground": (i["ground"] or {}).get("code"),
                "ground_label": (i["ground"] or {}).get("label"),
                "retention": i["retention"],
                "until": i["until"],
            }
            for i in items[p.pk]
            if i["fate"] == KEPT
        ]
        receipts.append(
            ErasureReceipt(
                subject_id=p.pk,
                case_ref=case_ref,
                executed_by=actor,
                counts={
                    "families": dict(sorted(counts[p.pk].items())),
                    "participants": by_participant[p.pk],
                },
                kept=kept,
            )
        )
    # As bulk_create would write them, on PostgreSQL by COPY: its array
    # INSERT of a batch's receipts was the erasure's slowest statement
    # (about 30 ms for 500, their JSON quoted into arrays; COPY 9-14 ms).
    insert_rows(ErasureReceipt, receipts)
    # Art. 19: one notice per outside recipient of an erased category.
    told = notices.open_for_many(
        ((p, found_erased[p.pk][1]) for p in persons),
        cause=NoticeCause.ERASURE,
        case_ref=case_ref,
    )
    # Each person's event, recorded together (what the batch's persons
    # share is read once).
    audit_record_many(
        actor=actor,
        action="rights.erase",
        target_type="person",
        records=(
            (
                p.pk,
                p.pk,
                (),
                sorted(touched[p.pk]),
                {
                    "receipt": str(receipt.pk),
                    "families": sorted(needed[p.pk]),
                    "kept": len(receipt.kept),
                    "recipients": told[p.pk],
                },
            )
            for p, receipt in zip(persons, receipts, strict=True)
        ),
        purpose="customer_relationship",
    )
    for p, receipt in zip(persons, receipts, strict=True):
        result.receipts[p.pk] = receipt_dict(receipt)
