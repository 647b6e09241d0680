"""Seed a fresh register and measure the rate (inside a configured Django)."""

from __future__ import annotations

import sys
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

from benchmarks.machine import WriteMeter, kb_each
from rekisteri.demo import register as demo

PERSONS_PER_ORGANIZATION = 5


def seed_register(persons: int, *, batch_size: int = demo.DEFAULT_BATCH) -> dict:
    """Seed ``persons`` persons and a fifth as many organizations."""
    samples: list[tuple[int, float]] = [(0, 0.0)]

    def progress(p: demo.Progress) -> None:
        samples.append((p.persons, p.seconds))
        # One line per tenth of the run keeps the log short at 1M persons.
        step = max(1, p.batches // 10)
        if p.batch % step == 0 or p.batch == p.batches:
            print(
                f"    seeded {p.persons:,} persons, "
                f"{p.persons_per_second:,.0f} persons/s",
                file=sys.stderr,
                flush=True,
            )

    meter = WriteMeter(connections[DEFAULT_DB_ALIAS])
    result = demo.seed(
        organizations=persons // PERSONS_PER_ORGANIZATION,
        persons=persons,
        batch_size=batch_size,
        progress=progress,
    )
    # The rate over the last tenth shows how seeding slows as the register
    # grows; the average hides it.
    start = [x for x in samples if x[0] <= persons * 0.9][-1]
    end = samples[-1]
    at_end = (end[0] - start[0]) / (end[1] - start[1]) if end[1] > start[1] else 0
    return {
        "organizations": result.organizations,
        "persons": result.persons,
        "rows": result.rows,
        "seconds": round(result.seconds, 2),
        "persons_per_second": round(result.persons_per_second),
        "persons_per_second_at_end": round(at_end),
        "batch_size": batch_size,
        # What a person cost the disk (PostgreSQL's WAL, SQLite's writes), a
        # figure that does not move with the machine's speed as the rate does.
        "written_kb_per_person": kb_each(meter.written(), result.persons),
    }


def settle() -> dict[str, Any]:
    """Bring the database to the state a running installation would be in.

    PostgreSQL: VACUUM ANALYZE, which autovacuum does on its own shortly
    after a bulk load, in the register's database and in the key store's
    (a database of its own: the erasure's, the retention recompute's and
    the search's key reads are planned from its statistics too; left
    unanalyzed, a batch's read of 500 keys was a nested loop over every
    key, 34 ms at 10,000 persons against 1.2 ms). SQLite: fold the
    write-ahead logs back into the files; no ANALYZE, because the
    application never runs one.
    """
    from rekisteri.core.keyring import KEYSTORE_DB

    # The settings always configure the key store (rekisteri/settings.py).
    for alias in (DEFAULT_DB_ALIAS, KEYSTORE_DB):
        with connections[alias].cursor() as cursor:
            if connections[alias].vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute(
                "SELECT page_count * page_size FROM pragma_page_count(), "
                "pragma_page_size()"
            )
        (size,) = cursor.fetchone()
    result: dict[str, Any] = {"database_mib": round(size / 1024 / 1024)}
    if connection.vendor == "postgresql":
        result["postgres_settings"] = postgres_settings()
    return result


# What the report names of the server a PostgreSQL run ran on.
REPORTED_SETTINGS = (
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "random_page_cost",
    "max_wal_size",
    "checkpoint_timeout",
    "synchronous_commit",
    "jit",
)


def postgres_settings() -> dict[str, str]:
    """The settings in force for this connection (server and database)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [list(REPORTED_SETTINGS)],
        )
        found = dict(cursor.fetchall())
    return {name: found[name] for name in REPORTED_SETTINGS if name in found}
