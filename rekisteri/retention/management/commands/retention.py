"""``manage.py retention recompute|sweep`` (docs/retention.md)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rekisteri.retention import services
from rekisteri.retention.sweep import SweepRefused, run_sweep


class Command(BaseCommand):
    help = "Retention: recompute the due dates; sweep what is due."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("recompute", help="Recompute every due date (idempotent)")
        rec.add_argument("--batch-size", type=int, default=services.BATCH)
        sw = sub.add_parser("sweep", help="Erase and shred what is due")
        sw.add_argument("--dry-run", action="store_true", help="Change nothing")
        sw.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
        sw.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=(
                "Due rows per batch, fixed (default: 2,000 on PostgreSQL and "
                "for a dry run; on SQLite sized to take about "
                "REKISTERI_RETENTION_SWEEP_BATCH_SECONDS each)"
            ),
        )
        sw.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if options["action"] == "recompute":
            self._recompute(options)
        else:
            self._sweep(options)

    def _tty(self, options: dict[str, Any]) -> bool:
        return not options.get("no_progress") and sys.stdout.isatty()

    def _recompute(self, options: dict[str, Any]) -> None:
        tty = self._tty(options)

        def progress(kind: str, n: int) -> None:
            if tty:
                self.stdout.write(f"\r{kind}: {n}", ending="")
                self.stdout.flush()

        out = services.recompute_all(
            batch_size=options["batch_size"], progress=progress
        )
        if tty:
            self.stdout.write("")
        for kind, ch in out.items():
            self.stdout.write(
                f"{kind}s: {ch.subjects} subjects, {ch.changed} changed "
                f"({ch.created} new, {ch.updated} moved, {ch.deleted} removed)"
            )

    def _sweep(self, options: dict[str, Any]) -> None:
        tty = self._tty(options)

        def progress(run: Any) -> None:
            if tty:
                width = 30
                done = int(width * run.processed / run.total) if run.total else width
                self.stdout.write(
                    f"\r[{'#' * done}{'.' * (width - done)}] "
                    f"{run.processed}/{run.total}",
                    ending="",
                )
                self.stdout.flush()

        try:
            run = run_sweep(
                as_of=options["as_of"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        except SweepRefused as exc:
            raise CommandError(str(exc)) from None
        if tty:
            self.stdout.write("")
        mode = "dry run" if run.dry_run else "sweep"
        self.stdout.write(
            f"Retention {mode} {run.pk} as of {run.as_of.isoformat()}: "
            f"{run.processed} due subject(s) looked at."
        )
        for rule in sorted(run.counts):
            parts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts[rule].items()))
            self.stdout.write(f"  {rule}: {parts}")
        for entry in run.entries.order_by("id")[:20]:
            self.stdout.write(
                f"  {entry.kind} {entry.rule} {entry.subject_type} "
                f"{entry.subject_id}: {', '.join(entry.codes)} {entry.message}"
            )
        more = run.entries.count() - 20
        if more > 0:
            self.stdout.write(f"  … {more} more in the run log")
