"""``manage.py seed_demo``: fill the register with Finnish-looking demo data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.demo import register as demo


class Command(BaseCommand):
    help = (
        "Add demo organizations and persons to the register, streaming in "
        "batches. Re-running adds more; nothing collides."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organizations", type=int, required=True, help="Organizations to add."
        )
        parser.add_argument(
            "--persons", type=int, required=True, help="Persons to add."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=demo.DEFAULT_BATCH,
            help=(
                "Persons (and organizations) per batch, one transaction each "
                "(default %(default)s). Larger batches commit less often, which "
                "is faster on a big SQLite register, and hold more rows in memory."
            ),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (default %(default)s)."
        )
        parser.add_argument(
            "--source",
            default=demo.DEFAULT_SOURCE,
            help="DataSource code recorded as provenance (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def report(p: demo.Progress) -> None:
            # Counts and rates only: progress output must not carry personal
            # data, since it ends up in terminals and CI logs.
            self.stdout.write(
                f"batch {p.batch}/{p.batches}: {p.organizations:,} organizations, "
                f"{p.persons:,} persons, {p.rows:,} rows, "
                f"{p.persons_per_second:,.0f} persons/s, "
                f"{p.rows_per_second:,.0f} rows/s"
            )

        try:
            result = demo.seed(
                organizations=options["organizations"],
                persons=options["persons"],
                batch_size=options["batch"],
                seed=options["seed"],
                source=options["source"],
                progress=report,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.organizations:,} organizations and "
                f"{result.persons:,} persons ({result.emails:,} emails, "
                f"{result.phones:,} phones, {result.roles:,} roles) in "
                f"{result.seconds:.1f} s: {result.persons_per_second:,.0f} persons/s."
            )
        )
