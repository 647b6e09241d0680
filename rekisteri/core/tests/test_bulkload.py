"""A long load's SQLite settings and PostgreSQL statistics (core/bulkload.py)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.core import bulkload
from rekisteri.core.bulkload import GrowingTables, sqlite_bulk_settings
from rekisteri.core.models import BlindIndex
from rekisteri.registry.models import Organization

pytestmark = pytest.mark.django_db


def _analyzed(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]


def test_the_tables_are_analyzed_each_time_the_leading_one_doubles():
    tables = GrowingTables(BlindIndex, Organization)
    tables.enabled = True  # the schedule, on any database
    first = bulkload.FIRST
    assert not tables.due(first - 1)
    assert tables.due(first)
    assert not tables.due(2 * first - 1)
    assert tables.due(2 * first + 10)
    assert not tables.due(3 * first)
    assert tables.due(4 * first + 20)


def test_loaded_counts_what_the_load_has_added_in_all():
    tables = GrowingTables(BlindIndex, first=100)
    tables.enabled = True
    assert not tables.loaded(60)
    assert tables.loaded(100)  # 100 in all
    assert tables.rows == 100 and tables.next_at == 200
    assert not tables.loaded(199)
    assert tables.loaded(200)


def test_a_refresh_analyzes_the_tables_on_postgresql_only():
    tables = GrowingTables(BlindIndex, Organization)
    with CaptureQueriesContext(connection) as queries:
        assert tables.loaded(bulkload.FIRST) is (connection.vendor == "postgresql")
        assert not tables.loaded(bulkload.FIRST + 1)  # not doubled since
    if connection.vendor == "postgresql":
        assert _analyzed(queries) == [
            'ANALYZE "core_blindindex", "registry_organization"'
        ]
    else:
        # SQLite's planner needs none of it: the application never analyzes.
        assert _analyzed(queries) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_table_postgresql_has_counted_is_analyzed_at_twice_its_size():
    BlindIndex.objects.bulk_create(
        BlindIndex(key=n, subject_id=Organization().pk) for n in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "core_blindindex"')
    tables = GrowingTables(BlindIndex, first=10, estimate=True)
    assert tables.rows == 300 and tables.next_at == 600
    assert not tables.loaded(299)  # 599 in the table
    assert tables.loaded(300)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_postgresql_counts_a_tenth_of_the_blind_index_keys_as_distinct():
    """The migration core/0003: with ANALYZE's own estimate a lookup of a
    batch's keys scanned the whole index (docs/benchmarks.md, 2026-12-05)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attoptions FROM pg_attribute"
            " WHERE attrelid = 'core_blindindex'::regclass AND attname = 'key'"
        )
        (options,) = cursor.fetchone()
    assert "n_distinct=-0.1" in options


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's settings")
def test_sqlite_settings_hold_inside_the_block_and_are_put_back():
    def read() -> dict[str, int]:
        out = {}
        with connection.cursor() as cursor:
            for name in bulkload.SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {name}")
                row = cursor.fetchone()
                if row is not None:
                    out[name] = row[0]
        return out

    before = read()
    assert before["cache_size"] != bulkload.SQLITE_PRAGMAS["cache_size"]
    with sqlite_bulk_settings():
        inside = read()
        assert inside["cache_size"] == bulkload.SQLITE_PRAGMAS["cache_size"]
        assert (
            inside["wal_autocheckpoint"]
            == bulkload.SQLITE_PRAGMAS["wal_autocheckpoint"]
        )
    assert read() == before
    with pytest.raises(RuntimeError), sqlite_bulk_settings():
        raise RuntimeError("the load failed")
    assert read() == before  # put back on failure too


def _wal_database(path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=0, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # only the copier copies
    db.execute("CREATE TABLE t (n INTEGER, pad BLOB)")
    return db


def _in_the_file(path, tmp_path) -> int:
    """Rows of ``t`` in the database file itself: the file copied alone,
    without its log, and read (what no checkpoint has copied is not
    there)."""
    alone = tmp_path / "alone.sqlite3"
    shutil.copyfile(path, alone)
    db = sqlite3.connect(alone)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone():
            return 0  # not even the table is in the file yet
        return db.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        db.close()


def test_the_log_copier_copies_committed_batches_while_the_writer_goes_on(tmp_path):
    path = str(tmp_path / "bulk.sqlite3")
    db = _wal_database(path)
    copier = bulkload.LogCopier.running(path, synchronous=1)
    try:
        # The writer never waits (timeout 0): a passive checkpoint blocks
        # no writer, so no commit here is refused as busy.
        for batch in range(20):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO t VALUES (?, randomblob(2000))",
                [(batch * 100 + i,) for i in range(100)],
            )
            db.execute("COMMIT")
        deadline = time.monotonic() + 10
        while copier.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        copier.stop()
    assert copier.error is None
    assert copier.checkpoints >= 1
    assert not copier._thread.is_alive()
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 2000
    assert _in_the_file(path, tmp_path) > 0
    db.close()


def test_the_log_copier_leaves_nothing_behind_once_the_writer_stops(tmp_path):
    path = str(tmp_path / "bulk.sqlite3")
    db = _wal_database(path)
    db.executemany(
        "INSERT INTO t VALUES (?, randomblob(4000))", [(i,) for i in range(500)]
    )
    assert _in_the_file(path, tmp_path) == 0  # all of it still in the log
    copier = bulkload.LogCopier.running(path, synchronous=1)
    try:
        deadline = time.monotonic() + 10
        while copier.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        copier.stop()
    assert _in_the_file(path, tmp_path) == 500
    db.close()


def test_no_copier_without_a_log_to_copy():
    # The suite's SQLite database is in memory; PostgreSQL has no such log.
    before = {t.name for t in threading.enumerate()}
    with sqlite_bulk_settings(copy_log=True):
        started = {t.name for t in threading.enumerate()} - before
    assert "sqlite-log-copier" not in started
    if connection.vendor == "sqlite":
        assert bulkload.LogCopier.start(connection) is None


def test_a_copier_that_cannot_open_its_file_ends_and_says_why(tmp_path):
    copier = bulkload.LogCopier.running(str(tmp_path / "no" / "such.db"), synchronous=1)
    copier.stop()
    assert isinstance(copier.error, sqlite3.Error)
