"""Backup and restore benchmark: throughput and peak memory of ``backup``.

    python -m benchmarks.backup [--sizes 20000,100000] [--database sqlite|postgresql]
                                [--pg-name rekisteri_bench_backup] [--out FILE]

For each register size, a fresh database and key store (SQLite files under
var/bench/, or the PostgreSQL databases ``--pg-name`` and ``<name>_keys``)
are seeded with the demo register (``rekisteri.demo.register.seed``), then
every operation runs in a process of its own, through the functions behind
``manage.py backup`` (``rekisteri.core.backup.ops``):

* ``create``: snapshot, encrypt and write the data archive, then read it back
  and authenticate it (what ``backup create`` does);
* ``verify``: authenticate every byte of that archive;
* ``restore``: verify, decrypt and load the archive into the same database
  (SQLite: a copy swapped in; PostgreSQL: ``pg_restore`` into a scratch
  database that is renamed into place), then replay the erasure ledger;
* ``create --keys``: the key-store archive.

Throughput is the database's size (the key store's for ``--keys``) over
the operation's time, measured inside the process; the rate of the snapshot
(the SQLite file itself, or ``pg_dump``'s compressed custom format) is kept
as well. Memory is each process's peak resident set, read when it ends,
against the peak of an idle process of the same run (``django.setup()``,
the backup code imported, both databases connected). The PostgreSQL client
program an operation starts (``pg_dump``, ``pg_restore``) runs beside it:
its peak is polled from /proc and added. Two sizes show whether memory
grows with the database: it must not (constant memory: the larger register
may cost at most ``GROWTH_LIMIT_MB`` more than the smaller one, for every
operation).

Prints a Markdown table and writes the raw figures to ``--out``
(var/bench/backup-<vendor>.json); the archives are deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = "rekisteri_bench_backup"  # its own, so it never drops the main bench's
OPERATIONS = ("create", "verify", "restore", "keys")
LABELS = {
    "create": "`backup create`",
    "verify": "`backup verify`",
    "restore": "`backup restore`",
    "keys": "`backup create --keys`",
}
MB = 1_000_000  # as `manage.py backup` prints sizes
THROUGHPUT_TARGET = 10.0  # MB/s: "tens of MB/s"
GROWTH_LIMIT_MB = 16.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Peak memory of a child process
# --------------------------------------------------------------------------


def maxrss_mb(maxrss: int) -> float:
    """``ru_maxrss`` in MB: kilobytes on Linux, bytes on macOS."""
    unit = 1 if sys.platform == "darwin" else 1024
    return round(maxrss * unit / MB, 1)


def own_peak_mb() -> float:
    """This process's peak RSS since it started its program.

    VmHWM belongs to the address space ``exec`` made, so it counts only what
    this program used. ``ru_maxrss`` is the fallback where /proc is missing;
    on Linux it also keeps the high-water mark of the process this one was
    forked from, so a child of a large process never reads smaller than it.
    """
    found = _vm_hwm_mb(os.getpid())
    if found:
        return found[1]
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


@dataclass(frozen=True)
class Measured:
    """A finished child: exit status, wall time and peak RSS.

    ``peak_mb`` is ``ru_maxrss`` as ``wait4`` reports it for that child: the
    larger of its peak and that of the largest process it waited for (not
    their sum), and never less than the parent's size when it forked (see
    :func:`own_peak_mb`). The benchmark's parent imports no Django, so it
    stays far below its children; their exact peaks come from the children
    themselves.
    """

    returncode: int
    seconds: float
    peak_mb: float


def run_measured(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 3600,
    log_path: Path | None = None,
) -> Measured:
    """Run ``command`` and read its peak RSS when it ends.

    ``wait4`` on the child's own pid gives that child's usage alone, where
    ``RUSAGE_CHILDREN`` would be the maximum over every child so far.
    """
    out = log_path.open("ab") if log_path else subprocess.DEVNULL
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]
    # Popen must not wait for the pid reaped above.
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=proc.returncode,
        seconds=round(time.monotonic() - started, 2),
        peak_mb=maxrss_mb(usage.ru_maxrss),
    )


def _vm_hwm_mb(pid: int) -> tuple[str, float] | None:
    """Program name and peak RSS (VmHWM) of a live process, or None."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return comm, round(int(line.split()[1]) * 1024 / MB, 1)
    except (OSError, ValueError):
        pass
    return None


class ChildPeaks:
    """Peak RSS of the programs this process starts, polled from /proc.

    ``RUSAGE_CHILDREN`` cannot be used for them: a child's ``ru_maxrss``
    keeps the high-water mark of the Python process it was forked from, so
    ``pg_dump`` would look as large as the interpreter. After ``exec`` a
    program's own VmHWM starts afresh; it only grows, so the last reading
    before the program ends is its peak (to within one polling interval).
    Only processes running another program than this one are counted.
    """

    def __init__(self, interval: float = 0.01) -> None:
        import threading

        self.interval = interval
        self.peaks: dict[str, float] = {}
        self._own = Path("/proc/self/comm").read_text().strip()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _children(self) -> set[int]:
        pids: set[int] = set()
        for children in Path("/proc/self/task").glob("*/children"):
            try:
                pids.update(int(p) for p in children.read_text().split())
            except (OSError, ValueError):
                continue
        return pids

    def _poll(self) -> None:
        while not self._stop.is_set():
            for pid in self._children():
                found = _vm_hwm_mb(pid)
                if found and found[0] != self._own:
                    name, mb = found
                    self.peaks[name] = max(self.peaks.get(name, 0.0), mb)
            self._stop.wait(self.interval)

    def __enter__(self) -> ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------


class _PostgresBackupDatabase:
    """Fresh PostgreSQL databases for this benchmark only.

    A restore also makes ``<name>_restore`` and ``<name>_pre_restore`` for a
    moment; a run that was killed may leave them, so they are dropped too.
    """

    vendor = "postgresql"

    def __init__(self, name: str) -> None:
        from benchmarks.databases import POSTGRES_ADMIN_URL

        self.name = name
        self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        self.keys_url = self.url + "_keys"

    def _names(self) -> list[str]:
        return [
            f"{base}{suffix}"
            for base in (self.name, f"{self.name}_keys")
            for suffix in ("", "_restore", "_pre_restore")
        ]

    def drop(self) -> None:
        from benchmarks.databases import _postgres_admin

        _postgres_admin(
            *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self._names())
        )

    def create(self) -> None:
        from benchmarks.databases import _postgres_admin

        self.drop()
        _postgres_admin(
            f'CREATE DATABASE "{self.name}"', f'CREATE DATABASE "{self.name}_keys"'
        )


def _database(vendor: str, size: int, var_dir: Path, pg_name: str) -> Any:
    from benchmarks import databases

    if vendor == "postgresql":
        return _PostgresBackupDatabase(pg_name)
    path = (var_dir / f"backup-{size}.sqlite3").resolve()
    return databases.BenchDatabase("sqlite", f"sqlite:///{path}", path)


# --------------------------------------------------------------------------
# One operation (inside its own process)
# --------------------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    import django

    django.setup()
    from rekisteri.core.backup import ops  # noqa: F401 - loaded by every operation


def _database_bytes(alias: str) -> int:
    from django.db import connections

    con = connections[alias]
    with con.cursor() as cursor:
        if con.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute(
                "SELECT page_count * page_size FROM pragma_page_count(), "
                "pragma_page_size()"
            )
        return int(cursor.fetchone()[0])


def _seed(size: int) -> dict[str, Any]:
    """Migrate, seed ``size`` persons and settle; the databases' sizes."""
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    _setup()
    from django.core.management import call_command

    from benchmarks import seeding
    from rekisteri.keystore.router import KEYSTORE_DB

    call_command("migrate_all", verbosity=0)
    seed = seeding.seed_register(size)
    seeding.settle()
    return {
        "seed": seed,
        "database_bytes": _database_bytes("default"),
        "keys_database_bytes": _database_bytes(KEYSTORE_DB),
    }


def _idle() -> dict[str, Any]:
    """The baseline: ready to work, nothing done."""
    _setup()
    from django.db import connections

    for con in connections.all():
        con.ensure_connection()
    return {}


def _archive_figures(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "archive": str(path),
        "archive_bytes": path.stat().st_size,
        "snapshot_bytes": manifest["snapshot_size"],
    }


def run_operation(args: argparse.Namespace) -> dict[str, Any]:
    """One operation, timed; this process's peak and its programs' peaks."""
    if args.op == "seed":
        return _seed(args.size)
    with ChildPeaks() as programs:
        result = _idle() if args.op == "idle" else _timed_operation(args)
    result["self_peak_mb"] = own_peak_mb()
    # pg_dump / pg_restore run beside this process (one at a time).
    result["programs_peak_mb"] = programs.peaks
    result["tools_peak_mb"] = max(programs.peaks.values(), default=0.0)
    return result


def _timed_operation(args: argparse.Namespace) -> dict[str, Any]:
    _setup()
    from rekisteri.core.backup import ops

    started = time.perf_counter()
    if args.op in ("create", "keys"):
        kind = "keys" if args.op == "keys" else "data"
        path, manifest = ops.create(kind, args.dir)
        seconds = time.perf_counter() - started
        result = _archive_figures(path, manifest)
    elif args.op == "verify":
        manifest = ops.verify(args.archive)
        seconds = time.perf_counter() - started
        result = _archive_figures(args.archive, manifest)
    else:
        report = ops.restore(args.archive)
        seconds = time.perf_counter() - started
        if report.mismatched:
            raise SystemExit(f"restored row counts differ: {report.mismatched}")
        result = {"tables": len(report.tables)}
    result["seconds"] = round(seconds, 3)
    return result


# --------------------------------------------------------------------------
# One size (in the benchmark's process)
# --------------------------------------------------------------------------


def _child(
    op: str, env: dict[str, str], work: Path, timeout: float, **extra: Any
) -> dict[str, Any]:
    out = work / f"{op}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.backup", "--op", op, "--out", str(out)]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    output = work / f"{op}.log"
    measured = run_measured(command, env=env, timeout=timeout, log_path=output)
    if measured.returncode != 0 or not out.exists():
        # The work directory goes with the databases: show the end here.
        log(output.read_text(errors="replace")[-3000:])
        raise RuntimeError(f"{op} failed (exit status {measured.returncode})")
    result = json.loads(out.read_text())
    out.unlink()
    result["wall_seconds"] = measured.seconds
    result["process_peak_mb"] = measured.peak_mb
    return result


def measure_size(vendor: str, size: int, var_dir: Path, pg_name: str) -> dict[str, Any]:
    """A fresh register of ``size`` persons: seed it, then each operation."""
    db = _database(vendor, size, var_dir, pg_name)
    work = var_dir / f"backup-{vendor}-{size}"
    shutil.rmtree(work, ignore_errors=True)
    archives = work / "archives"
    archives.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "KEYSTORE_DATABASE_URL": db.keys_url,
        "REKISTERI_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "rekisteri.settings",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    timeout = 900 + size / 50
    db.create()
    try:
        log(f"  seeding {size:,} persons")
        run: dict[str, Any] = {"size": size}
        seeded = _child("seed", env, work, timeout, size=size)
        run["seed"] = seeded["seed"]
        run["database_bytes"] = seeded["database_bytes"]
        run["keys_database_bytes"] = seeded["keys_database_bytes"]
        log("  idle process")
        run["idle"] = _child("idle", env, work, timeout)
        ops: dict[str, Any] = {}
        log("  create")
        ops["create"] = _child("create", env, work, timeout, dir=archives)
        archive = ops["create"].pop("archive")
        log("  verify")
        ops["verify"] = _child("verify", env, work, timeout, archive=archive)
        ops["verify"].pop("archive")
        log("  restore")
        ops["restore"] = _child("restore", env, work, timeout, archive=archive)
        ops["restore"]["snapshot_bytes"] = ops["create"]["snapshot_bytes"]
        log("  create --keys")
        ops["keys"] = _child("keys", env, work, timeout, dir=archives)
        ops["keys"].pop("archive")
        run["operations"] = ops
    finally:
        db.drop()
        shutil.rmtree(work, ignore_errors=True)
    return run


# --------------------------------------------------------------------------
# Figures and report
# --------------------------------------------------------------------------


def figures(run: dict[str, Any], op: str) -> dict[str, float]:
    """Derived figures of one operation: MB/s and memory above idle.

    Rates are per MB of the database the archive holds (the key store for
    ``keys``): what an operator knows of the register. ``verify`` reads the
    archive only, so its rate is per MB of snapshot; the snapshot rate is
    kept for the others too (lower on PostgreSQL, whose custom-format dump
    is compressed).
    """
    o = run["operations"][op]
    database = run["keys_database_bytes" if op == "keys" else "database_bytes"] / MB
    snapshot = o.get("snapshot_bytes", 0) / MB
    seconds = o["seconds"]
    above = round(o["self_peak_mb"] - run["idle"]["self_peak_mb"], 1)
    tools = o.get("tools_peak_mb", 0.0)
    basis = snapshot if op == "verify" else database
    return {
        "seconds": seconds,
        "database_mb": round(database, 1),
        "snapshot_mb": round(snapshot, 1),
        "mb_per_s": round(basis / seconds, 1) if seconds else 0.0,
        "snapshot_mb_per_s": round(snapshot / seconds, 1) if seconds else 0.0,
        "above_idle_mb": above,
        "tools_mb": tools,
        "total_above_idle_mb": round(above + tools, 1),
    }


def memory_growth(result: dict[str, Any]) -> dict[str, float]:
    """Per operation: peak above idle at the largest size minus the smallest."""
    runs = sorted(result["runs"], key=lambda r: r["size"])
    if len(runs) < 2:
        return {}
    small, large = runs[0], runs[-1]
    return {
        op: round(
            figures(large, op)["total_above_idle_mb"]
            - figures(small, op)["total_above_idle_mb"],
            1,
        )
        for op in OPERATIONS
    }


def _mb(n: float) -> str:
    return f"{n / MB:,.1f} MB"


def _seconds(s: float) -> str:
    return f"{s:.3f} s" if s < 1 else f"{s:.2f} s" if s < 10 else f"{s:,.1f} s"


def table(result: dict[str, Any]) -> str:
    """The Markdown table of one database: a column per register size."""
    runs = sorted(result["runs"], key=lambda r: r["size"])
    pg = result["database"] == "postgresql"
    head = "| Measure | " + " | ".join(f"{r['size']:,} persons" for r in runs)
    lines = [head + " | Target |", "|---|" + "---:|" * len(runs) + "---|"]

    def row(label: str, cells: list[str], target: str = "") -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row(
        "Database, key store",
        [f"{_mb(r['database_bytes'])}, {_mb(r['keys_database_bytes'])}" for r in runs],
    )
    row(
        "Data snapshot" + (" (`pg_dump -Fc`)" if pg else "") + ", archive",
        [
            f"{_mb(r['operations']['create']['snapshot_bytes'])}, "
            f"{_mb(r['operations']['create']['archive_bytes'])}"
            for r in runs
        ],
    )
    largest = runs[-1]

    def rate(r: dict[str, Any], op: str) -> str:
        f = figures(r, op)
        text = f"{_seconds(f['seconds'])}, {f['mb_per_s']:,} MB/s"
        dump = pg and op != "verify"
        return text + (f" ({f['snapshot_mb_per_s']:,} of dump)" if dump else "")

    for op in ("create", "verify", "restore"):
        met = figures(largest, op)["mb_per_s"] >= THROUGHPUT_TARGET
        row(
            LABELS[op] + (" (MB/s of snapshot)" if op == "verify" else ""),
            [rate(r, op) for r in runs],
            f"≥ {THROUGHPUT_TARGET:g} MB/s ({'met' if met else 'MISSED'})",
        )
    row(LABELS["keys"], [rate(r, "keys") for r in runs])
    row("Idle process peak RSS", [f"{r['idle']['self_peak_mb']} MB" for r in runs])
    growth = memory_growth(result)
    for op in OPERATIONS:
        cells = []
        for r in runs:
            f = figures(r, op)
            tool = "pg_restore" if op == "restore" else "pg_dump"
            detail = f" ({f['above_idle_mb']} + {tool} {f['tools_mb']})"
            shown = pg and op != "verify"  # verify starts no program
            cells.append(f"{f['total_above_idle_mb']} MB" + (detail if shown else ""))
        target = ""
        if op in growth:
            met = growth[op] < GROWTH_LIMIT_MB
            target = (
                f"growth < {GROWTH_LIMIT_MB:g} MB: {growth[op]:+} MB "
                f"({'met' if met else 'MISSED'})"
            )
        row(f"Peak RSS above idle, {LABELS[op]}", cells, target)
    return "\n".join(lines)


def report(result: dict[str, Any]) -> str:
    return f"### {result['database']}, {result['date']}\n\n{table(result)}\n"


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="20000,100000", help="Persons, two or more sizes."
    )
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql"], default="sqlite"
    )
    parser.add_argument(
        "--pg-name", default=PG_NAME, help="PostgreSQL database to create and drop."
    )
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=None)
    # One operation in a child process (used by the benchmark itself).
    parser.add_argument(
        "--op", choices=["seed", "idle", *OPERATIONS], help=argparse.SUPPRESS
    )
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.op:
        result = run_operation(args)
        args.out.write_text(json.dumps(result, indent=2))
        return
    from benchmarks.machine import load_average

    var_dir = args.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = args.out or var_dir / f"backup-{args.database}.json"
    result: dict[str, Any] = {
        "benchmark": "backup",
        "database": args.database,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": load_average(),
        "runs": [],
    }
    for size in sizes:
        log(f"{args.database}, {size:,} persons")
        result["runs"].append(measure_size(args.database, size, var_dir, args.pg_name))
    result["load_average_end"] = load_average()
    result["memory_growth_mb"] = memory_growth(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(report(result))


if __name__ == "__main__":
    main()
