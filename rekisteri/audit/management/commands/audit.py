"""``manage.py audit verify`` and ``manage.py audit purge``.

``verify`` streams the log and exits non-zero, naming the first bad row, when
the chain is broken (with ``--anchor FILE`` also when the chain no longer
holds a head anchored outside the database: a rollback); ``anchor FILE``
appends the current head; ``purge`` applies the ``audit`` retention rule.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.audit.anchor import append_anchor, check_anchors
from rekisteri.audit.purge import audit_purge
from rekisteri.audit.verify import DEFAULT_CHUNK, verify_chain
from rekisteri.core.errors import ServiceError

PROGRESS_SECONDS = 2.0


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or purge events past retention."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check the whole chain.")
        verify.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
        verify.add_argument(
            "--anchor",
            type=Path,
            default=None,
            help="append-only anchor file: check that the chain still holds "
            "every head written there, then append the current head",
        )
        sub.add_parser("purge", help="Delete events past the audit retention period.")
        anchor = sub.add_parser(
            "anchor", help="Append the chain's current head to an anchor file."
        )
        anchor.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options)
        elif options["action"] == "anchor":
            written = append_anchor(options["file"])
            self.stdout.write(
                f"anchored event {written['last_id']} in {options['file']}"
            )
        else:
            self._purge()

    def _verify(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        last_report = started
        verbosity = options.get("verbosity", 1)

        def progress(checked: int, last_id: int) -> None:
            nonlocal last_report
            now = time.monotonic()
            if verbosity >= 1 and now - last_report >= PROGRESS_SECONDS:
                last_report = now
                rate = checked / max(now - started, 1e-9)
                self.stderr.write(
                    f"… {checked:,} events checked (at row {last_id}, {rate:,.0f}/s)"
                )

        result = verify_chain(chunk=max(100, options["chunk"]), progress=progress)
        elapsed = time.monotonic() - started
        if not result.ok:
            raise CommandError(
                f"audit log BROKEN after {result.checked:,} good events — "
                f"{result.problem}"
            )
        if options.get("anchor"):
            if not options["anchor"].exists():
                self.stderr.write(
                    f"no anchor file {options['anchor']} yet: starting it (if it "
                    "existed before, it was removed: investigate)"
                )
            problem = check_anchors(options["anchor"])
            if problem is not None:
                raise CommandError(f"audit log ROLLED BACK — {problem}")
            append_anchor(options["anchor"])
        if verbosity >= 1:
            span = (
                f"events {result.first_id}–{result.last_id}"
                if result.checked
                else "no events"
            )
            self.stdout.write(
                f"audit log OK: {result.checked:,} events ({span}) in {elapsed:.2f} s"
            )

    def _purge(self) -> None:
        try:
            result = audit_purge(actor=None)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"purged {result.purged:,} events older than {result.cutoff:%Y-%m-%d}; "
            f"the chain now starts at event {result.first_id}"
        )
