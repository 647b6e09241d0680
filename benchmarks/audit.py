"""Benchmark of the audit log.

``python -m benchmarks.audit [--size N] [--database sqlite|postgresql]``
builds a fresh database and measures, in one run:

* the person page (in process, Django's test client) with read auditing on
  and off, interleaved request by request so both see the same machine; the
  "off" baseline exists only here (``REKISTERI_AUDIT_READS``);
* the person page's statements on the main database, the audit append
  included (one request, captured);
* audit write throughput: ``audit_record`` one event per transaction (what a
  write service outside any scope costs), against the same events appended
  together — in ``audit.batch()`` blocks of 10 (a page's worth), 100 and
  1,000 events, and through the request scope as a page records them;
* ``audit verify`` throughput over ``--size`` events (default 200,000), the
  chain built in bulk and continued from the live head.

Prints a Markdown table and writes the raw figures to var/bench/audit.json.
Targets: page overhead <= 15 %, verify >= 100,000 events/s, event writes
>= 5,000 events/s on PostgreSQL when appended together.
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
WRITE_TARGET = 5_000
BATCH_SIZES = (10, 100, 1000)


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
    log("audit writes, one per transaction and appended together")
    result["writes"] = writes(args.writes)
    result["batched_writes"] = [batched_writes(args.writes, n) for n in BATCH_SIZES]
    result["request_writes"] = request_writes(args.writes)
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
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0])
    statements = [q["sql"] for q in captured.captured_queries]
    return {
        "queries": len(statements),
        "audit_statements": sum(1 for q in statements if "audit_audit" in q),
        "audited": on,
        "baseline": off,
        "p95_overhead_percent": round(overhead, 1),
        "target_percent": OVERHEAD_TARGET,
    }


def _event(i: int) -> None:
    from rekisteri.audit.services import audit_record

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


def _rate(count: int, started: tuple[float, float], **extra: Any) -> dict[str, Any]:
    """Events per second of wall time, and of this process's CPU time (on a
    loaded machine the wall clock mostly measures waiting for a core; on
    PostgreSQL the server's own work is not in the CPU figure)."""
    elapsed = time.perf_counter() - started[0]
    cpu = time.process_time() - started[1]
    return {
        **extra,
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_s": round(count / elapsed),
        "cpu_seconds": round(cpu, 3),
        "cpu_events_per_s": round(count / cpu) if cpu else None,
    }


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def writes(count: int) -> dict[str, Any]:
    """``audit_record``, one event per transaction."""
    started = _clock()
    for i in range(count):
        _event(i)
    return _rate(count, started)


def batched_writes(count: int, size: int) -> dict[str, Any]:
    """The same events in ``audit.batch()`` blocks of ``size``: one
    transaction, one head lock and one INSERT per block."""
    from rekisteri.audit.services import batch

    count = max(size, count - count % size)
    started = _clock()
    for start in range(0, count, size):
        with batch():
            for i in range(start, start + size):
                _event(i)
    return _rate(count, started, batch=size)


def request_writes(count: int, per_request: int = 10) -> dict[str, Any]:
    """As a page records its reads: held by the request scope and appended
    when the view is done (``per_request`` events each)."""
    from rekisteri.audit.batching import request_scope

    count = max(per_request, count - count % per_request)
    started = _clock()
    for start in range(0, count, per_request):
        with request_scope():
            for i in range(start, start + per_request):
                _event(i)
    return _rate(count, started, batch=per_request)


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


def _cpu(t: dict[str, Any]) -> str:
    rate = t.get("cpu_events_per_s")
    return f"; CPU {rate:,}/s" if rate else ""


def report(result: dict[str, Any]) -> str:
    page, writes_, verify_ = result["person_page"], result["writes"], result["verify"]
    ok = "met" if page["p95_overhead_percent"] <= OVERHEAD_TARGET else "MISSED"
    vok = "met" if verify_["events_per_s"] >= VERIFY_TARGET else "MISSED"
    together = [("batch", t) for t in result.get("batched_writes", ())]
    if result.get("request_writes"):
        together.append(("request scope", result["request_writes"]))
    lines = [
        f"## Audit log ({result['database']}, {result['date']})",
        "",
        "| Measure | Value | Target |",
        "|---|---:|---|",
        f"| Person page p95, audited | {page['audited']['p95_ms']} ms | |",
        f"| Person page p95, read auditing off | {page['baseline']['p95_ms']} ms | |",
        f"| Overhead at p95 | {page['p95_overhead_percent']} % "
        f"| ≤ {OVERHEAD_TARGET:g} % ({ok}) |",
        *(
            [
                f"| Person page statements (main database; audit append) "
                f"| {page['queries']} ({page['audit_statements']}) | |"
            ]
            if "queries" in page
            else []
        ),
        f"| Audit writes (one per transaction) | {writes_['events_per_s']:,} events/s"
        f"{_cpu(writes_)} | |",
        *(
            f"| Audit writes, {label} of {t['batch']:,} "
            f"| {t['events_per_s']:,} events/s "
            f"({t['events_per_s'] / writes_['events_per_s']:.1f}×){_cpu(t)} "
            f"| ≥ {WRITE_TARGET:,}/s "
            f"({'met' if t['events_per_s'] >= WRITE_TARGET else 'MISSED'}) |"
            for label, t in together
        ),
        f"| `audit verify` over {verify_['events']:,} events "
        f"| {verify_['events_per_s']:,} events/s | ≥ {VERIFY_TARGET:,}/s ({vok}) |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
