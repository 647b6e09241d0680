"""Retention benchmark: due-date recompute, sweep dry run, sweep erasing.

    python -m benchmarks.retention [--sizes 10000,100000] [--erase 300]

For each size, on a fresh SQLite register in a process of its own: a demo
register of ``size`` persons (``seed_demo``) whose roles all ended years ago
at customers, so that every person and organization is due; then

* **recompute**: ``manage.py retention recompute``'s service over the whole
  register, subjects (persons + organizations) per second (target ≥ 20,000/s);
* **sweep dry run**: every due subject looked at (recomputed, holds asked),
  nothing changed; subjects per second (target ≥ 20,000/s);
* **sweep erasing**: the first ``--erase`` subjects erased through the
  rights engine, subjects per second (target ≥ 2,000/s);
* **peak memory**: the Python heap's peak (tracemalloc) during the recompute
  and the dry run: constant memory means the same peak at each size.

Writes var/bench/retention.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
TARGETS = {"recompute": 20_000.0, "dry_run": 20_000.0, "erase": 2_000.0}


class _Stop(BaseException):
    """Ends the erasing sweep after the measured number of subjects."""


def case(size: int, erase: int) -> dict:
    """One size, in this process (called in a subprocess by :func:`main`)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0)
    organizations = max(size // 10, 1)
    t0 = time.perf_counter()
    call_command("seed_demo", organizations=organizations, persons=size, verbosity=0)
    seeded = time.perf_counter() - t0
    from rekisteri.contracts.models import Contract, RelationshipEnd
    from rekisteri.registry.models import Organization, Role
    from rekisteri.retention import services
    from rekisteri.retention.models import DueDate
    from rekisteri.retention.sweep import run_sweep

    # Every role ended long ago at a customer; no contract keeps anything open.
    Organization.objects.update(status="customer")
    Role.objects.update(start_date=dt.date(2018, 1, 1), end_date=dt.date(2020, 1, 31))
    Contract.objects.all().delete()
    RelationshipEnd.objects.all().delete()
    RelationshipEnd.objects.bulk_create(
        RelationshipEnd(organization_id=pk, ended_on=dt.date(2020, 1, 31))
        for pk in Organization.objects.values_list("pk", flat=True)
    )
    DueDate.objects.all().delete()

    tracemalloc.start()
    t0 = time.perf_counter()
    changes = services.recompute_all()
    recompute_s = time.perf_counter() - t0
    _cur, recompute_peak = tracemalloc.get_traced_memory()
    subjects = changes["person"].subjects + changes["organization"].subjects
    tracemalloc.reset_peak()

    t0 = time.perf_counter()
    dry = run_sweep(dry_run=True)
    dry_s = time.perf_counter() - t0
    _cur, dry_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    done = []

    def stop(n: int) -> None:
        done.append(n)
        if n >= erase:
            raise _Stop

    t0 = time.perf_counter()
    with contextlib.suppress(_Stop):
        run_sweep(on_subject=stop)
    erase_s = time.perf_counter() - t0
    erased = done[-1] if done else 0
    return {
        "size": size,
        "organizations": organizations,
        "seed_s": round(seeded, 1),
        "subjects": subjects,
        "due_rows": DueDate.objects.count(),
        "recompute_s": round(recompute_s, 3),
        "recompute_per_s": round(subjects / recompute_s),
        "recompute_peak_mb": round(recompute_peak / 1e6, 1),
        "dry_run_subjects": dry.processed,
        "dry_run_s": round(dry_s, 3),
        "dry_run_per_s": round(dry.processed / dry_s),
        "dry_run_peak_mb": round(dry_peak / 1e6, 1),
        "erased": erased,
        "erase_s": round(erase_s, 3),
        "erase_per_s": round(erased / erase_s, 1) if erase_s else 0,
    }


def table(result: dict) -> str:
    rows = result["runs"]
    head = "| | " + " | ".join(f"{r['size']:,} persons" for r in rows) + " | target |"
    sep = "|---" * (len(rows) + 2) + "|"

    def line(label: str, key: str, unit: str, target: str) -> str:
        cells = " | ".join(f"{r[key]:,}{unit}" for r in rows)
        return f"| {label} | {cells} | {target} |"

    return "\n".join(
        [
            head,
            sep,
            line("subjects (persons + organizations)", "subjects", "", ""),
            line("recompute, subjects/s", "recompute_per_s", "", "≥ 20,000"),
            line(
                "recompute, heap peak", "recompute_peak_mb", " MB", "same at each size"
            ),
            line("sweep dry run, subjects/s", "dry_run_per_s", "", "≥ 20,000"),
            line(
                "sweep dry run, heap peak",
                "dry_run_peak_mb",
                " MB",
                "same at each size",
            ),
            line("sweep erasing, subjects/s", "erase_per_s", "", "≥ 2,000"),
            line("(subjects erased)", "erased", "", ""),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--erase", type=int, default=300)
    parser.add_argument("--out", default=str(VAR / "retention.json"))
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(case(args.case, args.erase)))
        return
    VAR.mkdir(parents=True, exist_ok=True)
    runs = []
    for size in [int(s) for s in args.sizes.split(",")]:
        db = (VAR / f"retention-{size}.sqlite3").resolve()
        keys = db.with_name(db.stem + "-keys.sqlite3")
        for base in (db, keys):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "rekisteri.settings_test",
            "DATABASE_URL": f"sqlite:///{db}",
            "KEYSTORE_DATABASE_URL": f"sqlite:///{keys}",
        }
        print(f"retention benchmark: {size} persons", file=sys.stderr, flush=True)
        out = subprocess.run(  # noqa: S603 - this module, fixed arguments
            [
                sys.executable,
                "-m",
                "benchmarks.retention",
                "--case",
                str(size),
                "--erase",
                str(args.erase),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        for base in (db, keys):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(),
        "database": "sqlite",
        "runs": runs,
    }
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
