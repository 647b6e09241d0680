"""``manage.py registry contact-mapping`` and ``registry import-contacts``
(installed by :func:`rekisteri.connectors.hooks.install`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from rekisteri.connectors.contacts import importer
from rekisteri.connectors.models import ContactMapping
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.registry import extensions


def _fail(exc: ServiceError) -> CommandError:
    if isinstance(exc, ValidationFailed):
        return CommandError(f"{exc.code}: " + "; ".join(exc.reasons()))
    return CommandError(f"{exc.code}: {exc}")


def _mapping_arguments(parser) -> None:
    parser.add_argument("name", help="A name for the vendor's layout, e.g. fonecta.")
    parser.add_argument(
        "--source", required=True, help="Data source code (asiakastieto, fonecta…)."
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="Map a register field to a column header; repeat. Fields: "
        + ", ".join(importer.FIELDS),
    )
    parser.add_argument("--encoding", default="auto")
    parser.add_argument("--role", default="contact", help="Role the persons get.")


def _mapping_run(command: Any, options: dict[str, Any]) -> None:
    columns: dict[str, str] = {}
    for pair in options["column"]:
        field, sep, header = pair.partition("=")
        if not sep:
            raise CommandError(f"--column wants FIELD=HEADER, got {pair!r}")
        columns[field.strip()] = header.strip()
    try:
        mapping = importer.mapping_save(
            actor=None,
            name=options["name"],
            source=options["source"],
            columns=columns,
            encoding=options["encoding"],
            role_kind=options["role"],
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    command.stdout.write(f"Mapping {mapping.name} saved ({len(columns)} columns).")


def _import_arguments(parser) -> None:
    parser.add_argument("file", help="A CSV or XLSX contact list.")
    parser.add_argument("--mapping", required=True, help="A saved mapping's name.")
    parser.add_argument(
        "--dry-run", action="store_true", help="Show each row's fate; write nothing."
    )


def _import_run(command: Any, options: dict[str, Any]) -> None:
    mapping = ContactMapping.objects.filter(name=options["mapping"]).first()
    if mapping is None:
        raise CommandError(
            f"No mapping called {options['mapping']!r}: save one with "
            "`manage.py registry contact-mapping`."
        )
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    stream = getattr(command.stderr, "_out", sys.stderr)
    tty = hasattr(stream, "isatty") and stream.isatty()
    verbose = options.get("verbosity", 1) >= 1
    started = time.monotonic()
    last = [started]

    def progress(rows: int) -> None:
        now = time.monotonic()
        if verbose and now - last[0] >= (0.2 if tty else 2.0):
            last[0] = now
            line = f"… {rows:,} rows ({rows / max(now - started, 1e-9):,.0f}/s)"
            if tty:
                stream.write("\r" + line)
                stream.flush()
            else:
                command.stderr.write(line)

    try:
        report = importer.import_contacts(
            actor=None,
            path=path,
            mapping=mapping,
            dry_run=options["dry_run"],
            progress=progress,
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    finally:
        if tty and verbose:
            stream.write("\n")
    elapsed = time.monotonic() - started
    s = report.summary()
    head = "Dry run" if report.dry_run else f"Batch {report.batch_id}"
    command.stdout.write(
        f"{head}: {s['rows']:,} rows in {elapsed:.1f} s — {s['create']:,} new, "
        f"{s['update']:,} updated, {s['unchanged']:,} unchanged, "
        f"{s['suppressed']:,} suppressed, {s['duplicate']:,} duplicates, "
        f"{s['error']:,} errors; {s['inform_tasks']:,} Art. 14 tasks, "
        f"{s['organizations_created']:,} organizations created"
    )
    for note in report.notes:
        command.stdout.write(f"  note: {note}")
    shown = 0
    for row in report.rows:
        if row.fate in ("error", "suppressed", "duplicate") or row.reasons:
            command.stdout.write(
                f"  row {row.number}: {row.fate} — {'; '.join(row.reasons)}"
            )
            shown += 1
            if shown >= 50:
                command.stdout.write("  …")
                break


def install() -> None:
    extensions.register_subcommand(
        extensions.Subcommand(
            name="contact-mapping",
            help="Save a vendor's contact-list column mapping.",
            add_arguments=_mapping_arguments,
            run=_mapping_run,
        )
    )
    extensions.register_subcommand(
        extensions.Subcommand(
            name="import-contacts",
            help="Import a third-party contact list (CSV or XLSX) with a mapping.",
            add_arguments=_import_arguments,
            run=_import_run,
        )
    )
