"""Message-history benchmark: timeline first page and mbox import.

    python -m benchmarks.messaging [--size 10000] [--databases sqlite,postgresql]

For each database, in a fresh database and a process of its own:

* **import throughput**: an mbox of ``size`` generated messages (plain and
  quoted-printable Finnish text, every tenth with an attachment, replies
  that thread) is imported into one organization; messages per second
  (target ≥ 500/s).
* **import peak memory**: Python heap peak (tracemalloc) while importing an
  mbox of ``size / 10`` messages and one of ``size`` messages into two
  other organizations: constant memory means the two peaks are alike.
* **timeline first page**: the organization with ``size`` messages, newest
  20 (selector, and the full HTMX view with rendering and its audit event),
  p50/p95 over ``--iterations`` runs (target p95 ≤ 50 ms), against the same
  page of an organization with 20 messages in the same run (the baseline:
  a flat read costs the same at 20 and at ``size``), and its heap peak.

Prints a Markdown table and writes the raw figures to var/bench/messaging.json.
Verify at a tiny size (``--size 200``); real figures come from a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "rekisteri_bench_messaging"
TIMELINE_TARGET_MS = 50.0
IMPORT_TARGET_PER_S = 500.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def write_mbox(path: Path, count: int, *, tag: str, addresses: list[str]) -> int:
    """An mbox of ``count`` messages, streamed to ``path``; returns bytes."""
    import base64
    import quopri

    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)
    with path.open("wb") as out:
        for n in range(count):
            when = start + dt.timedelta(minutes=7 * n)
            sender = addresses[n % len(addresses)]
            text = (
                f"Hei,\n\nviesti {n}: tilauksen {n % 97} tilanne, käyttäjät ja "
                "päivitys. Ystävällisin terveisin,\nAsiakas\n"
            ) * 3
            qp = quopri.encodestring(text.encode("utf-8")).decode("ascii")
            reply = f"In-Reply-To: <{tag}-{n - 1}@bench.example>\n" if n % 3 else ""
            head = (
                f"From {sender} {when:%a %b %d %H:%M:%S %Y}\n"
                f"From: Asiakas {n % 50} <{sender}>\n"
                "To: Tuki <tuki@toimittaja.example>\n"
                f"Subject: =?utf-8?q?Tilaus_{n}_p=C3=A4ivitys?=\n"
                f"Message-ID: <{tag}-{n}@bench.example>\n{reply}"
                f"Date: {when:%a, %d %b %Y %H:%M:%S +0000}\nMIME-Version: 1.0\n"
            )
            if n % 10 == 0:
                attachment = base64.encodebytes(os.urandom(2048)).decode("ascii")
                body = (
                    'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
                    "Content-Type: text/plain; charset=utf-8\n"
                    f"Content-Transfer-Encoding: quoted-printable\n\n{qp}\n--b\n"
                    "Content-Type: application/pdf; name=liite.pdf\n"
                    "Content-Disposition: attachment; filename=liite.pdf\n"
                    f"Content-Transfer-Encoding: base64\n\n{attachment}--b--\n"
                )
            else:
                body = (
                    "Content-Type: text/plain; charset=utf-8\n"
                    f"Content-Transfer-Encoding: quoted-printable\n\n{qp}\n"
                )
            out.write((head + body + "\n").encode("ascii"))
    return path.stat().st_size


def _pg(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def fresh_database(vendor: str, var_dir: Path, size: int) -> dict[str, str]:
    """Environment for a case on a new, empty database (and key store)."""
    if vendor == "sqlite":
        path = (var_dir / f"messaging-{size}.sqlite3").resolve()
        keys = path.with_name(path.stem + "-keys.sqlite3")
        for base in (path, keys):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        return {
            "DATABASE_URL": f"sqlite:///{path}",
            "KEYSTORE_DATABASE_URL": f"sqlite:///{keys}",
        }
    _pg(
        f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{PG_DB}_keys" WITH (FORCE)',
        f'CREATE DATABASE "{PG_DB}"',
        f'CREATE DATABASE "{PG_DB}_keys"',
    )
    base = PG_ADMIN.rsplit("/", 1)[0]
    return {
        "DATABASE_URL": f"{base}/{PG_DB}",
        "KEYSTORE_DATABASE_URL": f"{base}/{PG_DB}_keys",
    }


def drop_database(vendor: str, var_dir: Path, size: int) -> None:
    """Remove what :func:`fresh_database` made."""
    if vendor == "sqlite":
        path = (var_dir / f"messaging-{size}.sqlite3").resolve()
        keys = path.with_name(path.stem + "-keys.sqlite3")
        for base in (path, keys):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        return
    _pg(
        f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{PG_DB}_keys" WITH (FORCE)',
    )


# --------------------------------------------------------------------------
# One case (inside its own process)
# --------------------------------------------------------------------------


def _timings(fn: Any, iterations: int, warmup: int) -> dict[str, float]:
    from benchmarks.stats import summary

    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t)
    return summary(seconds)


def _peak(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_case(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from rekisteri.core.crypto import keyfile

    keyfile.main(["keyfile", "init"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from rekisteri.accounts.choices import StaffRole
    from rekisteri.messaging import selectors
    from rekisteri.messaging.importing import import_messages
    from rekisteri.registry.services import role_create
    from rekisteri.testing import make_org, make_person, make_staff

    call_command("migrate_all", verbosity=0)
    var_dir = Path(args.var_dir)
    size = args.size
    result: dict[str, Any] = {"database": connection.vendor, "size": size}
    staff = make_staff(StaffRole.CUSTOMER_SERVICE, username="bench")
    orgs = {
        name: make_org(name=f"Bench {name} Oy")
        for name in ("big", "small", "mem", "base")
    }
    addresses = []
    for n in range(5):
        email = f"yhteys{n}@asiakas.example"
        person = make_person(emails=[email])
        role_create(actor=None, person=person, organization=orgs["big"], kind="contact")
        addresses.append(email)
    addresses += [f"muu{n}@muualla.example" for n in range(20)]

    def do_import(org_key: str, count: int, tag: str) -> dict[str, Any]:
        path = var_dir / f"messaging-{tag}.mbox"
        nbytes = write_mbox(path, count, tag=tag, addresses=addresses)
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = import_messages(
                actor=staff, stream=stream, organization=orgs[org_key]
            )
        seconds = time.perf_counter() - started
        path.unlink()
        assert report.created == count, report.as_dict()["errors"][:3]
        return {
            "messages": count,
            "bytes": nbytes,
            "seconds": round(seconds, 3),
            "per_second": round(count / seconds, 1),
        }

    log("  import")
    result["import"] = do_import("big", size, "big")
    log("  import memory")
    small = max(size // 10, 10)
    mem: dict[str, Any] = {}
    mem["small"] = {"messages": small}
    mem["small"]["peak_bytes"] = _peak(lambda: do_import("small", small, "small"))
    mem["large"] = {"messages": size}
    mem["large"]["peak_bytes"] = _peak(lambda: do_import("mem", size, "mem"))
    result["import_memory"] = mem
    do_import("base", 20, "base")

    log("  timeline")
    client = Client()
    client.force_login(staff)
    timeline: dict[str, Any] = {}
    for key, org in (("big", orgs["big"]), ("baseline_20", orgs["base"])):
        url = reverse("messaging:organization_timeline", args=[org.pk])

        def select(org: Any = org) -> None:
            page = selectors.timeline(user=staff, organization=org)
            assert len(page.items) == 20

        def view(url: str = url) -> None:
            response = client.get(url, headers={"HX-Request": "true"})
            assert response.status_code == 200

        timeline[key] = {
            "selector": _timings(select, args.iterations, args.warmup),
            "view": _timings(view, args.iterations, args.warmup),
            "view_peak_bytes": _peak(view),
        }
    result["timeline"] = timeline
    return result


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| Database | Messages | Measure | Figure | Target | Met |",
        "|---|---:|---|---:|---:|:-:|",
    ]
    for r in results:
        if "failed" in r:
            lines.append(
                f"| {r['database']} | {r['size']:,} | failed: {r['failed']} | | | |"
            )
            continue
        db, n = r["database"], r["size"]
        imp = r["import"]
        ok = imp["per_second"] >= IMPORT_TARGET_PER_S
        lines.append(
            f"| {db} | {n:,} | mbox import throughput | {imp['per_second']:,.0f}/s "
            f"| ≥ {IMPORT_TARGET_PER_S:.0f}/s | {'yes' if ok else 'no'} |"
        )
        small, large = r["import_memory"]["small"], r["import_memory"]["large"]
        # "Constant": ten times the messages may not cost twice the heap (plus
        # the bounded per-import caches, a few MiB at most).
        flat = large["peak_bytes"] < 2 * small["peak_bytes"] + 4_000_000
        lines.append(
            f"| {db} | {n:,} | import heap peak, {small['messages']:,} vs "
            f"{large['messages']:,} messages | {_mib(small['peak_bytes'])} vs "
            f"{_mib(large['peak_bytes'])} | constant | {'yes' if flat else 'no'} |"
        )
        for key, label in (("big", f"{n:,} messages"), ("baseline_20", "baseline, 20")):
            t = r["timeline"][key]
            for kind in ("selector", "view"):
                p95 = t[kind]["p95_ms"]
                lines.append(
                    f"| {db} | {n:,} | timeline first page ({label}), {kind} p50 / p95 "
                    f"| {t[kind]['p50_ms']:.1f} / {p95:.1f} ms | p95 ≤ 50 ms | "
                    f"{'yes' if p95 <= TIMELINE_TARGET_MS else 'no'} |"
                )
            lines.append(
                f"| {db} | {n:,} | timeline view heap peak ({label}) | "
                f"{_mib(t['view_peak_bytes'])} | constant | |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="Messages.")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the databases afterwards."
    )
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if args.case:
        result = run_case(args)
        args.out.write_text(json.dumps(result, indent=2))
        return
    results = []
    for vendor in [d.strip() for d in args.databases.split(",") if d.strip()]:
        log(f"{vendor}, {args.size:,} messages")
        try:
            env = {
                **os.environ,
                **fresh_database(vendor, args.var_dir, args.size),
                "REKISTERI_VAR_DIR": str(args.var_dir.resolve()),
                "DJANGO_SETTINGS_MODULE": "rekisteri.settings",
            }
        except Exception as exc:  # PostgreSQL not reachable: say so
            results.append({"database": vendor, "size": args.size, "failed": str(exc)})
            continue
        out = args.var_dir / f"messaging-case-{vendor}.json"
        out.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "benchmarks.messaging",
            f"--case={vendor}",
            f"--out={out}",
            f"--size={args.size}",
            f"--iterations={args.iterations}",
            f"--warmup={args.warmup}",
            f"--var-dir={args.var_dir}",
        ]
        code = subprocess.call(command, env=env, cwd=ROOT)  # noqa: S603
        if code != 0 or not out.exists():
            results.append(
                {"database": vendor, "size": args.size, "failed": f"exit status {code}"}
            )
            continue
        results.append(json.loads(out.read_text()))
        out.unlink()
        if not args.keep:
            drop_database(vendor, args.var_dir, args.size)
    (args.var_dir / "messaging.json").write_text(
        json.dumps(
            {"date": dt.datetime.now(dt.UTC).isoformat(), "runs": results}, indent=2
        )
    )
    print(render(results))


if __name__ == "__main__":
    main()
