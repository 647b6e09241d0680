"""Filtering by a long list of ids, on either database.

A batch (the retention sweep, a batch erasure) asks about thousands of
subjects at once. Written as ``column__in=ids`` every id is a bound
parameter: SQLite refuses more than its variable limit in one statement,
and on PostgreSQL thousands of placeholders cost more to build, send and
parse than the rows cost to read (docs/retention.md, Speed). So:

* :func:`chunks` splits ids into lists that fit one statement: ``CHUNK``
  on SQLite, all of them at once on PostgreSQL;
* :func:`among` is the filter ``column IN ids`` with the ids as one
  parameter: an array literal unnested by the server on PostgreSQL, a JSON
  array read by ``json_each`` on SQLite.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

CHUNK = 500  # ids in one SQLite statement, room left for the rest of it
# UUIDs or integers in one SQLite statement: :func:`among` binds them as one
# parameter, so only the statement's work bounds them. A batch erasure
# reads a few dozen kinds of row for its persons, each a statement per
# chunk: 4,000 at a time made the erasing sweep 2-3 % faster than 500
# (docs/benchmarks.md, 2026-12-06 21:00).
LONG_CHUNK = 4000
SHORT = 16  # up to this many ids the plain IN list is as cheap


def is_postgresql(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def chunks(ids: Iterable[Any], *, using: str = DEFAULT_DB_ALIAS) -> Iterator[list[Any]]:
    """``ids`` in lists that fit one statement (nothing for no ids): all of
    them on PostgreSQL; on SQLite ``LONG_CHUNK`` UUIDs or integers (one
    parameter to :func:`among`), ``CHUNK`` of anything else (a parameter
    each, within the variable limit of the oldest SQLite Django runs on)."""
    ids = list(ids)
    if not ids:
        return
    if is_postgresql(using):
        yield ids
        return
    size = LONG_CHUNK if _array_type(ids) else CHUNK
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _array_type(ids: list[Any], text: bool = False) -> str | None:
    if text:
        return "text" if all(isinstance(i, str) for i in ids) else None
    if all(isinstance(i, uuid.UUID) for i in ids):
        return "uuid"
    if all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return "bigint"
    return None


def array_literal(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of ids, dates or plain codes (each
    double-quoted, NULL for None), bound as one text parameter: a Python
    list is quoted element by element on the client."""
    return (
        "{"
        + ",".join(
            "NULL"
            if v is None
            else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


def among(
    column: str,
    ids: Iterable[Any],
    *,
    using: str = DEFAULT_DB_ALIAS,
    text: bool = False,
) -> Q:
    """The filter ``column IN ids`` (a lookup path such as ``person_id`` or
    ``invoice__billing_contact_id``) with the ids as one parameter: on
    PostgreSQL an array the server unnests, on SQLite a JSON array read by
    ``json_each`` (ids as SQLite stores them: a UUID as its 32 hex digits).
    Ids are UUIDs or integers, or with ``text=True`` texts of a text column
    (digests, codes; never a UUID as text, which SQLite stores otherwise);
    a short list, or values of another type, is the plain ``IN`` list."""
    ids = list(ids)
    vendor = connections[using].vendor
    kind = array_kind(ids, vendor, text=text)
    if kind is None:
        return Q(**{f"{column}__in": ids})
    if vendor == "postgresql":
        rows = RawSQL(f"SELECT unnest(%s::{kind}[])", [bound(ids, kind, vendor)])  # noqa: S611 - a fixed type name, the ids bound
    else:
        rows = RawSQL("SELECT value FROM json_each(%s)", [bound(ids, kind, vendor)])  # noqa: S611 - the ids bound
    return Q(**{f"{column}__in": rows})


def array_kind(ids: list[Any], vendor: str, *, text: bool = False) -> str | None:
    """The element type :func:`among` binds ``ids`` as one parameter with
    (``uuid``, ``bigint``, ``text``), or None where it writes the plain
    ``IN`` list (a short list, values of another type, another database)."""
    if len(ids) <= SHORT or vendor not in ("postgresql", "sqlite"):
        return None
    return _array_type(ids, text)


def bound(ids: list[Any], kind: str, vendor: str) -> str:
    """The one parameter :func:`among` binds ``ids`` of ``kind`` as: a
    PostgreSQL array literal, or SQLite's JSON array (a UUID as the 32 hex
    digits SQLite stores)."""
    if vendor == "postgresql":
        if kind in ("uuid", "bigint"):
            # A UUID's or an integer's text has no character an array
            # literal quotes: joined as it is (the same array).
            return "{" + ",".join(map(str, ids)) + "}"
        return array_literal(ids)
    if kind == "uuid":
        # The JSON array written directly: 32 hex digits need no escaping,
        # and a batch binds the same persons' ids dozens of times (half
        # the time of json.dumps over ``UUID.hex``).
        return '["' + '", "'.join(["%032x" % i.int for i in ids]) + '"]'  # noqa: UP031 - faster than the f-string (74 against 105 us for 500)
    return json.dumps(ids)
