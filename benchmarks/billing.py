"""Invoice run benchmark: N invoices drafted, issued and exported as Finvoice.

    python -m benchmarks.billing [--size 10000] [--database sqlite|postgresql]

Builds a fresh database (SQLite under var/bench/ or PostgreSQL
``rekisteri_bench_billing``), seeds the seller and up to 500 customers with a billing
contact each, then measures the invoice run the way month-end billing does
it: ``rekisteri.billing.run.invoice_run`` issues the invoices (three lines,
two VAT rates each) 500 at a time — validation, gapless numbering, sealed
contact snapshots, one audit event per invoice — and the Finvoice 3.0 XML of
every issued invoice is streamed into one ZIP archive. Target: 10,000 invoices in
≤ 60 s.

Memory: the run is timed without tracing; a second, traced run of two chunks
(1,000 invoices, or N if smaller) gives the tracemalloc peak, and the
process's peak RSS is reported. Memory is bounded by one chunk: the traced
peak is the same for any N. Prints a Markdown table and writes var/bench/billing.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS_MAX = 500
LINES = [
    {
        "description": "Ylläpito",
        "quantity": "1",
        "unit": "kk",
        "unit_price": "450.00",
        "vat_code": "general",
    },
    {
        "description": "Tukipalvelu",
        "quantity": "3.5",
        "unit": "h",
        "unit_price": "92.00",
        "vat_code": "general",
    },
    {
        "description": "Käsikirja",
        "quantity": "2",
        "unit": "kpl",
        "unit_price": "24.90",
        "vat_code": "reduced_1",
    },
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


PG_NAME = "rekisteri_bench_billing"  # its own, so it never drops the main bench's


class _PostgresBillingDatabase:
    """A fresh PostgreSQL database (and key store) for this benchmark only."""

    vendor = "postgresql"

    def __init__(self) -> None:
        from benchmarks.databases import POSTGRES_ADMIN_URL

        self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_NAME}"
        self.keys_url = self.url + "_keys"

    def _admin(self, *statements: str) -> None:
        from benchmarks.databases import _postgres_admin

        _postgres_admin(*statements)

    def drop(self) -> None:
        self._admin(
            f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{PG_NAME}_keys" WITH (FORCE)',
        )

    def create(self) -> None:
        self.drop()
        self._admin(f'CREATE DATABASE "{PG_NAME}"', f'CREATE DATABASE "{PG_NAME}_keys"')


def _database(vendor: str, size: int, var_dir: Path):
    from benchmarks import databases

    if vendor == "postgresql":
        return _PostgresBillingDatabase()
    path = (var_dir / f"billing-{size}.sqlite3").resolve()
    return databases.BenchDatabase("sqlite", f"sqlite:///{path}", path)


def _setup(db: Any, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = db.url
    os.environ["KEYSTORE_DATABASE_URL"] = db.keys_url
    os.environ["REKISTERI_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0)


def _seed(customers: int) -> list[tuple[Any, Any]]:
    from rekisteri.testing import make_org
    from rekisteri.testing.billing import make_billing_contact, make_seller

    make_seller()
    pairs = []
    for n in range(customers):
        org = make_org(
            name=f"Asiakas {n} Oy",
            postal_street=f"Teollisuuskatu {n % 90 + 1}",
            postal_postal_code="00510",
            postal_city="Helsinki",
        )
        pairs.append(make_billing_contact(org, first_name="Laskutus", last_name=f"{n}"))
    return pairs


RUN_CHUNK = 500


def invoice_run(
    count: int, customers: list[tuple[Any, Any]], archive: Path
) -> dict[str, float]:
    """Issue ``count`` invoices with the invoice-run service, ``RUN_CHUNK`` at
    a time, and stream each chunk's Finvoice files into the archive."""
    from rekisteri.billing.finvoice import finvoice_bytes
    from rekisteri.billing.run import RunItem
    from rekisteri.billing.run import invoice_run as run_service
    from rekisteri.keystore import keys

    issue_seconds = export_seconds = 0.0
    on = dt.date.today()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for start in range(0, count, RUN_CHUNK):
            size = min(RUN_CHUNK, count - start)
            items = [
                RunItem(
                    organization=customers[(start + i) % len(customers)][0],
                    billing_contact=customers[(start + i) % len(customers)][1],
                    lines=LINES,
                )
                for i in range(size)
            ]
            t0 = time.perf_counter()
            with keys.key_scope():
                issued = run_service(actor=None, items=items, invoice_date=on)
                t1 = time.perf_counter()
                for invoice in issued:
                    zf.writestr(
                        f"finvoice-{invoice.number}.xml", finvoice_bytes(invoice)
                    )
            t2 = time.perf_counter()
            issue_seconds += t1 - t0
            export_seconds += t2 - t1
    return {"issue_seconds": issue_seconds, "export_seconds": export_seconds}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="Invoices.")
    parser.add_argument(
        "--database", default="sqlite", choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--keep", action="store_true", help="Keep the database.")
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    db = _database(args.database, args.size, args.var_dir)
    db.create()
    try:
        _setup(db, args.var_dir)
        customers = min(args.size, CUSTOMERS_MAX)
        log(f"seeding {customers} customers")
        pairs = _seed(customers)
        archive = args.var_dir / f"finvoice-{args.size}.zip"

        log(f"invoice run of {args.size}")
        rss_before = _rss_mb()
        start = time.perf_counter()
        phases = invoice_run(args.size, pairs, archive)
        total = time.perf_counter() - start
        rss_after = _rss_mb()

        # Two chunks: memory is bounded by one chunk, whatever N is.
        traced_size = min(args.size, 2 * RUN_CHUNK)
        log(f"traced run of {traced_size}")
        tracemalloc.start()
        invoice_run(traced_size, pairs, args.var_dir / "finvoice-traced.zip")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        from django.db import connection

        result = {
            "benchmark": "billing_invoice_run",
            "database": connection.vendor,
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "invoices": args.size,
            "customers": customers,
            "seconds": round(total, 3),
            "invoices_per_second": round(args.size / total, 1) if total else None,
            "issue_seconds": round(phases["issue_seconds"], 3),
            "finvoice_seconds": round(phases["export_seconds"], 3),
            "target_seconds_for_10000": 60,
            "projected_seconds_for_10000": round(total / args.size * 10_000, 1),
            "archive_bytes": archive.stat().st_size,
            "rss_peak_mb_before": round(rss_before, 1),
            "rss_peak_mb_after": round(rss_after, 1),
            "traced_invoices": traced_size,
            "tracemalloc_peak_mb": round(peak / 1024 / 1024, 2),
        }
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            db.drop()
    (args.var_dir / "billing.json").write_text(json.dumps(result, indent=2))
    print(table(result))


def table(r: dict[str, Any]) -> str:
    """The Markdown table of one run."""
    rows = [
        ("Database", r["database"]),
        ("Invoices (customers)", f"{r['invoices']:,} ({r['customers']:,})"),
        ("Invoice run, total", f"{r['seconds']:.1f} s ({r['invoices_per_second']}/s)"),
        ("  of which draft + issue", f"{r['issue_seconds']:.1f} s"),
        ("  of which Finvoice export", f"{r['finvoice_seconds']:.1f} s"),
        (
            "Projected for 10,000 (target ≤ 60 s)",
            f"{r['projected_seconds_for_10000']} s",
        ),
        (
            f"tracemalloc peak ({r['traced_invoices']:,} invoices)",
            f"{r['tracemalloc_peak_mb']} MB",
        ),
        ("Process peak RSS", f"{r['rss_peak_mb_after']} MB"),
    ]
    out = ["| Measure | Value |", "|---|---|"]
    out += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(out)


if __name__ == "__main__":
    main()
