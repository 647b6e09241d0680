"""Materialising the due dates (``DueDate``) and keeping them current.

:func:`recompute_persons` and :func:`recompute_organizations` bring the rows
of a batch of subjects in line with :mod:`rekisteri.retention.rules`:
unchanged rows are left alone, so a recompute that finds nothing to change
writes nothing (it is idempotent), and rows keep their ids. The signals in
:mod:`rekisteri.retention.signals` call them after the transaction that
moved a date commits; :func:`recompute_all` walks the whole register in
batches (``manage.py retention recompute``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from rekisteri.core import idlist, rawdelete
from rekisteri.core.bulkload import GrowingTables
from rekisteri.core.bulkupdate import update_rows
from rekisteri.core.rowconvert import values_rows
from rekisteri.registry.models import Person
from rekisteri.retention import rules
from rekisteri.retention.models import DueDate

BATCH = 2000
WRITE_BATCH = 500


@dataclass
class Changes:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    subjects: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: Changes) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.subjects += other.subjects

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _sync(kind: str, sel: rules.Subjects, wanted: dict) -> Changes:
    """Write the difference between ``wanted`` and the stored rows of the
    subjects of ``sel``: created, changed and gone rows in bulk."""
    column = f"{kind}_id"
    changes = Changes(subjects=len(wanted))
    now = timezone.now()
    # Its own transaction when called alone; inside a caller's (an erasure,
    # core/precommit.py) no savepoint: a failure fails the whole write.
    with transaction.atomic(savepoint=False):
        existing = {
            (sid, rule): (pk, anchor, until)
            for pk, sid, rule, anchor, until in sel.rows(
                f"due_dates.{kind}",
                column,
                lambda q: (
                    DueDate.objects.select_for_update()
                    .filter(q)
                    .order_by()
                    .values_list("pk", column, "rule", "anchor_on", "kept_until")
                ),
                model=DueDate,
            )
        }
        create, update = [], []
        for sid, dates in wanted.items():
            for rule, (anchor, until) in dates.items():
                row = existing.pop((sid, str(rule)), None)
                if (anchor, until) == rules.KEEP:
                    continue  # the stored date stands (or there is none)
                if row is None:
                    create.append((kind, sid, str(rule), anchor, until))
                elif row[1] != anchor or row[2] != until:
                    update.append((row[0], anchor, until, now))
        gone = [pk for pk, _a, _u in existing.values()]
        for i in range(0, len(gone), WRITE_BATCH):
            rawdelete.delete_among(
                "retention.due_dates",
                lambda keys: DueDate.objects.filter(idlist.among("pk", keys)),
                gone[i : i + WRITE_BATCH],
                model=DueDate,
            )
        _insert(create, now)
        # All of them in one call: sent as data, not as a CASE per row
        # (core/bulkupdate.py), so nothing to split.
        update_rows(DueDate, ["anchor_on", "kept_until", "computed_at"], update)
    changes.created, changes.updated, changes.deleted = (
        len(create),
        len(update),
        len(gone),
    )
    return changes


def _insert(rows: list[tuple], now: dt.datetime) -> None:
    """Insert new rows with one multi-row ``INSERT`` per chunk (the ORM's
    ``bulk_create`` spends most of a full recompute preparing each value)."""
    if not rows:
        return
    table = connection.ops.quote_name(DueDate._meta.db_table)
    sqlite = connection.vendor == "sqlite"
    stamp = connection.ops.adapt_datetimefield_value(now)

    def db(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value.hex if sqlite else value
        if isinstance(value, dt.date):
            return value.isoformat() if sqlite else value
        return value

    names = ("person", "organization", "rule", "anchor_on", "kept_until")
    columns = ", ".join(
        connection.ops.quote_name(DueDate._meta.get_field(n).column)
        for n in (*names, "computed_at")
    )
    # One multi-row INSERT per chunk (one statement, not one per row); the
    # table and column names come from the model, every value is bound.
    chunk = 150 if sqlite else 1000  # SQLite's bound-parameter limit
    values = [
        (
            db(sid) if kind == "person" else None,
            db(sid) if kind == "organization" else None,
            rule,
            db(anchor),
            db(until),
            stamp,
        )
        for kind, sid, rule, anchor, until in rows
    ]
    if not sqlite:
        _insert_arrays(table, columns, values, stamp)
        return
    with connection.cursor() as cursor:
        for i in range(0, len(values), chunk):
            part = values[i : i + chunk]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(part))
            sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608
            cursor.execute(sql, [v for row in part for v in row])


def _insert_arrays(table: str, columns: str, values: list[tuple], stamp: Any) -> None:
    """PostgreSQL: every new row in one ``INSERT ... SELECT FROM unnest``
    of one array per column: six parameters whatever the number of rows
    (a multi-row ``VALUES`` list of thousands of placeholders costs more to
    send and parse than the rows cost to write)."""
    persons, organizations, rules_, anchors, untils, _stamps = zip(*values, strict=True)
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model
        "SELECT p, o, r, a, u, %s FROM unnest("
        "%s::uuid[], %s::uuid[], %s::text[], %s::date[], %s::date[]"
        ") AS t(p, o, r, a, u)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                stamp,
                *(
                    idlist.array_literal(column)
                    for column in (persons, organizations, rules_, anchors, untils)
                ),
            ],
        )


def recompute_persons(ids: list[uuid.UUID]) -> Changes:
    """Bring the due dates of these persons up to date (missing ones: their
    rows went with them)."""
    sel = rules.Subjects.of(ids)
    return _sync("person", sel, rules.person_dates(sel)) if sel.ids else Changes()


def recompute_organizations(ids: list[uuid.UUID]) -> Changes:
    sel = rules.Subjects.of(ids)
    return (
        _sync("organization", sel, rules.organization_dates(sel))
        if sel.ids
        else Changes()
    )


def _person_batches(size: int) -> Iterator[tuple[rules.Subjects, dict]]:
    """Keyset batches of persons: their id range and (id → last change)."""
    last = None
    while True:
        qs = Person.objects.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = values_rows(qs.values_list("pk", "updated_at")[:size])
        if not rows:
            return
        yield rules.Subjects.span(rows[0][0], rows[-1][0]), dict(rows)
        last = rows[-1][0]


def _organization_batches(size: int) -> Iterator[tuple[rules.Subjects, list]]:
    Organization = apps.get_model("registry", "Organization")
    last = None
    while True:
        qs = Organization.objects.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        ids = [pk for (pk,) in values_rows(qs.values_list("pk")[:size])]
        if not ids:
            return
        yield rules.Subjects.span(ids[0], ids[-1]), ids
        last = ids[-1]


def recompute_all(
    *, batch_size: int = BATCH, progress: Callable[[str, int], None] | None = None
) -> dict[str, Changes]:
    """Recompute every person's and organization's due dates: per keyset
    batch, one aggregate query per kind of input row and the changed rows
    written in bulk (docs/retention.md, Materialised)."""
    out = {"person": Changes(), "organization": Changes()}
    # A first recompute writes a row per subject and rule: PostgreSQL's
    # statistics of the table, taken while it was empty, would plan the
    # sweep's keyset read (``kept_until < day AND id > last ORDER BY id
    # LIMIT n``) as a scan and sort of the whole table for every batch.
    # Analyzed as it grows, between the batches' transactions
    # (core/bulkload.py; docs/retention.md, Performance).
    statistics = GrowingTables(DueDate, estimate=True)

    def synced(kind: str, done: Changes) -> None:
        out[kind].add(done)
        statistics.loaded(out["person"].created + out["organization"].created)
        if progress is not None:
            progress(kind, out[kind].subjects)

    for sel, updated in _person_batches(batch_size):
        synced("person", _sync("person", sel, rules.person_dates(sel, updated)))
    for sel, ids in _organization_batches(batch_size):
        wanted = rules.organization_dates(sel, ids)
        synced("organization", _sync("organization", sel, wanted))
    return out


def dates_for(
    *, person_id: uuid.UUID | None = None, organization_id=None
) -> list[DueDate]:
    """A subject's stored due dates, soonest first."""
    qs = DueDate.objects.filter(person_id=person_id, organization_id=organization_id)
    return list(qs.order_by("kept_until", "rule"))


def today() -> dt.date:
    return timezone.localdate()
