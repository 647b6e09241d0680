"""Retention benchmark: due-date recompute, sweep dry run, sweep erasing.

    python -m benchmarks.retention [--sizes 10000,100000]
        [--databases sqlite,postgresql] [--erase 4000] [--profile]

For each database and size, on a fresh register in a process of its own
(``benchmarks.casedb``): a demo register of ``size`` persons (``seed_demo``)
whose roles all ended years ago at customers, so that every person and
organization is due; then

* **recompute**: ``manage.py retention recompute``'s service over the whole
  register, subjects (persons + organizations) per second (target ≥ 20,000/s);
* **sweep dry run**: every due subject looked at (recomputed, holds and
  restrictions asked), nothing changed; subjects per second (target
  ≥ 20,000/s);
* **sweep erasing**: the sweep's batches until at least ``--erase``
  subjects (4,000) are acted on, erased through the rights engine's
  erasure service (a batch's persons erased together), in the batch sizes
  the sweep chooses itself; subjects per second (target ≥ 2,000/s),
  with the queries per erased person; ``--profile`` prints where its time
  goes (cProfile, cumulative) on standard error and keeps the whole
  profile in var/bench/retention-<database>-<size>.prof;
* each rate also per CPU second of the benchmark's own process (the
  database server's work on PostgreSQL not counted): on a loaded machine
  the wall clock mostly measures the wait for a core;
* **bytes written** by the first recompute and by the erasing sweep (per
  erased subject): PostgreSQL's WAL, or what the process wrote to disk on
  SQLite (``benchmarks.machine.WriteMeter``); they do not move with the
  machine's speed as the rates do;
* **peak memory**: the Python heap's peak (tracemalloc) during the recompute
  and the dry run, in a second pass of each (tracemalloc slows every
  allocation, so the rates are timed without it): constant memory means the
  same peak at each size.

Writes var/bench/retention.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks import casedb
from benchmarks.machine import WriteMeter, cpu_reference, kb_each

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
TARGETS = {"recompute": 20_000.0, "dry_run": 20_000.0, "erase": 2_000.0}


class _Stop(BaseException):
    """Ends the erasing sweep after the measured number of subjects."""


def _prepare() -> None:
    """Every role ended long ago at a customer; no contract keeps anything
    open; every organization's relationship ended then too."""
    from rekisteri.contracts.models import Contract, RelationshipEnd
    from rekisteri.registry.models import Organization, Role
    from rekisteri.retention.models import DueDate

    Organization.objects.update(status="customer")
    Role.objects.update(start_date=dt.date(2018, 1, 1), end_date=dt.date(2020, 1, 31))
    Contract.objects.all().delete()
    RelationshipEnd.objects.all().delete()
    RelationshipEnd.objects.bulk_create(
        RelationshipEnd(organization_id=pk, ended_on=dt.date(2020, 1, 31))
        for pk in Organization.objects.values_list("pk", flat=True)
    )
    DueDate.objects.all().delete()


def case(size: int, erase: int, profile: bool) -> dict:
    """One size, in this process (called in a subprocess by :func:`main`)."""
    import django

    django.setup()
    from rekisteri.core.gcpause import freeze_startup

    # As a serving process does once started (rekisteri/wsgi.py).
    freeze_startup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_all", verbosity=0)
    organizations = max(size // 10, 1)
    t0 = time.perf_counter()
    call_command("seed_demo", organizations=organizations, persons=size, verbosity=0)
    seeded = time.perf_counter() - t0
    from benchmarks import seeding
    from rekisteri.retention import services
    from rekisteri.retention.models import DueDate
    from rekisteri.retention.sweep import run_sweep

    _prepare()
    # As a running installation is once autovacuum has analyzed the load.
    seeding.settle()

    # The rates without tracemalloc (it slows every allocation several
    # times); the heap peaks in a second pass of each with it.
    meter = WriteMeter(connection)
    t0, c0 = time.perf_counter(), time.process_time()
    changes = services.recompute_all()
    recompute_s = time.perf_counter() - t0
    recompute_cpu = time.process_time() - c0
    recompute_written = meter.written()
    subjects = changes["person"].subjects + changes["organization"].subjects

    # A second recompute of an unchanged register writes nothing.
    t0 = time.perf_counter()
    again = services.recompute_all()
    again_s = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), time.process_time()
    dry = run_sweep(dry_run=True)
    dry_s = time.perf_counter() - t0
    dry_cpu = time.process_time() - c0

    DueDate.objects.all().delete()
    tracemalloc.start()
    services.recompute_all()
    _cur, recompute_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    run_sweep(dry_run=True)
    _cur, dry_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    done: list[int] = []

    def stop(run) -> None:  # type: ignore[no-untyped-def]
        # Called when a batch ends: the measurement ends with the sweep's own
        # batches, whose sizes it chose (sweep.Sizer).
        done.append(run.processed)
        if run.processed >= erase:
            raise _Stop

    # The nightly sweep runs long after the due dates were written: by then
    # autovacuum has analyzed them.
    seeding.settle()
    # And in the job worker, which froze what its start-up built
    # (rekisteri/core/gcpause.py) and never seeded a register: what the
    # seeding and the recomputes above left unreachable is freed and the
    # rest kept out of the sweep's collections, as benchmarks/case.py does
    # before its lookups.
    freeze_startup()
    profiler = cProfile.Profile() if profile else None
    # Statements counted, not captured: Django's capture formats every
    # statement with its parameters (on SQLite a query of its own per
    # thousand values), which cost the sweep about 8 % of its time.
    queries: list[int] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        if profiler is not None:
            profiler.enable()
        meter = WriteMeter(connection)
        t0, c0 = time.perf_counter(), time.process_time()
        with contextlib.suppress(_Stop):
            run_sweep(progress=stop)
        erase_s = time.perf_counter() - t0
        erase_cpu = time.process_time() - c0
        erase_written = meter.written()
        if profiler is not None:
            profiler.disable()
    erased = done[-1] if done else 0
    if profiler is not None:
        # The whole profile too, for pstats or snakeviz: the sort above shows
        # 45 lines.
        VAR.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(VAR / f"retention-{connection.vendor}-{size}.prof")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        print(text.getvalue(), file=sys.stderr)
    return {
        "size": size,
        "organizations": organizations,
        "seed_s": round(seeded, 1),
        "subjects": subjects,
        "due_rows": DueDate.objects.count(),
        "recompute_s": round(recompute_s, 3),
        "recompute_per_s": round(subjects / recompute_s),
        "recompute_cpu_per_s": round(subjects / recompute_cpu),
        "recompute_peak_mb": round(recompute_peak / 1e6, 1),
        "recompute_written_mb": _mb(recompute_written),
        "recompute_again_per_s": round(subjects / again_s),
        "recompute_again_changed": again["person"].changed
        + again["organization"].changed,
        "dry_run_subjects": dry.processed,
        "dry_run_s": round(dry_s, 3),
        "dry_run_per_s": round(dry.processed / dry_s),
        "dry_run_cpu_per_s": round(dry.processed / dry_cpu),
        "dry_run_peak_mb": round(dry_peak / 1e6, 1),
        "erased": erased,
        # The rows of each batch the sweep took (sweep.Sizer).
        "erase_batches": [b - a for a, b in zip([0, *done], done, strict=False)],
        "erase_s": round(erase_s, 3),
        "erase_per_s": round(erased / erase_s, 1) if erase_s else 0,
        "erase_cpu_per_s": round(erased / erase_cpu, 1) if erase_cpu else 0,
        "erase_written_kb_per_subject": kb_each(erase_written, erased),
        "erase_queries_per_subject": round(len(queries) / erased, 1) if erased else 0,
    }


def _mb(written: int | None) -> float | None:
    return None if written is None else round(written / 1e6, 1)


def table(result: dict) -> str:
    rows = [r for r in result["runs"] if "failed" not in r]
    head = (
        "| | "
        + " | ".join(f"{r['database']}, {r['size']:,} persons" for r in rows)
        + " | target |"
    )
    sep = "|---" * (len(rows) + 2) + "|"

    def cell(value: Any, unit: str) -> str:
        # Results written before a figure existed, or where it cannot be
        # measured (written bytes off Linux), leave its cell empty.
        return "–" if value is None else f"{value:,}{unit}"

    def line(label: str, key: str, unit: str, target: str) -> str:
        cells = " | ".join(cell(r.get(key), unit) for r in rows)
        return f"| {label} | {cells} | {target} |"

    lines = [
        head,
        sep,
        line("subjects (persons + organizations)", "subjects", "", ""),
        line("recompute, subjects/s", "recompute_per_s", "", "≥ 20,000"),
        line(
            "(recompute, per CPU second of this process)", "recompute_cpu_per_s", "", ""
        ),
        line(
            "recompute again (nothing changes), subjects/s",
            "recompute_again_per_s",
            "",
            "",
        ),
        line("recompute, heap peak", "recompute_peak_mb", " MB", "same at each size"),
        line(
            "(recompute, written: WAL on PostgreSQL, to disk on SQLite)",
            "recompute_written_mb",
            " MB",
            "",
        ),
        line("sweep dry run, subjects/s", "dry_run_per_s", "", "≥ 20,000"),
        line("(dry run, per CPU second)", "dry_run_cpu_per_s", "", ""),
        line("sweep dry run, heap peak", "dry_run_peak_mb", " MB", "same at each size"),
        line("sweep erasing, subjects/s", "erase_per_s", "", "≥ 2,000"),
        line("(erasing, per CPU second)", "erase_cpu_per_s", "", ""),
        line("(subjects erased)", "erased", "", ""),
        line(
            "(erasing, written per erased subject)",
            "erase_written_kb_per_subject",
            " kB",
            "",
        ),
        line("(queries per erased subject)", "erase_queries_per_subject", "", ""),
    ]
    reference = result.get("cpu_reference_ms")
    if reference:
        lines.append(
            "\nCPU reference (benchmarks/machine.py, lower is faster): "
            f"{reference[0]} ms before the cases, {reference[1]} ms after"
        )
    failed = [r for r in result["runs"] if "failed" in r]
    lines += [
        f"\n{r['database']}, {r['size']:,}: failed ({r['failed']})" for r in failed
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    # The sweep's own batches until at least this many subjects are acted
    # on: two of PostgreSQL's 2,000; on SQLite a first batch of 1,000 and
    # then batches sized by time (sweep.Sizer), 5,000-6,000 in all. A
    # batch's fixed cost (its recompute, its transaction, its audit append)
    # is shared as the nightly sweep shares it. Persons only: at 10,000
    # persons the due rows after the first 10,000 are the organizations'
    # (key shreds, one at a time), which more would mix in.
    parser.add_argument("--erase", type=int, default=4000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", default=str(VAR / "retention.json"))
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        figures = case(args.case, args.erase, args.profile)
        print(json.dumps(figures))
        # Each case's figures as soon as it ends: a long run interrupted
        # keeps the cases it finished.
        VAR.mkdir(parents=True, exist_ok=True)
        vendor = (
            "postgresql"
            if "postgres" in os.environ.get("DATABASE_URL", "")
            else "sqlite"
        )
        with (VAR / "retention-cases.jsonl").open("a") as log:
            log.write(json.dumps({"database": vendor, **figures}) + "\n")
        return
    VAR.mkdir(parents=True, exist_ok=True)
    # How fast the machine ran Python around the cases: its rates are this
    # machine's (benchmarks/machine.py).
    reference_before = cpu_reference()
    runs = []
    for vendor in [d.strip() for d in args.databases.split(",") if d.strip()]:
        for size in [int(s) for s in args.sizes.split(",")]:
            name = f"retention_{size}"
            print(f"retention benchmark: {vendor}, {size:,} persons", file=sys.stderr)
            try:
                env = {
                    **os.environ,
                    **casedb.fresh_database(vendor, VAR, name),
                    "DJANGO_SETTINGS_MODULE": "rekisteri.settings_test",
                }
            except Exception as exc:  # PostgreSQL not reachable: say so
                runs.append({"database": vendor, "size": size, "failed": str(exc)})
                continue
            command = [sys.executable, "-m", "benchmarks.retention"]
            command += ["--case", str(size), "--erase", str(args.erase)]
            if args.profile:
                command.append("--profile")
            out = subprocess.run(  # noqa: S603 - this module, fixed arguments
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
            casedb.drop_database(vendor, VAR, name)
            if out.returncode != 0:
                runs.append(
                    {
                        "database": vendor,
                        "size": size,
                        "failed": f"exit {out.returncode}",
                    }
                )
                continue
            runs.append(
                {"database": vendor, **json.loads(out.stdout.strip().splitlines()[-1])}
            )
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(),
        "load": os.getloadavg(),
        "cpu_reference_ms": [reference_before, cpu_reference()],
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
