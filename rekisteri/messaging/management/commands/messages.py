"""``manage.py messages import FILE [--organization ID] [--actor USERNAME]``.

Imports an .eml or Outlook .msg file or an mbox of any size in constant memory, printing
progress to stderr and a report (errors by message number and byte offset)
to stdout. Exit status 1 when any message was not imported, so a script
notices; the messages that could be read are imported either way, and
running it again adds nothing twice.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.messaging.importing import ImportReport, import_messages
from rekisteri.registry.models import Organization


class Command(BaseCommand):
    help = "Message history operations: import an .eml or .msg file or an mbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import an .eml or .msg file or an mbox")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--organization",
            default=None,
            help="customer number or id of the organization the mail belongs to "
            "(default: derived from the participants' roles)",
        )
        imp.add_argument(
            "--actor", default=None, help="staff user name recorded as importer"
        )

    def _organization(self, value: str | None) -> Organization | None:
        if not value:
            return None
        try:
            return Organization.objects.get(pk=uuid.UUID(value))
        except (ValueError, Organization.DoesNotExist):
            pass
        found = Organization.objects.filter(customer_number=value).first()
        if found is None:
            raise CommandError("No organization has that customer number or id.")
        return found

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        organization = self._organization(options["organization"])
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError("No staff user has that user name.")
        started = time.perf_counter()
        size = path.stat().st_size

        def progress(report: ImportReport) -> None:
            rate = report.total / max(time.perf_counter() - started, 1e-9)
            sys.stderr.write(
                f"  {report.total} messages read, {report.created} imported, "
                f"{len(report.errors)} not imported ({rate:.0f}/s)\n"
            )

        with path.open("rb") as stream:
            report = import_messages(
                actor=actor, stream=stream, organization=organization, progress=progress
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{report.format} file of {size} bytes: {report.total} messages, "
            f"{report.created} imported, {report.duplicates} already imported, "
            f"{len(report.errors)} not imported, in {elapsed:.1f} s."
        )
        for e in report.errors:
            self.stdout.write(
                f"  message {e.index} at byte {e.offset}: {e.code}: {e.reason}"
            )
        for w in report.warnings:
            self.stdout.write(
                f"  note, message {w.index} at byte {w.offset}: {w.reason}"
            )
        if report.errors:
            sys.exit(1)
