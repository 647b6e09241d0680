"""The backup benchmark's report and its peak-memory helpers.

The benchmark itself runs for minutes (``make bench``); these check, from a
fixed set of figures, that the table says what the figures say, and that
the memory readings see a child's allocation and a program it starts.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import backup, domains


def _op(seconds: float, snapshot: int, peak: float, tools: float = 0.0) -> dict:
    return {
        "archive_bytes": snapshot + 2000,
        "snapshot_bytes": snapshot,
        "seconds": seconds,
        "self_peak_mb": peak,
        "programs_peak_mb": {"pg_dump": tools} if tools else {},
        "tools_peak_mb": tools,
        "wall_seconds": seconds + 1,
        "process_peak_mb": peak,
    }


def _run(size: int, database: int, peak: float, tools: float = 0.0) -> dict:
    return {
        "size": size,
        "seed": {"persons": size},
        "database_bytes": database,
        "keys_database_bytes": database // 10,
        "idle": {"self_peak_mb": 72.0, "tools_peak_mb": 0.0},
        "operations": {
            "create": _op(1.0, database, peak, tools),
            "verify": _op(0.5, database, 74.0),
            "restore": _op(2.0, database, 75.0, tools),
            "keys": _op(0.1, database // 10, 73.0, tools),
        },
    }


RESULT = {
    "benchmark": "backup",
    "database": "sqlite",
    "date": "2026-11-28 18:00 UTC",
    "runs": [_run(100_000, 400_000_000, 82.0), _run(20_000, 80_000_000, 80.0)],
}


def test_figures_rate_per_database_and_memory_above_idle() -> None:
    run = _run(20_000, 80_000_000, 80.0, tools=11.0)
    create = backup.figures(run, "create")
    assert create["mb_per_s"] == 80.0
    assert create["above_idle_mb"] == 8.0
    assert create["total_above_idle_mb"] == 19.0
    # verify reads the archive only: its rate is per MB of snapshot.
    run["operations"]["verify"]["snapshot_bytes"] = 10_000_000
    assert backup.figures(run, "verify")["mb_per_s"] == 20.0
    assert backup.figures(run, "restore")["mb_per_s"] == 40.0


def test_growth_is_largest_minus_smallest_whatever_the_order() -> None:
    growth = backup.memory_growth(RESULT)
    assert growth == {"create": 2.0, "verify": 0.0, "restore": 0.0, "keys": 0.0}


def test_table_columns_per_size_and_targets() -> None:
    text = backup.table(RESULT)
    lines = text.splitlines()
    assert lines[0] == "| Measure | 20,000 persons | 100,000 persons | Target |"
    create = next(line for line in lines if line.startswith("| `backup create` |"))
    assert "1.00 s, 80.0 MB/s" in create and "400.0 MB/s" in create
    assert "(met)" in create and "of dump" not in create
    memory = next(line for line in lines if "above idle, `backup create` |" in line)
    assert "| 8.0 MB | 10.0 MB |" in memory
    assert "growth < 16 MB: +2.0 MB (met)" in memory


def test_table_marks_misses() -> None:
    slow = copy.deepcopy(RESULT)
    big = next(r for r in slow["runs"] if r["size"] == 100_000)
    big["operations"]["restore"]["seconds"] = 80.0  # 5 MB/s
    big["operations"]["verify"]["self_peak_mb"] = 100.0  # +26 MB over 20,000
    text = backup.table(slow)
    restore = next(line for line in text.splitlines() if "| `backup restore` |" in line)
    assert "5.0 MB/s" in restore and "(MISSED)" in restore
    assert "growth < 16 MB: +26.0 MB (MISSED)" in text


def test_postgresql_table_shows_the_dump_rate_and_the_program() -> None:
    pg = {
        **RESULT,
        "database": "postgresql",
        "runs": [
            _run(20_000, 80_000_000, 80.0, tools=11.0),
            _run(100_000, 400_000_000, 81.0, tools=12.0),
        ],
    }
    text = backup.table(pg)
    assert "(`pg_dump -Fc`)" in text
    assert "(80.0 of dump)" in text
    assert "19.0 MB (8.0 + pg_dump 11.0)" in text
    assert "(3.0 + pg_restore 12.0)" in text


def test_domains_markdown_has_the_backup_section(tmp_path: Path) -> None:
    (tmp_path / "backup-sqlite.json").write_text(json.dumps(RESULT))
    text = domains.markdown(tmp_path)
    assert "## Backup and restore" in text
    assert "### sqlite, 2026-11-28 18:00 UTC" in text
    assert backup.table(RESULT) in text


def test_maxrss_unit() -> None:
    expected = 1.0 if sys.platform == "darwin" else 1024.0
    assert backup.maxrss_mb(1_000_000) == expected


PEAK = "from benchmarks import backup; {}print(backup.own_peak_mb())"


def _own_peak(allocate: str = "") -> float:
    done = subprocess.run(
        [sys.executable, "-c", PEAK.format(allocate)],
        check=True,
        capture_output=True,
        text=True,
        cwd=backup.ROOT,
    )
    return float(done.stdout)


def test_own_peak_sees_an_allocation() -> None:
    touched = "b = bytearray(64 * 1024 * 1024); b[::4096] = b'x' * 16384; "
    assert _own_peak(touched) - _own_peak() > 60


def test_run_measured_exit_status_and_peak() -> None:
    ok = backup.run_measured([sys.executable, "-c", "b = bytearray(1 << 20)"])
    failed = backup.run_measured([sys.executable, "-c", "raise SystemExit(3)"])
    assert ok.returncode == 0 and failed.returncode == 3
    assert ok.peak_mb > 1


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_child_peaks_counts_a_started_program() -> None:
    with backup.ChildPeaks(interval=0.005) as programs:
        subprocess.run(["sleep", "0.3"], check=True)  # noqa: S607 - test helper
    assert programs.peaks.get("sleep", 0) > 0
    # The interpreter itself, forked before exec, is never counted.
    assert all(
        name != Path("/proc/self/comm").read_text().strip() for name in programs.peaks
    )
