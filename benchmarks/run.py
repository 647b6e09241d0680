"""``make bench``: fresh registers of each size on SQLite and PostgreSQL.

    python -m benchmarks.run --sizes 10000,100000 [--databases sqlite,postgresql]
                             [--modes encrypted,plaintext]

Runs each database and size one after another, each in its own process with
a time limit: first the register as shipped (encrypted), then the same
register without per-person encryption (plaintext, :mod:`benchmarks.plaintext`)
as the baseline, each on a fresh database with the same seed. Keeps the raw
figures in var/bench/results.json (merged with earlier runs of other sizes and
modes) and rewrites docs/benchmarks.md from them.
PostgreSQL is skipped, with a note, when 127.0.0.1:5432 does not answer.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import carry, databases, plaintext, report
from benchmarks.machine import describe

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ("sqlite", "postgresql")
MODES = ("encrypted", "plaintext")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="Persons per run.")
    parser.add_argument("--databases", default=",".join(VENDORS))
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="encrypted (as shipped), plaintext (the baseline), or both.",
    )
    parser.add_argument(
        "--seed-batch", type=int, default=5000, help="Persons per seeding batch."
    )
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--http-duration", type=int, default=10, help="Seconds.")
    parser.add_argument("--http-connections", type=int, default=8)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the databases afterwards."
    )
    parser.add_argument(
        "--pg-cluster",
        action="store_true",
        help=(
            "PostgreSQL on a cluster of the bench's own with the server "
            "settings of docs/operations.md (benchmarks/pgcluster.py), not the "
            "machine's shared server."
        ),
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="Rewrite the report from results.json without measuring.",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - set(VENDORS)
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(args.modes) - set(MODES)
    if unknown or not args.modes:
        parser.error(f"unknown modes: {', '.join(sorted(unknown)) or '(none)'}")
    # Encrypted first, whatever order was given: the report reads the pair.
    args.modes = [m for m in MODES if m in args.modes]
    return args


def time_limit(size: int) -> int:
    """Seconds a case may take: generous, but a hung run still ends."""
    return 900 + size // 100


def run_case(
    db: databases.BenchDatabase, size: int, mode: str, args: argparse.Namespace
) -> dict:
    out = args.var_dir / f"case-{db.vendor}-{size}-{mode}.json"
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "KEYSTORE_DATABASE_URL": db.keys_url,
        "REKISTERI_VAR_DIR": str(args.var_dir.resolve()),
        "DJANGO_SETTINGS_MODULE": "rekisteri.settings",
    }
    # The plaintext baseline is enabled only here, for the case process and
    # the gunicorn it starts; never inherited by an encrypted case.
    env.pop(plaintext.ENV, None)
    if mode == "plaintext":
        env[plaintext.ENV] = "1"
    command = [
        sys.executable,
        "-m",
        "benchmarks.case",
        f"--size={size}",
        f"--out={out}",
        f"--seed-batch={args.seed_batch}",
        f"--iterations={args.iterations}",
        f"--warmup={args.warmup}",
        f"--http-duration={args.http_duration}",
        f"--http-connections={args.http_connections}",
    ]
    if mode == "plaintext":
        command.append("--plaintext")
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
    try:
        returncode = proc.wait(timeout=time_limit(size))
    except subprocess.TimeoutExpired:
        # SIGTERM first: the case stops its gunicorn on the way out.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return failed(db, size, mode, f"stopped after the {time_limit(size)} s limit")
    except BaseException:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        raise
    if returncode != 0 or not out.exists():
        return failed(db, size, mode, f"the run failed (exit status {returncode})")
    result = json.loads(out.read_text())
    out.unlink()
    result["wall_seconds"] = round(time.monotonic() - started)
    return result


def failed(
    db: databases.BenchDatabase, size: int, mode: str, why: str
) -> dict[str, Any]:
    return {"database": db.vendor, "size": size, "mode": mode, "failed": why}


def load_results(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"runs": []}


def store(results: dict[str, Any], run: dict[str, Any]) -> None:
    """Replace the earlier run of the same database, size and mode.

    Runs stored before the plaintext baseline existed have no "mode" and
    count as encrypted.
    """

    def key(r: dict[str, Any]) -> tuple[str, int, str]:
        return (r["database"], r["size"], report.mode_of(r))

    runs = [r for r in results["runs"] if key(r) != key(run)]
    runs.append(run)
    runs.sort(
        key=lambda r: (
            VENDORS.index(r["database"]),
            r["size"],
            MODES.index(report.mode_of(r)),
        )
    )
    results["runs"] = runs


def run_one(
    vendor: str,
    size: int,
    mode: str,
    pg_version: str | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One database, size and mode on a database created for it alone."""
    print(f"{vendor}, {size:,} persons, {mode}", flush=True)
    if vendor == "postgresql" and pg_version is None:
        run = {
            "database": vendor,
            "size": size,
            "mode": mode,
            "skipped": f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}",
        }
        print(f"  skipped: {run['skipped']}", flush=True)
        return run
    db = (
        databases.sqlite_database(args.var_dir, size)
        if vendor == "sqlite"
        else databases.postgres_database()
    )
    db.create()
    try:
        run = run_case(db, size, mode, args)
    finally:
        if not args.keep:
            db.drop()
    print(f"  {report.one_line(run)}", flush=True)
    return run


def write_report(path: Path, results: dict[str, Any]) -> None:
    """Rewrite the page from the results, keeping what the results lack:
    other sizes, other domains, hand-written sections (:mod:`.carry`)."""
    old = path.read_text() if path.exists() else ""
    path.write_text(carry.carry_page(old, report.render(results)))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    results_path = args.var_dir / "results.json"
    results = load_results(results_path)
    if args.report_only:
        write_report(args.docs, results)
        print(f"Report: {args.docs}")
        return
    if args.pg_cluster and "postgresql" in args.databases:
        from benchmarks import pgcluster

        try:
            databases.POSTGRES_ADMIN_URL = pgcluster.ensure()
            databases.APPLY_DATABASE_SETTINGS = False
        except pgcluster.ClusterUnavailable as exc:
            raise SystemExit(f"--pg-cluster: {exc}") from None
    # Probed even for a SQLite-only run: the machine description names it.
    pg_version = databases.postgres_version()
    results["machine"] = describe(pg_version)
    results["machine"]["postgresql_server"] = (
        "a cluster of the bench's own with docs/operations.md's settings "
        "(`--pg-cluster`)"
        if args.pg_cluster
        else "the machine's shared server, database-level settings only"
    )

    for size in args.sizes:
        for vendor in args.databases:
            for mode in args.modes:
                run = run_one(vendor, size, mode, pg_version, args)
                store(results, run)
                # Written after every case so an interrupted run keeps its
                # figures.
                results_path.write_text(json.dumps(results, indent=2))
                args.docs.parent.mkdir(parents=True, exist_ok=True)
                write_report(args.docs, results)
    print(f"Results: {results_path}\nReport: {args.docs}")


if __name__ == "__main__":
    main()
