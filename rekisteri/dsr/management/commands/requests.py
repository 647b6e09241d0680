"""``manage.py requests overdue [--days N]``: open rights-request cases past
or near their deadline, for a daily job (exit status 1 when any is overdue).
``manage.py requests purge``: delete expired exports and unconfirmed portal
submissions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from rekisteri.dsr import portal, selectors, services


class Command(BaseCommand):
    help = "Rights requests: list cases due soon or overdue; purge expired files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help="Open cases past or near the deadline")
        overdue.add_argument(
            "--days",
            type=int,
            default=selectors.DUE_SOON_DAYS,
            help="also list cases due within this many days (default 7)",
        )
        sub.add_parser("purge", help="Delete expired exports and portal drafts")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            exports = services.exports_purge_expired()
            drafts = portal.drafts_purge_expired()
            self.stdout.write(f"exports deleted: {exports}; drafts deleted: {drafts}")
            return
        today = timezone.localdate()
        rows = selectors.due_cases(today, options["days"])
        late = 0
        for case in rows:
            days = (case.due - today).days
            state = "OVERDUE" if days < 0 else "due"
            late += days < 0
            handler = case.handler.get_username() if case.handler else "-"
            self.stdout.write(
                f"{case.reference}\t{state}\t{case.due.isoformat()}\t{days:+d}\t"
                f"{case.status}\t{','.join(case.kinds)}\t{handler}"
            )
        self.stdout.write(f"{len(rows)} case(s), {late} overdue")
        if late:
            raise SystemExit(1)
