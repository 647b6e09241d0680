"""What the benchmarks ran on: enough to compare figures between machines."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _meminfo_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    """One-minute load average; other work on the machine skews timings."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _reference_work() -> int:
    """A fixed piece of the kind of Python work a request or an erasure
    does (objects with attributes, dicts, string formatting and joining,
    short keyed hashes), about 0.1 s on a 2026 server core."""
    total = 0

    class Row:
        __slots__ = ("pk", "name", "values")

        def __init__(self, pk: int, name: str, values: dict[str, int]) -> None:
            self.pk = pk
            self.name = name
            self.values = values

    for i in range(20_000):
        row = Row(i, f"person-{i:06d}", {"a": i, "b": i * 2, "c": i % 7})
        text = ",".join(f"{k}={v}" for k, v in sorted(row.values.items()))
        digest = hashlib.sha256(f"{row.name}|{text}".encode()).digest()
        total += digest[0] + len(text) + row.values["c"]
    return total


def cpu_reference(repeats: int = 5) -> float:
    """Milliseconds of :func:`_reference_work` (the median of ``repeats``),
    one core, in this process: how fast this machine runs Python now.

    The targets are rates on whatever machine runs the bench, and the
    machines this project has been measured on differ by half between
    sessions and by a third within an hour (docs/benchmarks.md). A figure
    measured beside each run says which of two runs had the faster machine;
    it does not make one machine's rates another's."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        _reference_work()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1e3, 1)


def _process_write_bytes() -> int | None:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class WriteMeter:
    """Bytes a step made the database write: on PostgreSQL the WAL the
    server logged meanwhile (``pg_current_wal_insert_lsn``, the whole
    server's: nothing else should run), on SQLite what this process sent
    to disk (``/proc/self/io``, Linux: the log and the checkpoints' copies).

    Unlike a rate, the figure does not move with the machine's speed:
    two runs of the same code on the same register write about the same,
    so a change of the write path shows in it when the rates' spread
    hides it (docs/benchmarks.md)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.start = self._now()

    def _now(self) -> Any:
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()")
                return cursor.fetchone()[0]
        return _process_write_bytes()

    def written(self) -> int | None:
        """Bytes since the meter was made (None where it cannot tell)."""
        if self.start is None:
            return None
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)",
                    [self.start],
                )
                return int(cursor.fetchone()[0])
        now = _process_write_bytes()
        return None if now is None else now - self.start


def kb_each(written: int | None, count: int) -> float | None:
    """:meth:`WriteMeter.written` over ``count`` items, in kB (None where
    nothing was measured or counted)."""
    if written is None or not count:
        return None
    return round(written / count / 1e3, 1)


def describe(postgres_version: str | None) -> dict[str, Any]:
    import django

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _meminfo_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
        "cpu_reference_ms": cpu_reference(),
    }
