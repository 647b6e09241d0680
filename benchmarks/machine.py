"""What the benchmarks ran on: enough to compare figures between machines."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import sys
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
    }
