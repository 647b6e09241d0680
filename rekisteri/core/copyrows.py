"""Rows into a PostgreSQL table by ``COPY ... FROM STDIN``.

For a batch of thousands of values, COPY spares the server a statement of
thousands of parameters and the client their quoting (docs/connectors.md,
Speed). Used by the register's bulk inserts, the audit chain's large
appends and the key store's writes (:func:`write_rows`, with its SQLite
path beside it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Write ``rows`` into ``table`` (``columns`` in order; both quoted by
    the caller from model metadata, never from input) through the driver's
    own cursor behind Django's ``cursor`` (which has no COPY), inside the
    caller's transaction like any statement."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def write_rows(
    connection: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Write ``rows`` (values as the database takes them) into ``table`` on
    ``connection``, inside the caller's transaction: on PostgreSQL by
    :func:`copy_rows`, on SQLite by one prepared ``INSERT`` run for every
    row (``executemany``: compiled once, not once per batch as
    ``bulk_create`` does). ``table`` and ``columns`` are quoted by the
    caller from model metadata, never from input."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_rows(cursor, table, columns, rows)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - names from the model
            list(rows),
        )


# Bytes per write of preformatted COPY text.
_CHUNK = 1 << 20


def copy_keys(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[int, uuid.UUID]],
) -> None:
    """:func:`copy_rows` of rows of an integer and a UUID (the blind
    index's), written as COPY's text format takes them: a decimal integer
    and a UUID's canonical text need no escaping, so a batch's hundred
    thousand rows go as a few large writes instead of through the driver's
    adaptation of each value, which was most of what the client spent on
    them. Anything but an ``int`` and a ``UUID`` is refused."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        lines: list[str] = []
        last: Any = None
        tail = ""
        for key, subject in rows:
            if type(key) is not int:
                raise TypeError(f"copy_keys: {type(key).__name__} key")
            if subject is not last:
                # A subject's rows come together: its text is made once.
                if not isinstance(subject, uuid.UUID):
                    raise TypeError(f"copy_keys: {type(subject).__name__} subject")
                last, tail = subject, f"\t{subject}\n"
            lines.append(f"{key}{tail}")
            if len(lines) >= _LINES:
                copy.write("".join(lines))
                lines = []
        if lines:
            copy.write("".join(lines))


# Lines per write (about 60 bytes each).
_LINES = _CHUNK // 60
