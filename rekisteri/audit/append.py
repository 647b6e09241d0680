"""Appending events to the chain: one head lock, one INSERT, one head update.

However many events are appended together, the cost in statements is the
same: the head is counted on and read in one UPDATE … RETURNING (the write
lock on SQLite, the row lock on PostgreSQL, so appends are serialised), the
events get their chain positions and hashes in Python, go in with one
INSERT (on PostgreSQL one array per column, on SQLite multi-row), and the
head is moved to the last of them and sealed — on PostgreSQL in the
INSERT's own statement, so an append is two round trips. A batch of many
events on PostgreSQL goes by COPY instead, and the head update after it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from operator import attrgetter
from typing import Any, NamedTuple

from django.db import connection, connections, models, transaction

from rekisteri.audit.chain import (
    CHAINED_FIELDS,
    GENESIS,
    chain_key,
    content_of_row,
    head_seal,
    link,
)
from rekisteri.audit.models import AuditEvent, AuditHead
from rekisteri.core import compiled
from rekisteri.core.copyrows import copy_rows

HEAD_ID = 1


# An event's hashed values, in the order the chain hashes them.
_chained = attrgetter(*CHAINED_FIELDS)

# Every column of an event, in table order, for the INSERT.
_COLUMNS = (*CHAINED_FIELDS, "prev_hash", "hash")


# The JSON columns that hold a sorted list of names (fields, categories).
_NAME_LISTS = frozenset({"fields", "categories"})


# Distinct lists of names whose JSON a connection keeps (fields and
# categories lists come from the code's declarations: a few dozen).
_NAMES_KEPT = 512


@functools.cache
def _fields() -> tuple[models.Field, ...]:
    """Every column of an event, in table order."""
    return tuple(AuditEvent._meta.get_field(name) for name in _COLUMNS)


def _adapter(field: models.Field, conn: Any) -> Callable[[Any], Any] | None:
    """How a value of ``field`` goes to the database, without the ORM's
    per-value machinery (an event has 16 columns; a batch, thousands);
    None for a value that goes as it is. ``conn`` is the connection itself,
    looked up once rather than through ``django.db.connection`` for every
    value."""
    if isinstance(field, models.JSONField):
        adapt_json, encoder = conn.ops.adapt_json_value, field.encoder
        if field.name in _NAME_LISTS:
            # A list of names, the same for every event of an action: its
            # JSON made once per connection (a batch erasure's 8,000 events
            # hold a handful of distinct lists), from a copy of its own.
            made: dict[tuple[str, ...], Any] = {}

            def adapt_names(v: list[str]) -> Any:
                key = tuple(v)
                found = made.get(key)
                if found is None:
                    if len(made) >= _NAMES_KEPT:
                        made.clear()
                    found = made[key] = adapt_json(list(key), encoder)
                return found

            return adapt_names
        return lambda v: adapt_json(v, encoder)
    if isinstance(field, models.DateTimeField):
        return conn.ops.adapt_datetimefield_value
    if isinstance(field, models.UUIDField):
        prep = field.get_db_prep_value
        return lambda v: prep(v, conn)
    return None


def _adapters(conn: Any) -> tuple[Callable[[Any], tuple], list[tuple[int, Any]]]:
    """The event's column values in one call and the columns that need
    adapting, made once per connection (they belong to its thread)."""
    found = conn.__dict__.get("_audit_adapters")
    if found is None:
        fields = _fields()
        found = conn.__dict__["_audit_adapters"] = (
            attrgetter(*(f.attname for f in fields)),
            [
                (i, a)
                for i, f in enumerate(fields)
                if (a := _adapter(f, conn)) is not None
            ],
        )
    return found


def _rows(events: Sequence[AuditEvent], conn: Any) -> Iterator[list[Any]]:
    """Each event's column values as the database takes them: the values
    read in one call per event, the few columns that need it adapted."""
    values, adapt = _adapters(conn)
    for event in events:
        row = list(values(event))
        for i, a in adapt:
            row[i] = a(row[i])
        yield row


# Rows per INSERT statement: 16 parameters a row stays under SQLite's
# 32,766 and PostgreSQL's 65,535 bound parameters.
_ROWS_PER_STATEMENT = 1000
# From this many events on PostgreSQL, COPY and a separate head update
# instead of the one-statement array INSERT (three round trips, not two).
COPY_FROM = 64


@functools.lru_cache(maxsize=64)
def _values_sql(rows: int) -> str:
    """``INSERT INTO audit_auditevent (…) VALUES (…), (…), …`` for ``rows``."""
    fields = _fields()
    qn = connection.ops.quote_name
    one = "({})".format(", ".join(["%s"] * len(fields)))
    # Table and column names from the model, quoted; the values are parameters.
    return "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608
        qn(AuditEvent._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join([one] * rows),
    )


_HEAD_UPDATE = "UPDATE {} SET {} = %s, {} = %s, {} = %s WHERE {} = %s"


@functools.cache
def _head_update_sql() -> str:
    qn = connection.ops.quote_name
    return _HEAD_UPDATE.format(
        qn(AuditHead._meta.db_table),
        qn("last_id"),
        qn("last_hash"),
        qn("seal"),
        qn("id"),
    )


@functools.cache
def _unnest_sql() -> str:
    """PostgreSQL: every event in one INSERT of one array per column, so the
    statement's text stays the same whatever the number of events: made
    once per process, prepared once per connection (``compiled.cursor``),
    each array sent in binary (``%b``), not quoted into text by the client
    element by element."""
    fields = _fields()
    qn = connection.ops.quote_name
    arrays = ", ".join(
        "%b::{}[]".format(f.db_type(connection).split("(")[0]) for f in fields
    )
    # Table, column and type names from the model; the values are parameters.
    return "INSERT INTO {} ({}) SELECT * FROM unnest({})".format(  # noqa: S608
        qn(AuditEvent._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        arrays,
    )


def _store(cursor: Any, events: Sequence[AuditEvent], head: list[Any]) -> None:
    """The events inserted and the head moved to the last of them.

    On PostgreSQL one statement does both: an INSERT of one array per column
    in a data-modifying WITH, and the head update, so an append costs two
    round trips in all (the head lock and this) however many events it
    holds; from :data:`COPY_FROM` events on, COPY and the head update
    (three round trips, a fraction of the client's and server's work on
    thousands of values). SQLite has no data-modifying WITH: multi-row
    INSERTs of up to a thousand events, then the head update, all inside
    the process.
    """
    fields = _fields()
    conn = connections[connection.alias]
    if connection.vendor == "postgresql" and len(events) >= COPY_FROM:
        # A batch's events (an import's, an erasure's): COPY, then the
        # head update. Thousands of values quoted into arrays by the
        # client and unnested by the server cost several times the
        # extra round trip.
        qn = connection.ops.quote_name
        copy_rows(
            cursor,
            qn(AuditEvent._meta.db_table),
            [qn(f.column) for f in fields],
            _rows(events, conn),
        )
        cursor.execute(_head_update_sql(), head)
    elif connection.vendor == "postgresql":
        columns = [list(c) for c in zip(*_rows(events, conn), strict=True)]
        cursor.execute(
            f"WITH appended AS ({_unnest_sql()}) {_head_update_sql()}",
            [*columns, *head],
        )
    else:
        for i in range(0, len(events), _ROWS_PER_STATEMENT):
            chunk = events[i : i + _ROWS_PER_STATEMENT]
            params = [v for row in _rows(chunk, conn) for v in row]
            cursor.execute(_values_sql(len(chunk)), params)
        cursor.execute(_head_update_sql(), head)
    alias = conn.alias  # once: the proxy's lookup per event cost more than the loop
    for event in events:
        event._state.adding = False
        event._state.db = alias


class _Head(NamedTuple):
    last_id: int
    last_hash: str
    count: int
    first_id: int
    anchor_hash: str


_LOCK_HEAD = (
    "UPDATE audit_audithead SET count = count + %s WHERE id = %s "
    "RETURNING last_id, last_hash, count, first_id, anchor_hash"
)


def _lock_head(cursor: Any, n: int) -> _Head | None:
    """Count ``n`` new events in and read the head in one statement.

    The UPDATE takes the write lock on SQLite and the row lock on PostgreSQL,
    so appends are serialised; RETURNING (SQLite 3.35+, PostgreSQL) saves the
    separate read an append would otherwise cost.
    """
    cursor.execute(_LOCK_HEAD, [n, HEAD_ID])
    row = cursor.fetchone()
    return _Head(*row) if row else None


_SHARED_TURN = threading.Lock()


def append(events: Sequence[AuditEvent]) -> None:
    """Give ``events`` their chain positions and hashes and store them.

    Runs in the caller's transaction when there is one — without a savepoint
    of its own, so a failed append spoils that transaction instead of leaving
    it to commit without its events — otherwise in its own.
    """
    if not events:
        return
    key = chain_key()
    # Threads that share one connection (a live test server on an in-memory
    # SQLite database) are not serialised by the head's lock, which belongs
    # to the connection: they take turns here. Threads with connections of
    # their own never wait on this, so it cannot deadlock with the database.
    turn = _SHARED_TURN if connection.allow_thread_sharing else nullcontext()
    # One cursor for the append's statements, prepared and bound on the
    # server on PostgreSQL (core/compiled.py): their text is the same for
    # every append, and sixteen arrays of values quoted into it by the
    # client cost more than the round trip.
    with (
        turn,
        transaction.atomic(savepoint=False),
        compiled.cursor(connections[connection.alias]) as cursor,
    ):
        head = _lock_head(cursor, len(events))
        if head is None:
            # The first append ever: make the head, unless a concurrent first
            # append just did (ON CONFLICT DO NOTHING waits for it), then lock it.
            AuditHead.objects.bulk_create(
                [
                    AuditHead(
                        pk=HEAD_ID,
                        last_id=0,
                        last_hash=GENESIS,
                        count=0,
                        first_id=1,
                        anchor_hash=GENESIS,
                    )
                ],
                ignore_conflicts=True,
            )
            head = _lock_head(cursor, len(events))
            if head is None:
                raise RuntimeError("the audit head could not be created")
        # Ids are the chain positions, assigned under the head's lock, so a
        # gap or a swap is visible to ``verify``.
        prev = head.last_hash
        for n, event in enumerate(events, start=head.last_id + 1):
            event.id = n
            event.prev_hash = prev
            event.hash = prev = link(key, prev, content_of_row(list(_chained(event))))
        last = events[-1]
        seal = head_seal(
            key,
            first_id=head.first_id,
            anchor_hash=head.anchor_hash,
            last_id=last.id,
            last_hash=last.hash,
            count=head.count,
        )
        _store(cursor, events, [last.id, last.hash, seal, HEAD_ID])
