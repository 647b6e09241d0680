"""Rows into a PostgreSQL table by ``COPY ... FROM STDIN``.

For a batch of thousands of values, COPY spares the server a statement of
thousands of parameters and the client their quoting (docs/connectors.md,
Speed). Used by the register's bulk inserts, the audit chain's large
appends and the key store's new keys; each keeps its own SQLite path.
"""

from __future__ import annotations

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
