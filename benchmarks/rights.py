"""Rights engine benchmark: access export, erasure plan and erasure.

    python -m benchmarks.rights [--sizes 10000,100000] [--databases sqlite,postgresql]

For each size and database, in a fresh database and a process of its own: a
demo register of ``size`` persons (``seed_demo``), then one customer person
with ``--messages`` messages (1,000) and ``--invoices`` invoices (100) where
they are the billing contact, and ``--erase`` (30) more persons with a tenth
of that each; then the database settled as autovacuum leaves it
(``benchmarks.seeding.settle``). Timed in-process, through the services staff
and the API call:

* **export** (Art. 15) of the big person, ``--repeat`` (40) times after one
  untimed run: p50 and p95 (target p95 ≤ 200 ms);
* **erasure plan** of the big person, 100 times (or ``--repeat`` if more;
  target p95 ≤ 30 ms);
* **erasure** of each smaller person (target p95 ≤ 50 ms), with their
  message count beside it; the process's first erasure, which compiles the
  engine's statements, is one more person timed apart;
* the ratio of each p50 and p95 between the sizes (target ≤ 1.2: the
  register's size must not show). On a small shared machine the p95 of the
  same person on the same database moves by a third between runs; the p50
  ratio is the steadier reading of the size's effect.

Prints a Markdown table and writes the raw figures to var/bench/rights.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.casedb import run_cases
from benchmarks.machine import load_average
from benchmarks.stats import summary

ROOT = Path(__file__).resolve().parent.parent
NAME = "rights"
TARGETS_MS = {"export": 200.0, "plan": 30.0, "erase": 50.0}
RATIO_TARGET = 1.2
# A plan costs a tenth of an export: more runs for a steadier p95.
PLAN_REPEAT = 100
SHAPE_ENV = "REKISTERI_BENCH_RIGHTS_SHAPE"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _customer(n: int, *, messages: int, invoices: int) -> Any:
    """A person at a company of their own, with their message history and
    the invoices they are the billing contact of."""
    from rekisteri.messaging.services import message_create
    from rekisteri.registry.services import role_create
    from rekisteri.testing import business_id, make_org, make_person
    from rekisteri.testing.billing import make_invoice

    # A business ID outside the demo register's (their first digit is 0–3,
    # rekisteri/demo/pools.py): at a million persons the test helper's own
    # IDs met a demo company's and the customer was refused.
    org = make_org(name=f"Mittari {n} Oy", business_id=business_id(9_000_000 + n * 7))
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "00100",
        "Helsinki",
    )
    org.save()
    person = make_person(
        first_name=f"Mitta{n}",
        last_name="Henkilö",
        emails=[f"mitta{n}@mittari.example"],
        phones=[f"+35840{n:07d}"],
    )
    for kind in ("contact", "billing_contact"):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind=kind,
            start_date=dt.date(2024, 1, 1),
        )
    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)
    for i in range(messages):
        message_create(
            actor=None,
            person=person,
            channel="email",
            direction="in" if i % 2 else "out",
            occurred_at=start + dt.timedelta(hours=i),
            subject=f"Viesti {i}",
            body=f"Hei, tässä viesti numero {i} asiasta.",
        )
    for i in range(invoices):
        make_invoice(
            organization=org,
            contact=person,
            invoice_date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
        )
    return person


def _times(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run_case(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    from rekisteri.core.gcpause import freeze_startup

    # As a serving process does once started (rekisteri/wsgi.py).
    freeze_startup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import seeding
    from rekisteri.messaging.models import Message
    from rekisteri.rights import erasure, services

    call_command("migrate_all", verbosity=0)
    size = args.size
    result: dict[str, Any] = {
        "database": connection.vendor,
        "size": size,
        "load_average": load_average(),
    }
    t0 = time.perf_counter()
    call_command(
        "seed_demo", organizations=max(size // 10, 1), persons=size, verbosity=0
    )
    result["seed_seconds"] = round(time.perf_counter() - t0, 1)
    log("  building the customer")
    big = _customer(0, messages=args.messages, invoices=args.invoices)
    small = [
        _customer(
            n,
            messages=max(args.messages // 10, 1),
            invoices=max(args.invoices // 10, 1),
        )
        for n in range(1, args.erase + 2)
    ]
    # One more than timed: the process's first erasure compiles (and on
    # PostgreSQL prepares) the engine's statements, once per process and
    # connection; it is timed apart, as the export's first run is left out.
    first = small.pop()
    # As a running installation is once autovacuum has analyzed the new
    # rows: without statistics PostgreSQL plans the sole-trader joins as
    # hash joins over every organization, and the timings grew with size.
    result["settle"] = seeding.settle()
    result["messages"] = Message.objects.filter(person=big).count()
    result["erase_messages"] = Message.objects.filter(person=small[0]).count()
    result["invoices"] = args.invoices

    log("  export")
    export = services.export_person(actor=None, person=big)
    result["export_items"] = len(export["items"])
    result["export"] = summary(
        _times(lambda: services.export_person(actor=None, person=big), args.repeat)
    )
    log("  plan")
    result["plan"] = summary(
        _times(
            lambda: erasure.erasure_plan(actor=None, person=big),
            max(args.repeat, PLAN_REPEAT),
        )
    )
    log("  erase")
    t0 = time.perf_counter()
    erasure.erasure_execute(actor=None, person=first, reason="benchmark")
    result["erase_first_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    seconds = []
    for person in small:
        t0 = time.perf_counter()
        erasure.erasure_execute(actor=None, person=person, reason="benchmark")
        seconds.append(time.perf_counter() - t0)
    result["erase"] = summary(seconds)
    result["erase_samples_ms"] = [round(x * 1000, 1) for x in seconds]
    return result


def _pair(run: dict[str, Any], key: str) -> str:
    s = run[key]
    mark = "" if s["p95_ms"] <= TARGETS_MS[key] else " ✗"
    return f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f}{mark}"


def render(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| database | persons | export p50 / p95 (ms) | plan p50 / p95 (ms) "
        "| erase p50 / p95 (ms) | first erasure (ms) | messages (erased person) "
        "| load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        if "failed" in r:
            lines.append(f"| {r['database']} | {r['size']:,} | failed: {r['failed']} |")
            continue

        lines.append(
            f"| {r['database']} | {r['size']:,} | {_pair(r, 'export')} "
            f"({r['messages']:,} messages, {r['invoices']} invoices) "
            f"| {_pair(r, 'plan')} | {_pair(r, 'erase')} "
            f"| {r.get('erase_first_ms', '–')} | {r['erase_messages']:,} "
            f"| {r.get('load_average') or '–'} |"
        )
    by_db: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        if "failed" not in r:
            by_db.setdefault(r["database"], []).append(r)
    for db, found in by_db.items():
        found.sort(key=lambda r: r["size"])
        if len(found) < 2:
            continue
        a, b = found[0], found[-1]
        for stat in ("p50", "p95"):
            ratios = ", ".join(
                f"{key} {b[key][f'{stat}_ms'] / max(a[key][f'{stat}_ms'], 1e-9):.2f}"
                for key in TARGETS_MS
            )
            lines.append("")
            lines.append(
                f"{db}: {stat} at {b['size']:,} ÷ at {a['size']:,}: {ratios} "
                f"(target ≤ {RATIO_TARGET})"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--erase", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if args.case:
        # The driver's shape options reach the case process through its
        # environment (run_cases passes only the size).
        shape = json.loads(os.environ.get(SHAPE_ENV, "{}"))
        for key, value in shape.items():
            setattr(args, key, value)
        args.out.write_text(json.dumps(run_case(args), indent=2))
        return
    os.environ[SHAPE_ENV] = json.dumps(
        {k: getattr(args, k) for k in ("messages", "invoices", "erase", "repeat")}
    )
    runs: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        args.size = size
        run_cases(
            module="benchmarks.rights",
            name=f"{NAME}-{size}",
            args=args,
            render=lambda found: "",
            log=log,
            unit="persons",
        )
        runs.extend(
            json.loads((args.var_dir / f"{NAME}-{size}.json").read_text())["runs"]
        )
    (args.var_dir / f"{NAME}.json").write_text(
        json.dumps(
            {"date": dt.datetime.now(dt.UTC).isoformat(), "runs": runs}, indent=2
        )
    )
    print(render(runs))


if __name__ == "__main__":
    main()
