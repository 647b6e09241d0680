"""The domain benchmarks of ``make bench``: audit log, invoicing, messages,
backups, PRH bulk import, contact-list import.

    python -m benchmarks.domains [--databases sqlite,postgresql] [--only audit]
    python -m benchmarks.domains --report-only

Each benchmark runs in a process of its own with a time limit, on a fresh
database per vendor, and keeps its raw figures in var/bench/:
``audit-<vendor>.json``, ``billing-<vendor>.json``, ``messaging.json`` and
``backup-<vendor>.json``, ``prh.json`` and ``contacts.json``.
:func:`markdown` turns whatever figures exist into the sections that
benchmarks/report.py appends to docs/benchmarks.md, so a re-run of one
benchmark updates its section and leaves the others as they were.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks import audit, backup, billing, contacts, messaging, prh, rights

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
LIMIT_SECONDS = 30 * 60


def _run(args: list[str]) -> int:
    print("$ python -m " + " ".join(args), file=sys.stderr, flush=True)
    try:
        return subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", *args], cwd=ROOT, timeout=LIMIT_SECONDS
        ).returncode
    except subprocess.TimeoutExpired:
        print(f"timed out after {LIMIT_SECONDS} s", file=sys.stderr)
        return 1


QUICK = {
    "audit": [
        "--size",
        "5000",
        "--iterations",
        "40",
        "--warmup",
        "5",
        "--writes",
        "300",
    ],
    "billing": ["--size", "100"],
    "messaging": ["--size", "200", "--iterations", "20", "--warmup", "2"],
    "backup": ["--sizes", "1000,3000"],
    "prh": ["--size", "1000"],
    "contacts": ["--size", "500"],
    "rights": ["--sizes", "1000", "--messages", "50", "--invoices", "5"],
}
EXTRA: dict[str, list[str]] = {
    "audit": [],
    "billing": [],
    "messaging": [],
    "backup": [],
    "prh": [],
    "contacts": [],
    "rights": [],
}
BACKUP_DB = backup.PG_NAME


def run_audit(vendor: str) -> int:
    return _run(
        [
            "benchmarks.audit",
            "--database",
            vendor,
            "--out",
            str(VAR / f"audit-{vendor}.json"),
            *EXTRA["audit"],
        ]
    )


def run_billing(vendor: str) -> int:
    code = _run(
        ["benchmarks.billing", "--database", vendor, "--var-dir", str(VAR)]
        + EXTRA["billing"]
    )
    if code == 0:
        shutil.move(VAR / "billing.json", VAR / f"billing-{vendor}.json")
    return code


def run_messaging(vendors: list[str]) -> int:
    return _run(
        ["benchmarks.messaging", "--databases", ",".join(vendors)] + EXTRA["messaging"]
    )


def run_prh(vendors: list[str]) -> int:
    return _run(["benchmarks.prh", "--databases", ",".join(vendors)] + EXTRA["prh"])


def run_contacts(vendors: list[str]) -> int:
    return _run(
        ["benchmarks.contacts", "--databases", ",".join(vendors)] + EXTRA["contacts"]
    )


def run_rights(vendors: list[str]) -> int:
    return _run(
        ["benchmarks.rights", "--databases", ",".join(vendors)] + EXTRA["rights"]
    )


def run_backup(vendor: str, pg_name: str = BACKUP_DB) -> int:
    return _run(
        [
            "benchmarks.backup",
            "--database",
            vendor,
            "--pg-name",
            pg_name,
            "--out",
            str(VAR / f"backup-{vendor}.json"),
            *EXTRA["backup"],
        ]
    )


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _audit_section(result: dict) -> str:
    """audit.report's table under a per-database heading."""
    table = audit.report(result).split("\n", 1)[1]
    return f"### {result['database']}, {result['date']}\n{table}"


def markdown(var_dir: Path = VAR) -> str:
    """The domain sections of docs/benchmarks.md from the stored figures."""
    parts: list[str] = []
    audits = [
        r for v in ("sqlite", "postgresql") if (r := _load(var_dir / f"audit-{v}.json"))
    ]
    if audits:
        parts += [
            "## Audit log",
            "",
            "`python -m benchmarks.audit`: the person page with read auditing on "
            "and off, interleaved request by request in the same run, and its "
            "statements on the main database (in brackets those of the one audit "
            "append); audit events one per transaction, beside the same events "
            "appended together in `audit.batch()` blocks and request scopes "
            "(the ratio is to one per transaction); `audit verify` over a chain "
            "of 200,000 events.",
            "",
        ]
        parts += [_audit_section(r) + "\n" for r in audits]
    bills = [
        r
        for v in ("sqlite", "postgresql")
        if (r := _load(var_dir / f"billing-{v}.json"))
    ]
    if bills:
        parts += [
            "## Invoice run",
            "",
            "`python -m benchmarks.billing`: 10,000 invoices drafted, issued "
            "(gapless numbers, sealed contact snapshots, one audit event each) "
            "and exported as Finvoice 3.0 into one ZIP; target ≤ 60 s.",
            "",
        ]
        parts += [f"### {r['database']}\n\n{billing.table(r)}\n" for r in bills]
    msgs = _load(var_dir / "messaging.json")
    if msgs and msgs.get("runs"):
        parts += [
            "## Message history",
            "",
            "`python -m benchmarks.messaging`: mbox import throughput and the "
            f"organization timeline's first page ({msgs.get('date', '')[:16]} UTC).",
            "",
            messaging.render(msgs["runs"]),
        ]
    backups = [
        r
        for v in ("sqlite", "postgresql")
        if (r := _load(var_dir / f"backup-{v}.json"))
    ]
    if backups:
        parts += [
            "## Backup and restore",
            "",
            "`python -m benchmarks.backup`: `manage.py backup` on a fresh demo "
            "register of each size (20,000 and 100,000 persons unless "
            "`--sizes` says otherwise; PostgreSQL databases "
            f"`{backup.PG_NAME}` and `…_keys`, created and dropped), every "
            "operation in a process of its own. "
            "`create` snapshots, encrypts, writes and reads back to verify; "
            "`restore` verifies, decrypts, loads (PostgreSQL: `pg_restore` into "
            "a scratch database renamed into place) and replays the erasure "
            "ledger. Rates are MB (10⁶ bytes) of database per second, except "
            "`verify`, which reads only the archive (MB of snapshot per "
            "second); on PostgreSQL the rate of `pg_dump`'s compressed dump is "
            f"in brackets. Target: ≥ {backup.THROUGHPUT_TARGET:g} MB/s at the "
            "larger size.",
            "",
            "Memory is the peak resident set of the operation's process minus "
            "that of an idle process of the same run (`django.setup()`, the "
            "backup code imported, both databases connected), each read from "
            "the process's own high-water mark (VmHWM in /proc) when it ends. "
            "On PostgreSQL the peak of the `pg_dump` or `pg_restore` the "
            "operation runs beside it, polled from /proc, is added (in "
            "brackets: Python + program; an upper bound, as the two peaks "
            "need not coincide). The PostgreSQL server's own memory is not "
            "counted. Constant memory is met when the larger register costs "
            f"less than {backup.GROWTH_LIMIT_MB:g} MB more than the smaller "
            "one for every operation.",
            "",
        ]
        parts += [backup.report(r) for r in backups]
    retention_runs = _load(var_dir / "retention.json")
    if retention_runs and retention_runs.get("runs"):
        from benchmarks import retention

        parts += [
            "## Retention",
            "",
            "`python -m benchmarks.retention`: a demo register whose every role "
            "ended years ago (every person and organization due); the due-date "
            "recompute of the whole register, a sweep dry run over every due "
            "subject, and an erasing sweep of its first subjects through the "
            "rights engine; heap peaks by tracemalloc "
            f"({retention_runs.get('date', '')[:16]} UTC, "
            f"{retention_runs.get('database', 'sqlite')}).",
            "",
            retention.table(retention_runs),
            "",
        ]
    prh_runs = _load(var_dir / "prh.json")
    if prh_runs and prh_runs.get("runs"):
        parts += [
            "## PRH bulk import",
            "",
            "`python -m benchmarks.prh`: the all-companies bulk file (zip of one "
            "JSON array, v3 schema) imported against a register holding 1 % of "
            "its companies as customers, then again unchanged; a first load "
            "creating a hundredth of them; heap peak at a tenth and the full size "
            f"({prh_runs.get('date', '')[:16]} UTC).",
            "",
            prh.render(prh_runs["runs"]),
        ]
    contact_runs = _load(var_dir / "contacts.json")
    if contact_runs and contact_runs.get("runs"):
        parts += [
            "## Contact-list import",
            "",
            "`python -m benchmarks.contacts`: a vendor's semicolon CSV of contact "
            "persons (one company per 20 persons) imported into an empty register "
            "with encryption, blind-index matching, provenance, audit and Art. 14 "
            "tasks, then again (every row matched), a dry run, and heap peaks of a "
            f"dry run at a tenth and the full size ({contact_runs.get('date', '')[:16]}"
            " UTC).",
            "",
            contacts.render(contact_runs["runs"]),
        ]
    rights_runs = _load(var_dir / "rights.json")
    if rights_runs and rights_runs.get("runs"):
        parts += [
            "## Rights engine",
            "",
            "`python -m benchmarks.rights`: in a demo register of each size, the "
            "access export and the erasure plan of a person with 1,000 messages "
            "and 100 invoices (p50 / p95 of 20), and the erasure of ten persons "
            "with a tenth of that each; targets p95 ≤ 200, 30 and 50 ms, and the "
            "p95 ratio between sizes ≤ 1.2; ✗ marks a miss "
            f"({rights_runs.get('date', '')[:16]} UTC).",
            "",
            rights.render(rights_runs["runs"]),
        ]
    return "\n".join(parts)


START, END = "<!-- domain benchmarks -->", "<!-- end of domain benchmarks -->"


def block(var_dir: Path = VAR) -> str:
    """The marked block report.py puts before "What is measured"."""
    return f"{START}\n\n{markdown(var_dir)}\n{END}\n"


def write_doc(doc: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Regenerate the whole page when the register's figures are at hand,
    otherwise replace only the domain block of the page as it is."""
    from benchmarks import carry, report, run

    results = run.load_results(VAR / "results.json")
    old = doc.read_text() if doc.exists() else ""
    if results.get("machine"):
        doc.write_text(carry.carry_page(old, report.render(results)))
        return
    text = old
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = carry.carry_domains(old, head + block() + "\n" + tail)
    else:
        anchor = "## What is measured"
        head, sep, tail = text.partition(anchor)
        text = head + block() + "\n" + sep + tail if sep else text + "\n" + block()
    doc.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--only", default="audit,billing,messaging,backup,prh,contacts,rights"
    )
    parser.add_argument(
        "--backup-db",
        default=BACKUP_DB,
        help="PostgreSQL database the backup benchmark creates and drops.",
    )
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="Tiny sizes: check that all runs."
    )
    args = parser.parse_args(argv)
    if args.quick:
        EXTRA.update(QUICK)
    vendors = [v.strip() for v in args.databases.split(",") if v.strip()]
    only = {o.strip() for o in args.only.split(",")}
    failures = 0
    if not args.report_only:
        VAR.mkdir(parents=True, exist_ok=True)
        for vendor in vendors:
            if "audit" in only:
                failures += run_audit(vendor) != 0
            if "billing" in only:
                failures += run_billing(vendor) != 0
            if "backup" in only:
                failures += run_backup(vendor, args.backup_db) != 0
        if "messaging" in only:
            failures += run_messaging(vendors) != 0
        if "prh" in only:
            failures += run_prh(vendors) != 0
        if "contacts" in only:
            failures += run_contacts(vendors) != 0
        if "rights" in only:
            failures += run_rights(vendors) != 0
    write_doc()
    if failures:
        sys.exit(f"{failures} benchmark(s) failed")


if __name__ == "__main__":
    main()
