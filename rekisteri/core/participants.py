"""Rights participants: what a field declaration cannot express.

The data-subject rights engine (rekisteri.rights) finds a person's rows
through the catalogue's subject paths and applies each field's declared
erasure. Some of a person's data is not a row of their own: their
participation in message history shared with colleagues (participant rows,
addresses in stored headers), attachments, contracts they are a party of,
the bookkeeping copy on invoices with its Accounting Act date. The app that
owns such data registers a :class:`Participant` in ``AppConfig.ready``::

    from rekisteri.core import participants

    participants.register(participants.Participant(
        name="messaging.history",
        covers=("messaging.Message", "messaging.MessageParticipant", ...),
        export=history_export,      # person -> [Record]
        plan=history_plan,          # person -> [PlanItem]
        erase=history_erase,        # (actor=, person=) -> {count name: n}
    ))

``covers`` names the models the participant answers for: the engine leaves
their rows to it, and the rights system check accepts a model holding
personal data only if the engine reaches it from a person through a subject
path or a participant covers it. ``erase`` runs BEFORE the person's key is
shredded (:func:`run_erase`, called by ``registry.services.person_shred``),
while the person's addresses can still be read. ``replay`` re-applies an
erasure after a backup is restored (:func:`run_replay`). ``marks_many``,
asked just before the keys are shredded, gives for each person the keyed
digests by which the participant finds their data again after a restore
where no row names them (an address in a message no one matched to them);
the erasure ledger keeps them, and ``replay`` gets them back.

A batch erasure (``rights.erasure.erasure_execute_many``, the retention
sweep) asks for many persons at once: ``scope_many``, ``plan_many``,
``erase_many`` and ``until_many`` answer for a list with a fixed number of
queries. They are optional; without one the runners below
(:func:`run_scope_many`, :func:`run_plan_many`, :func:`run_erase_many`,
:func:`until_many`) ask the one-person form person by person, so a batch
of one is the single erasure.

Like legal holds (rekisteri.core.holds), this keeps lower apps (the register)
from importing upper ones (messaging, billing): they meet here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    """One row of a person's data as a participant exports it.

    ``values`` are catalogued fields of ``model`` (field name → value, as
    the person would read it); the engine attaches each field's category,
    purposes, legal basis and retention from the catalogue. ``context``
    holds non-personal facts that make the row understandable (a message's
    time and channel, an attachment's size). ``until`` is the date the row is
    kept until, where the participant can compute it.
    """

    model: str  # "app_label.ModelName"
    id: str
    values: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    until: dt.date | None = None


@dataclass(frozen=True)
class PlanItem:
    """What erasure does to a group of a person's rows (no personal data).

    ``fate`` is ``shredded``, ``deleted``, ``anonymised`` or ``kept``;
    ``ground`` says why something is kept (a legal ground, a retention rule)
    and ``until`` until when, where it can be computed.
    """

    model: str
    count: int
    fate: str
    fields: tuple[str, ...] = ()
    ground: str = ""
    retention: str = ""
    until: dt.date | None = None
    note: str = ""


Scoper = Callable[[Any], dict[str, tuple[str, ...]]]
Exporter = Callable[[Any], list[Record]]
Planner = Callable[[Any], list[PlanItem]]
Eraser = Callable[..., dict[str, int]]
# ``replay(person_ids, marks)``: ``marks`` is person id → what the
# participant's ``marks_many`` gave at the erasure (empty where it gave
# nothing, or the ledger's marks have been forgotten).
Replayer = Callable[[list[Any], dict[Any, list[Any]]], dict[str, int]]
UntilFn = Callable[[Any], "dt.date | None"]
# The batch forms: persons (or rows) in, answers keyed by person id (row pk).
ScoperMany = Callable[[list[Any]], dict[Any, dict[str, tuple[str, ...]]]]
PlannerMany = Callable[[list[Any]], dict[Any, list[PlanItem]]]
EraserMany = Callable[..., dict[Any, dict[str, int]]]
UntilManyFn = Callable[[list[Any]], dict[Any, "dt.date | None"]]
MarkerMany = Callable[[list[Any]], dict[Any, list[Any]]]


@dataclass(frozen=True)
class Participant:
    """An app's contribution to export and erasure of a person's data.

    ``scope`` answers, without reading a personal value, which fields of
    which covered models it holds for the person (model label → field
    names; models without rows left out), so the engine can check the
    need-to-know matrix before ``export`` reads anything.
    ``until`` maps a model label to a function ``row → date | None``: the
    date until which such a row is kept under its retention rule (an
    invoice: 31.12. of the sixth year after its financial year), used for
    rows the engine reaches itself.
    """

    name: str
    covers: tuple[str, ...] = ()
    scope: Scoper | None = None
    export: Exporter | None = None
    plan: Planner | None = None
    erase: Eraser | None = None
    replay: Replayer | None = None
    until: dict[str, UntilFn] = field(default_factory=dict)
    # Models holding data of someone not (yet) identified as a person in the
    # register (an unconfirmed portal request): no person can reach them, so
    # they are kept and purged under their own retention rule instead.
    unlinked: tuple[str, ...] = ()
    # Batch forms (optional): ``scope_many(persons)`` and
    # ``plan_many(persons)`` → person id → answer; ``erase_many(actor=,
    # persons=)`` → person id → counts; ``until_many[model](rows)`` → row
    # pk → date.
    scope_many: ScoperMany | None = None
    plan_many: PlannerMany | None = None
    erase_many: EraserMany | None = None
    until_many: dict[str, UntilManyFn] = field(default_factory=dict)
    # ``marks_many(persons)`` → person id → JSON-serialisable keyed digests
    # (no readable value), kept in the erasure ledger for ``replay``.
    marks_many: MarkerMany | None = None


_participants: dict[str, Participant] = {}


def register(participant: Participant) -> None:
    """Register (or replace, by name) a participant."""
    _participants[participant.name] = participant


def unregister(name: str) -> None:
    _participants.pop(name, None)


def all_participants() -> list[Participant]:
    return [_participants[name] for name in sorted(_participants)]


def covered_models() -> dict[str, str]:
    """Model label → name of the participant that answers for it."""
    return {label: p.name for p in all_participants() for label in p.covers}


def unlinked_models() -> dict[str, str]:
    """Model label → participant that declares it unlinked to any person."""
    return {label: p.name for p in all_participants() for label in p.unlinked}


def until_for(model_label: str) -> UntilFn | None:
    for p in all_participants():
        if model_label in p.until:
            return p.until[model_label]
    return None


def run_erase(*, actor: Any, person: Any) -> dict[str, dict[str, int]]:
    """Every participant's erasure of ``person``; counts by participant.

    Called before the person's key is shredded, inside the caller's
    transaction.
    """
    return {
        p.name: p.erase(actor=actor, person=person)
        for p in all_participants()
        if p.erase is not None
    }


def run_scope_many(persons: list[Any]) -> dict[str, dict[Any, dict]]:
    """Every participant's scope of each person: name → person id → model
    label → field names (empty answers left out)."""
    out: dict[str, dict[Any, dict]] = {}
    for p in all_participants():
        if p.scope_many is not None:
            answers = p.scope_many(persons)
        elif p.scope is not None:
            answers = {person.pk: p.scope(person) for person in persons}
        else:
            continue
        out[p.name] = {pid: found for pid, found in answers.items() if found}
    return out


def run_plan_many(
    persons: list[Any], names: dict[Any, set[str]]
) -> dict[Any, list[tuple[str, PlanItem]]]:
    """The plan items of each person from the participants in ``names``
    (person id → names of the participants that hold data of theirs):
    person id → [(participant name, item)], in participant order."""
    out: dict[Any, list[tuple[str, PlanItem]]] = {p.pk: [] for p in persons}
    for p in all_participants():
        wanted = [person for person in persons if p.name in names.get(person.pk, ())]
        if p.plan is None or not wanted:
            continue
        if p.plan_many is not None:
            answers = p.plan_many(wanted)
        else:
            answers = {person.pk: p.plan(person) for person in wanted}
        for person in wanted:
            out[person.pk].extend((p.name, item) for item in answers.get(person.pk, ()))
    return out


def run_erase_many(*, actor: Any, persons: list[Any]) -> dict[Any, dict[str, dict]]:
    """:func:`run_erase` for many persons: person id → participant name →
    counts. Called before the persons' keys are shredded, inside the
    caller's transaction."""
    out: dict[Any, dict[str, dict]] = {p.pk: {} for p in persons}
    for p in all_participants():
        if p.erase_many is not None:
            answers = p.erase_many(actor=actor, persons=persons)
        elif p.erase is not None:
            answers = {
                person.pk: p.erase(actor=actor, person=person) for person in persons
            }
        else:
            continue
        for person in persons:
            out[person.pk][p.name] = answers.get(person.pk, {})
    return out


def until_many(model_label: str, rows: list[Any]) -> dict[Any, dt.date | None]:
    """:func:`until_for` for many rows of one model: row pk → date (rows
    no participant dates left out)."""
    for p in all_participants():
        if model_label in p.until_many:
            return p.until_many[model_label](rows)
        if model_label in p.until:
            fn = p.until[model_label]
            return {row.pk: fn(row) for row in rows}
    return {}


_memo: ContextVar[dict[Any, Any] | None] = ContextVar(
    "rekisteri_participants_memo", default=None
)


@contextmanager
def batch_scope() -> Iterator[None]:
    """One batch erasure: what a participant reads for its plan can serve
    its erasure (:func:`memo`). The memo, which may hold personal values
    (addresses to match), is dropped when the block ends."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def ids_key(ids: Iterable[Any]) -> frozenset[Any]:
    """The part of a :func:`memo` key that names a batch's persons: the
    same whatever their order (a set's hash is made once; the sorted texts
    of thousands of UUIDs, which each participant made for each call, cost
    about five times as much)."""
    return frozenset(ids)


def memo(key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered under ``key`` inside a :func:`batch_scope`
    (computed afresh outside one)."""
    cache = _memo.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def run_marks_many(persons: list[Any]) -> dict[Any, dict[str, list[Any]]]:
    """Every participant's marks of each person (asked inside a key scope,
    before the keys are shredded): person id → participant name → marks,
    empty answers left out."""
    out: dict[Any, dict[str, list[Any]]] = {}
    for p in all_participants():
        if p.marks_many is None:
            continue
        for pid, found in p.marks_many(persons).items():
            if found:
                out.setdefault(pid, {})[p.name] = list(found)
    return out


def run_replay(
    person_ids: list[Any], marks: dict[Any, dict[str, list[Any]]] | None = None
) -> dict[str, int]:
    """Re-apply participants' erasures after a restore; totals by name.
    ``marks``: person id → participant name → the marks the ledger kept."""
    marks = marks or {}
    totals: dict[str, int] = {}
    for p in all_participants():
        if p.replay is None:
            continue
        mine = {pid: marks[pid][p.name] for pid in marks if p.name in marks[pid]}
        counts = p.replay(person_ids, mine)
        for key, n in counts.items():
            totals[f"{p.name}.{key}"] = totals.get(f"{p.name}.{key}", 0) + n
    return totals
