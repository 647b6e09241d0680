"""A long bulk load's connection settings (SQLite) and planner statistics
(PostgreSQL): the demo seed and a contact-list import.

**SQLite.** :func:`sqlite_bulk_settings` gives the load's connection a page
cache and memory map sized for it, and checkpoints its log less often, then
puts the connection's own settings back. None of them trades durability:
``synchronous`` stays as configured. A contact import of 100,000 rows ran
at 1,900 rows/s with the connection's defaults and 2,000–2,030 with these
(docs/benchmarks.md, 2026-12-05): its blind-index inserts land all over an
index of a million rows and more, which the default 2 MB cache re-reads.

**PostgreSQL.** A bulk load (the demo seed, a contact-list import) looks up, batch after
batch, the very tables it is filling: which of a batch's addresses the
blind index already holds, which business IDs the organizations, which
roles an organization has. PostgreSQL plans those statements from the
statistics ``ANALYZE`` last gathered. A table analyzed when it was empty,
or never (autovacuum off, or not round yet: it looks once a minute and
waits for a tenth of the table to change), is planned as a table of a few
pages, and each lookup scans the whole of it: at 1.5 million blind-index
rows a contact import made 123 such scans and no index scan, and its rate
fell by a fifth over 100,000 rows (docs/benchmarks.md, 2026-12-05).

:class:`GrowingTables` analyzes the tables whenever the first of them has
doubled since the statistics it last saw: a few dozen times in a load of
millions, each a sample of fixed size (tens of milliseconds). SQLite plans
without statistics of this kind and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models

FIRST = 50_000  # rows of the leading table before the first ANALYZE

SQLITE_PRAGMAS = {
    # Random keys (the blind index's, and UUIDs where they are random) land
    # all over a dozen indexes; the default 2 MB cache would re-read index
    # pages on nearly every insert, and a commit of 50,000 persons dirties
    # more pages than 256 MiB holds. A bound, not an allocation: SQLite
    # takes pages as it needs them, and only while loading.
    "cache_size": -1048576,  # 1 GiB
    # Reading pages through a memory map saves a system call per page miss.
    "mmap_size": 4 << 30,
    # Every batch dirties most index pages again; checkpointing every few
    # batches instead of after each one copies each page back once, not
    # once per batch. The log stays bounded by this plus one batch.
    "wal_autocheckpoint": 65536,  # pages: 256 MiB
}


@contextmanager
def sqlite_bulk_settings(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Tune the connection for a bulk load, then put its settings back."""
    conn = connections[using]
    if conn.vendor != "sqlite":
        yield
        return
    previous = {}
    with conn.cursor() as cursor:
        for name, value in SQLITE_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            if row is None:
                continue  # not applicable (an in-memory database has no map)
            previous[name] = row[0]
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


class GrowingTables:
    """Tables a load grows, the first one leading: :meth:`loaded` is told
    how many rows the load has added to it in all."""

    def __init__(
        self,
        *tables: type[models.Model],
        using: str = DEFAULT_DB_ALIAS,
        first: int | None = None,
        estimate: bool = False,
    ) -> None:
        self.using = using
        self.tables = tables
        self.enabled = bool(tables) and connections[using].vendor == "postgresql"
        # What the leading table held before the load (as PostgreSQL last
        # counted it), or nothing.
        self.base = self._estimate() if (estimate and self.enabled) else 0
        self.rows = self.base
        # A table already larger than ``first`` has statistics of its own
        # size, or will at its next doubling.
        self.next_at = max(FIRST if first is None else first, 2 * self.base)

    def _estimate(self) -> int:
        """The leading table's size as PostgreSQL last counted it (``-1``,
        never counted, is taken as empty)."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [self.tables[0]._meta.db_table],
            )
            row = cursor.fetchone()
        return max(0, int(row[0])) if row else 0

    def due(self, rows: int) -> bool:
        """The leading table holds ``rows``: True (once) when it has doubled
        since the last analysis."""
        self.rows = rows
        if not self.enabled or rows < self.next_at:
            return False
        self.next_at = 2 * rows
        return True

    def loaded(self, added: int) -> bool:
        """The load has added ``added`` rows to the leading table in all:
        analyze when it has doubled since the last time. Called between the
        load's transactions: in one, the new statistics would wait for its
        commit. True when that analyzed."""
        if not self.due(self.base + added):
            return False
        conn = connections[self.using]
        names = ", ".join(conn.ops.quote_name(m._meta.db_table) for m in self.tables)
        with conn.cursor() as cursor:
            cursor.execute(f"ANALYZE {names}")
        return True
