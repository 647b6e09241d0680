"""PRH bulk-import benchmark: the daily all-companies file against a register.

    python -m benchmarks.prh [--size 100000] [--databases sqlite,postgresql]

For each database, in a fresh database and a process of its own, a bulk
file (a zip holding one JSON array, as PRH serves it) of ``size`` companies
in the v3 schema is written, and the register is given ``size / 100`` of
them as customers (a vendor's customers are a small share of all Finnish
companies). Then, timed end to end (unzip, JSON parse, mapping, matching,
writes, audit):

* **daily import**: ``manage.py registry import-prh FILE`` logic over the
  whole file (the customers are updated, every other company matched and
  passed over); companies per second, target ≥ 5,000/s;
* **re-import**: the same file again (nothing changed: idempotent);
* **first load**: ``--create`` of ``size / 100`` companies into an empty
  register (every company becomes an organization; informational);
* **heap peak** (tracemalloc) of the daily import at ``size / 10`` and
  ``size`` companies: streamed, so the two are alike.

Prints a Markdown table and writes the raw figures to var/bench/prh.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.casedb import run_cases

ROOT = Path(__file__).resolve().parent.parent
NAME = "prh"  # databases: var/bench/prh*.sqlite3, or REKISTERI_BENCH_PRH_DB
TARGET_PER_S = 5000.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_bulk(path: Path, count: int, *, start: int = 0) -> int:
    """A zip of one JSON array of ``count`` companies, streamed; bytes."""
    from rekisteri.connectors.tests import builders

    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("all_companies.json", "w") as out,
    ):
        out.write(b"[")
        for n in range(count):
            if n:
                out.write(b",")
            company = builders.company(start + n)
            if n % 50 == 3:
                company["endDate"] = "2023-06-30"
            out.write(json.dumps(company, ensure_ascii=False).encode())
        out.write(b"]")
    return path.stat().st_size


def run_case(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rekisteri.connectors.services import prh_import_file
    from rekisteri.connectors.tests import builders
    from rekisteri.registry.services import organization_create

    call_command("migrate_all", verbosity=0)
    var_dir = Path(args.var_dir)
    size = args.size
    result: dict[str, Any] = {"database": connection.vendor, "size": size}

    def timed(path: Path, *, create: bool = False) -> dict[str, Any]:
        started, cpu = time.perf_counter(), time.process_time()
        report = prh_import_file(actor=None, path=path, create=create)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        assert not report.failures, report.failures[:3]
        # CPU time of this process too: on a busy machine the wall clock
        # counts the waits for a core (SQLite runs in this process; the
        # PostgreSQL server's own CPU is not counted).
        return {
            **report.counts(),
            "seconds": round(seconds, 3),
            "per_second": round(report.seen / seconds, 1),
            "cpu_seconds": round(cpu, 3),
            "per_cpu_second": round(report.seen / max(cpu, 1e-9), 1),
        }

    log("  first load")
    first = var_dir / "prh-first.zip"
    write_bulk(first, max(size // 100, 10), start=5_000_000)
    result["first_load"] = timed(first, create=True)
    first.unlink()

    log("  customers")
    customers = max(size // 100, 1)
    made = 0
    for n in range(0, size, size // customers):
        organization_create(
            actor=None, name=f"Asiakas {n} Oy", business_id=builders.business_id(n)
        )
        made += 1
    result["customers"] = made

    bulk = var_dir / "prh-bulk.zip"
    result["bytes"] = write_bulk(bulk, size)
    log("  daily import")
    result["daily"] = timed(bulk)
    log("  re-import")
    result["again"] = timed(bulk)

    log("  heap")
    small = var_dir / "prh-small.zip"
    write_bulk(small, max(size // 10, 10))
    peaks = {}
    for key, path in (("small", small), ("large", bulk)):
        tracemalloc.start()
        prh_import_file(actor=None, path=path)
        peaks[key] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    result["heap"] = {
        "small": {"companies": max(size // 10, 10), "peak_bytes": peaks["small"]},
        "large": {"companies": size, "peak_bytes": peaks["large"]},
    }
    small.unlink()
    bulk.unlink()
    return result


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| Database | Companies | Measure | Figure | Target | Met |",
        "|---|---:|---|---:|---:|:-:|",
    ]
    for r in results:
        db, n = r["database"], r["size"]
        if "failed" in r:
            lines.append(f"| {db} | {n:,} | failed: {r['failed']} | | | |")
            continue
        d = r["daily"]
        ok = d["per_second"] >= TARGET_PER_S
        lines.append(
            f"| {db} | {n:,} | daily bulk import, {r['customers']:,} customers "
            f"({d['updated']:,} updated) | {d['per_second']:,.0f}/s "
            f"({d.get('per_cpu_second', 0):,.0f}/s of CPU) | "
            f"≥ {TARGET_PER_S:,.0f}/s | {'yes' if ok else 'no'} |"
        )
        a = r["again"]
        met = "yes" if a["per_second"] >= TARGET_PER_S else "no"
        lines.append(
            f"| {db} | {n:,} | re-import of the same file ({a['unchanged']:,} "
            f"unchanged, {a['updated']:,} updated) | {a['per_second']:,.0f}/s "
            f"({a.get('per_cpu_second', 0):,.0f}/s of CPU) | "
            f"≥ {TARGET_PER_S:,.0f}/s | {met} |"
        )
        f = r["first_load"]
        lines.append(
            f"| {db} | {f['seen']:,} | first load, every company created | "
            f"{f['per_second']:,.0f}/s | | |"
        )
        small, large = r["heap"]["small"], r["heap"]["large"]
        flat = large["peak_bytes"] < 2 * small["peak_bytes"] + 4_000_000
        lines.append(
            f"| {db} | {n:,} | heap peak, {small['companies']:,} vs "
            f"{large['companies']:,} companies | {_mib(small['peak_bytes'])} vs "
            f"{_mib(large['peak_bytes'])} | constant | {'yes' if flat else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="Companies.")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if args.case:
        args.out.write_text(json.dumps(run_case(args), indent=2))
        return
    run_cases(
        module="benchmarks.prh",
        name=NAME,
        args=args,
        render=render,
        log=log,
        unit="companies",
    )


if __name__ == "__main__":
    main()
