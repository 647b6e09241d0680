"""Benchmark of the audit log.

``python -m benchmarks.audit [--size N] [--database sqlite|postgresql]``
builds a fresh database and measures, in one run:

* the person page (in process, Django's test client) with read auditing on
  and off, interleaved request by request so both see the same machine; the
  "off" baseline exists only here (``REKISTERI_AUDIT_READS``);
* audit write throughput: ``audit_record`` one event per transaction, as the
  application writes them;
* ``audit verify`` throughput over ``--size`` events (default 200,000), the
  chain built in bulk and continued from the live head.

Prints a Markdown table and writes the raw figures to var/bench/audit.json.
Targets (issue 4): page overhead <= 15 %, verify >= 100,000 events/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

VERIFY_TARGET = 100_000
OVERHEAD_TARGET = 15.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=int, default=200_000, help="Events for the verify run."
    )
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql"], default="sqlite"
    )
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument(
        "--writes", type=int, default=5000, help="Events for the write run."
    )
    parser.add_argument("--out", type=Path, default=Path("var/bench/audit.json"))
    return parser.parse_args(argv)


def _database(args: argparse.Namespace, var_dir: Path):
    from benchmarks import databases

    if args.database == "postgresql":
        return databases.postgres_database()
    path = (var_dir / "bench-audit.sqlite3").resolve()
    return databases.BenchDatabase("sqlite", f"sqlite:///{path}", path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    var_dir = Path(os.environ.get("REKISTERI_VAR_DIR", "var/bench")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    db = _database(args, var_dir)
    db.create()
    os.environ["DATABASE_URL"] = db.url
    os.environ["KEYSTORE_DATABASE_URL"] = db.keys_url
    os.environ["REKISTERI_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        db.drop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(report(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.machine import load_average

    result: dict[str, Any] = {
        "database": connection.vendor,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": load_average(),
    }
    log("migrating")
    call_command("migrate_all", verbosity=0)
    log("person page, auditing on and off")
    result["person_page"] = person_page(args)
    log("audit writes")
    result["writes"] = writes(args.writes)
    log(f"verify over {args.size:,} events")
    result["verify"] = verify(args.size)
    result["load_average_end"] = load_average()
    return result


def person_page(args: argparse.Namespace) -> dict[str, Any]:
    """p95 of the person page with read auditing on and off, interleaved."""
    import random

    from django.test import Client, override_settings
    from django.urls import reverse

    from benchmarks.stats import summary
    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing import make_person, make_staff

    user = make_staff(StaffRole.SALES, username="bench-audit")
    persons = [
        make_person(
            first_name="Bench",
            last_name=f"Henkilö{i}",
            emails=[f"bench.{i}@example.fi"],
            phones=[f"040 {1000000 + i}"],
            street="Katu 1",
            postal_code="00100",
            city="Helsinki",
        )
        for i in range(args.persons)
    ]
    client = Client()
    client.force_login(user)
    rng = random.Random(42)  # noqa: S311 - picking pages, not secrets
    urls = [
        reverse("registry:person_detail", kwargs={"person_id": p.pk}) for p in persons
    ]
    timings: dict[bool, list[float]] = {True: [], False: []}
    for i in range(args.warmup + args.iterations):
        for audited in (i % 2 == 0, i % 2 != 0):
            url = rng.choice(urls)
            with override_settings(REKISTERI_AUDIT_READS=audited):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if i >= args.warmup:
                timings[audited].append(elapsed)
    on, off = summary(timings[True]), summary(timings[False])
    overhead = (on["p95_ms"] - off["p95_ms"]) / off["p95_ms"] * 100
    return {
        "audited": on,
        "baseline": off,
        "p95_overhead_percent": round(overhead, 1),
        "target_percent": OVERHEAD_TARGET,
    }


def writes(count: int) -> dict[str, Any]:
    """``audit_record``, one event per transaction."""
    from rekisteri.audit.services import audit_record

    started = time.perf_counter()
    for i in range(count):
        audit_record(
            actor=None,
            action="person.view",
            target_type="person",
            target_id=i,
            subject_id=uuid.uuid4(),
            fields=["first_name", "last_name", "emails"],
            categories=["name", "contact_email"],
            purpose="sales",
            details={"page": "detail"},
        )
    elapsed = time.perf_counter() - started
    return {
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_s": round(count / elapsed),
    }


def extend_chain(count: int, batch: int = 5000) -> None:
    """Append ``count`` events in bulk, continuing the live chain and head."""
    from django.db import transaction

    from rekisteri.audit.chain import GENESIS, chain_key, content_of, head_seal, link
    from rekisteri.audit.models import AuditEvent, AuditHead

    key = chain_key()
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(
                pk=1, last_id=0, last_hash=GENESIS, count=0, anchor_hash=GENESIS
            )
        prev, next_id = head.last_hash, head.last_id + 1
        rows: list[AuditEvent] = []
        for i in range(count):
            values = {
                "id": next_id + i,
                "at": now,
                "actor_id": 1,
                "actor_label": "bench-audit",
                "client": "127.0.0.1",
                "action": "person.view",
                "outcome": "ok",
                "target_type": "person",
                "target_id": str(uuid.uuid4()),
                "subject_id": uuid.uuid4(),
                "fields": ["emails", "first_name", "last_name"],
                "categories": ["contact_email", "name"],
                "purpose": "sales",
                "details": {"page": "detail"},
            }
            digest = link(key, prev, content_of(values))
            rows.append(AuditEvent(prev_hash=prev, hash=digest, **values))
            prev = digest
            if len(rows) >= batch:
                AuditEvent.objects.bulk_create(rows)
                rows = []
        AuditEvent.objects.bulk_create(rows)
        last_id = next_id + count - 1
        total = head.count + count
        AuditHead.objects.filter(pk=1).update(
            last_id=last_id,
            last_hash=prev,
            count=total,
            seal=head_seal(
                key,
                first_id=head.first_id,
                anchor_hash=head.anchor_hash,
                last_id=last_id,
                last_hash=prev,
                count=total,
            ),
        )


def verify(size: int) -> dict[str, Any]:
    from rekisteri.audit.models import AuditEvent
    from rekisteri.audit.verify import verify_chain

    missing = max(0, size - AuditEvent.objects.count())
    started = time.perf_counter()
    extend_chain(missing)
    built = time.perf_counter() - started
    started = time.perf_counter()
    result = verify_chain()
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"the benchmark's own chain does not verify: {result.problem}")
    return {
        "events": result.checked,
        "build_seconds": round(built, 3),
        "seconds": round(elapsed, 3),
        "events_per_s": round(result.checked / elapsed),
        "target_events_per_s": VERIFY_TARGET,
    }


def report(result: dict[str, Any]) -> str:
    page, writes_, verify_ = result["person_page"], result["writes"], result["verify"]
    ok = "met" if page["p95_overhead_percent"] <= OVERHEAD_TARGET else "MISSED"
    vok = "met" if verify_["events_per_s"] >= VERIFY_TARGET else "MISSED"
    lines = [
        f"## Audit log ({result['database']}, {result['date']})",
        "",
        "| Measure | Value | Target |",
        "|---|---:|---|",
        f"| Person page p95, audited | {page['audited']['p95_ms']} ms | |",
        f"| Person page p95, read auditing off | {page['baseline']['p95_ms']} ms | |",
        f"| Overhead at p95 | {page['p95_overhead_percent']} % "
        f"| ≤ {OVERHEAD_TARGET:g} % ({ok}) |",
        f"| Audit writes (one per transaction) | {writes_['events_per_s']:,} events/s "
        "| |",
        f"| `audit verify` over {verify_['events']:,} events "
        f"| {verify_['events_per_s']:,} events/s | ≥ {VERIFY_TARGET:,}/s ({vok}) |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
