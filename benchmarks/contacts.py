"""Contact-list import benchmark: a vendor's list into the register.

    python -m benchmarks.contacts [--size 10000] [--databases sqlite,postgresql]

For each database, in a fresh database and a process of its own, a
semicolon CSV of ``size`` contact persons over ``size / 20`` companies is
written, and timed end to end (decoding, cleaning, matching through the
blind index, encryption, provenance, audit, Art. 14 tasks):

* **first import**: every row a new person (and new organizations);
  target ≥ 2,000 rows/s;
* **baseline**: the same, row by row through the single services (the
  bulk path's fallback), on a list of its own of ``min(size, 1000)`` rows
  in the same run, so the two rates are compared under the same load;
* **re-import**: the same file again (every row matched, nothing written);
* **dry run** of the same file;
* **heap peak** (tracemalloc) of a dry run at ``size / 10`` rows (at least
  one full batch, ``importer.BATCH`` rows: a smaller file would measure a
  smaller batch, not the streaming) and ``size`` rows: streamed, so the two
  are alike (the in-file duplicate check keeps earlier batches' addresses
  on disk, rekisteri/connectors/contacts/seen.py).

Prints a Markdown table and writes the raw figures to var/bench/contacts.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.casedb import run_cases

ROOT = Path(__file__).resolve().parent.parent
NAME = "contacts"
TARGET_PER_S = 2000.0
HEADERS = ["Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Y-tunnus", "Yritys"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_list(
    path: Path, rows: int, *, start: int = 0, companies: int | None = None
) -> None:
    """``rows`` contact persons from number ``start`` on (lists made with
    different starts share no person and no company), in turn at
    ``companies`` companies (``rows / 20``): the first rows of a longer list
    when ``companies`` is the longer list's."""
    from rekisteri.core.formats import ytunnus_check_digit

    ids = []
    body = 3_000_000 + start
    while len(ids) < max(companies or rows // 20, 1):
        body += 1
        check = ytunnus_check_digit(f"{body:07d}")
        if check is not None:
            ids.append(f"{body:07d}-{check}")
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADERS)
        for n in range(start, start + rows):
            bid = ids[n % len(ids)]
            writer.writerow(
                [
                    f"Etu{n}",
                    f"Suku{n}",
                    f"henkilo{n}@yritys{n % len(ids)}.example.fi",
                    f"+35840{n:07d}",
                    bid,
                    f"Yritys {bid} Oy",
                ]
            )


def run_case(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rekisteri.connectors.contacts import importer

    call_command("migrate_all", verbosity=0)
    var_dir = Path(args.var_dir)
    size = args.size
    mapping = importer.mapping_save(
        actor=None,
        name="bench",
        source="fonecta",
        columns={
            "first_name": "Etunimi",
            "last_name": "Sukunimi",
            "email": "Sähköposti",
            "phone": "Puhelin",
            "business_id": "Y-tunnus",
            "organization_name": "Yritys",
        },
    )
    result: dict[str, Any] = {"database": connection.vendor, "size": size}
    path = var_dir / "contacts.csv"
    write_list(path, size)

    def timed(*, dry_run: bool, at: Path = path, row_by_row=False) -> dict[str, Any]:
        started, cpu = time.perf_counter(), time.process_time()
        report = importer.import_contacts(
            actor=None, path=at, mapping=mapping, dry_run=dry_run, row_by_row=row_by_row
        )
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        summary = report.summary()
        assert summary["error"] == 0, report.rows[:3]
        return {
            **summary,
            "seconds": round(seconds, 3),
            "per_second": round(summary["rows"] / seconds, 1),
            "cpu_seconds": round(cpu, 3),
            "per_cpu_second": round(summary["rows"] / max(cpu, 1e-9), 1),
        }

    log("  baseline: row by row")
    base = var_dir / "contacts-base.csv"
    write_list(base, min(size, 1000), start=size)
    result["baseline"] = timed(dry_run=False, at=base, row_by_row=True)
    base.unlink()
    log("  first import")
    result["first"] = timed(dry_run=False)
    log("  re-import")
    result["again"] = timed(dry_run=False)
    log("  dry run")
    result["dry_run"] = timed(dry_run=True)
    log("  heap")
    small = var_dir / "contacts-small.csv"
    small_rows = max(size // 10, min(importer.BATCH, size))
    # The first rows of the same list: a batch of either file reads as many
    # companies (the rows take the list's companies in turn), so the two
    # peaks differ only by what the file's length keeps.
    write_list(small, small_rows, companies=max(size // 20, 1))
    peaks = {}
    for key, p in (("small", small), ("large", path)):
        tracemalloc.start()
        importer.import_contacts(actor=None, path=p, mapping=mapping, dry_run=True)
        peaks[key] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    result["heap"] = {
        "small": {"rows": small_rows, "peak_bytes": peaks["small"]},
        "large": {"rows": size, "peak_bytes": peaks["large"]},
    }
    small.unlink()
    path.unlink()
    return result


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| Database | Rows | Measure | Figure | Target | Met |",
        "|---|---:|---|---:|---:|:-:|",
    ]
    for r in results:
        db, n = r["database"], r["size"]
        if "failed" in r:
            lines.append(f"| {db} | {n:,} | failed: {r['failed']} | | | |")
            continue
        base = r.get("baseline")
        if base:
            lines.append(
                f"| {db} | {base['rows']:,} | baseline: first import row by row | "
                f"{base['per_second']:,.0f}/s ({base['per_cpu_second']:,.0f}/s of "
                "CPU) | | |"
            )
        for key, label, target in (
            ("first", "first import (every row new)", TARGET_PER_S),
            ("again", "re-import (every row matched)", None),
            ("dry_run", "dry run", None),
        ):
            m = r[key]
            met = (
                "" if target is None else ("yes" if m["per_second"] >= target else "no")
            )
            lines.append(
                f"| {db} | {n:,} | {label} | {m['per_second']:,.0f}/s "
                f"({m['per_cpu_second']:,.0f}/s of CPU) | "
                f"{'' if target is None else f'≥ {target:,.0f}/s'} | {met} |"
            )
        small, large = r["heap"]["small"], r["heap"]["large"]
        flat = large["peak_bytes"] < 2 * small["peak_bytes"] + 4_000_000
        lines.append(
            f"| {db} | {n:,} | heap peak of a dry run, {small['rows']:,} vs "
            f"{large['rows']:,} rows | {_mib(small['peak_bytes'])} vs "
            f"{_mib(large['peak_bytes'])} | constant | {'yes' if flat else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="Rows.")
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
        module="benchmarks.contacts",
        name=NAME,
        args=args,
        render=render,
        log=log,
        unit="rows",
    )


if __name__ == "__main__":
    main()
