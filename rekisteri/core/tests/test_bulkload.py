"""A long load's SQLite settings and PostgreSQL statistics (core/bulkload.py)."""

from __future__ import annotations

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
