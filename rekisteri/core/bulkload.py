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

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
def sqlite_bulk_settings(
    using: str = DEFAULT_DB_ALIAS, *, copy_log: bool = False
) -> Iterator[None]:
    """Tune the connection for a bulk load, then put its settings back.

    ``copy_log``: a :class:`LogCopier` copies the committed log back into
    the database file while the load goes on (for a load that commits
    batch after batch, such as the retention sweep)."""
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
    copier = LogCopier.start(conn) if copy_log else None
    try:
        yield
    finally:
        if copier is not None:
            copier.stop()
        with conn.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


class LogCopier:
    """Copies a SQLite database's committed log (WAL) back into the
    database file from a thread and connection of its own, while the
    caller goes on writing.

    A bulk write that commits batch after batch leaves the copying to a
    checkpoint: with the bulk settings' rarer checkpoints, one at the end
    of the load, which copies everything the load wrote (and waits for the
    disk) while nothing else goes on; a retention sweep at 100,000 persons
    spent 13 % of its time in that last commit (docs/benchmarks.md,
    2026-12-06 21:00). A passive checkpoint never blocks a writer or a
    reader and copies only what is committed, and SQLite releases Python's
    lock while it runs: from here the copying of one batch overlaps the
    work of the next, on the machine's other core, and the final checkpoint
    finds only the last batch to copy.

    Every ``INTERVAL`` seconds the thread asks for a passive checkpoint;
    one with nothing to copy reads the log's header and returns. A failure
    (the file gone, the database busy) ends the thread and leaves the
    checkpoints to SQLite's own, as without it."""

    INTERVAL = 0.05

    def __init__(self, path: str, synchronous: int) -> None:
        self.path = path
        self.synchronous = synchronous
        self.checkpoints = 0  # passive checkpoints that copied pages
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="sqlite-log-copier", daemon=True
        )

    @classmethod
    def start(cls, conn: Any) -> LogCopier | None:
        """A running copier for ``conn``'s database, or None where there is
        no log to copy (an in-memory database, a journal mode other than
        WAL)."""
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = str(cursor.fetchone()[0]).lower()
            cursor.execute("PRAGMA database_list")
            path = next((row[2] for row in cursor.fetchall() if row[1] == "main"), "")
            cursor.execute("PRAGMA synchronous")
            synchronous = int(cursor.fetchone()[0])
        if mode != "wal" or not path:
            return None
        return cls.running(path, synchronous)

    @classmethod
    def running(cls, path: str, synchronous: int) -> LogCopier:
        """A copier of the database file at ``path``, started."""
        copier = cls(path, synchronous)
        copier._thread.start()
        return copier

    def _run(self) -> None:
        try:
            db = sqlite3.connect(
                self.path, timeout=0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            self.error = exc
            return
        try:
            # The file synced as the caller's connection syncs it (NORMAL:
            # the log before the copy, the file after it).
            db.execute(f"PRAGMA synchronous = {int(self.synchronous)}")
            while not self._stop.wait(self.INTERVAL):
                _busy, logged, copied = db.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if copied > 0 and logged > 0:
                    self.checkpoints += 1
        except sqlite3.Error as exc:
            self.error = exc
        finally:
            db.close()

    def stop(self) -> None:
        """Stop copying (the copy under way ends first)."""
        self._stop.set()
        self._thread.join()


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
