"""Rows into a PostgreSQL table by ``COPY ... FROM STDIN``.

For a batch of thousands of values, COPY spares the server a statement of
thousands of parameters and the client their quoting (docs/connectors.md,
Speed). Used by the register's bulk inserts, the audit chain's large
appends and the key store's new keys; each keeps its own SQLite path.
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
