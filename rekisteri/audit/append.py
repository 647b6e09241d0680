"""Appending events to the chain: one head lock, one INSERT, one head update.

However many events are appended together, the cost in statements is the
same: the head is counted on and read in one UPDATE … RETURNING (the write
lock on SQLite, the row lock on PostgreSQL, so appends are serialised), the
events get their chain positions and hashes in Python, go in with one
INSERT (on PostgreSQL one array per column, on SQLite multi-row), and the
head is moved to the last of them and sealed — on PostgreSQL in the
INSERT's own statement. A batch of many events on PostgreSQL goes by COPY
instead, and the head update after it.

On PostgreSQL with no transaction open (a page's reads, appended at the end
of its request) that is four round trips: BEGIN, the lock, the INSERT and
COMMIT. There the append is made from the head as this connection last saw
it, in one statement that moves the head only if it is still there and
inserts the events only if it did (:func:`_append_alone`): one round trip,
or two when another connection moved the head in between (the statement
then gives the head as it found it, and the events are linked to that). The
chain is the same either way: a head that moved is never overwritten, and
the events go in with the head's move or not at all.
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
    _saved(events, conn.alias)


def _saved(events: Sequence[AuditEvent], alias: str) -> None:
    """Mark ``events`` as stored in ``alias``, as the ORM marks a saved row
    (the alias looked up once: the proxy's lookup per event cost more than
    the loop)."""
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
    conn = connections[connection.alias]
    if (
        conn.vendor == "postgresql"
        and len(events) < COPY_FROM
        and not conn.in_atomic_block
        and conn.get_autocommit()
    ):
        with turn:
            if _append_alone(conn, key, events):
                return
    with (
        turn,
        transaction.atomic(savepoint=False),
        compiled.cursor(conn) as cursor,
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
        # gap or a swap is visible to ``verify``. The lock has counted them in.
        moved, seal = _linked(key, events, head, head.count)
        _store(cursor, events, [moved.last_id, moved.last_hash, seal, HEAD_ID])
        conn.__dict__[_SEEN] = moved


def _linked(
    key: bytes, events: Sequence[AuditEvent], after: _Head, count: int
) -> tuple[_Head, str]:
    """Give ``events`` the chain positions and hashes that follow ``after``;
    the head they leave for a chain of ``count`` events, and its seal."""
    prev = after.last_hash
    for n, event in enumerate(events, start=after.last_id + 1):
        event.id = n
        event.prev_hash = prev
        event.hash = prev = link(key, prev, content_of_row(list(_chained(event))))
    last = events[-1]
    seal = head_seal(
        key,
        first_id=after.first_id,
        anchor_hash=after.anchor_hash,
        last_id=last.id,
        last_hash=last.hash,
        count=count,
    )
    return after._replace(last_id=last.id, last_hash=last.hash, count=count), seal


# Where a connection keeps the head as its last append left it. Only ever a
# guess: an append made from a head that is no longer there moves nothing
# and stores nothing.
_SEEN = "_audit_head_seen"

# Conditional appends tried before taking the head's lock: each failure
# means another connection appended in between (the next try starts from
# the head that one left), so under a steady stream of appends the lock,
# which waits its turn, is the better way.
_TRIES = 3

_READ_HEAD = (
    "SELECT last_id, last_hash, count, first_id, anchor_hash "
    "FROM audit_audithead WHERE id = %s"
)


@functools.cache
def _alone_sql() -> str:
    """PostgreSQL: the head moved and the events inserted in one statement,
    both only if the head is as given; the head as the statement found it.

    The INSERT takes its rows only when the UPDATE's RETURNING has a row, so
    the two happen together or not at all; the final SELECT reads the head
    as it was when the statement began (a data-modifying WITH's changes are
    not visible to its own statement), which is what a failed try needs.
    """
    # Table and column names written here and by _unnest_sql from the
    # model; every value is a parameter.
    return _ALONE.format(_unnest_sql())  # noqa: S608


_ALONE = (
    "WITH moved AS ("
    "UPDATE audit_audithead SET last_id = %s, last_hash = %s, seal = %s, "
    "count = %s WHERE id = %s AND last_id = %s AND last_hash = %s "
    "AND count = %s AND first_id = %s AND anchor_hash = %s RETURNING id), "
    "appended AS ({} WHERE EXISTS (SELECT 1 FROM moved)) "
    "SELECT EXISTS (SELECT 1 FROM moved), "
    "last_id, last_hash, count, first_id, anchor_hash "
    "FROM audit_audithead WHERE id = %s"
)


def _append_alone(conn: Any, key: bytes, events: Sequence[AuditEvent]) -> bool:
    """Append ``events`` on PostgreSQL with no transaction open, in one
    statement of its own (its own transaction) per try; False when the
    head does not exist yet or kept moving, for the caller to take the
    lock. Nothing is stored by a try that returns False."""
    head = conn.__dict__.get(_SEEN)
    with compiled.cursor(conn) as cursor:
        for _ in range(_TRIES):
            if head is None:
                cursor.execute(_READ_HEAD, [HEAD_ID])
                row = cursor.fetchone()
                if row is None:
                    return False
                head = _Head(*row)
            moved, seal = _linked(key, events, head, head.count + len(events))
            columns = [list(c) for c in zip(*_rows(events, conn), strict=True)]
            cursor.execute(
                _alone_sql(),
                [
                    *(moved.last_id, moved.last_hash, seal, moved.count),
                    HEAD_ID,
                    *head,
                    *columns,
                    HEAD_ID,
                ],
            )
            row = cursor.fetchone()
            if row is None:
                return False
            if row[0]:
                conn.__dict__[_SEEN] = moved
                _saved(events, conn.alias)
                return True
            head = _Head(*row[1:])
    conn.__dict__.pop(_SEEN, None)
    return False
