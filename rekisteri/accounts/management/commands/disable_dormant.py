"""``manage.py disable_dormant``: disable accounts nobody has used for a while.

An account with no login for ``REKISTERI_DORMANT_DAYS`` (default 90) days —
or, never used, created that long ago — is disabled, each audited as
``staff_user.disable`` with reason ``dormant``. Run it daily from cron or a
systemd timer. ``--dry-run`` lists without disabling.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rekisteri.accounts.conf import setting
from rekisteri.accounts.services import disable_dormant, dormant_accounts


class Command(BaseCommand):
    help = "Disable staff accounts with no login for REKISTERI_DORMANT_DAYS days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days without a login (default {setting('REKISTERI_DORMANT_DAYS')}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List, do not disable."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        if options["dry_run"]:
            users = dormant_accounts(days=days)
            verb = "Would disable"
        else:
            users = disable_dormant(days=days)
            verb = "Disabled"
        for user in users:
            self.stdout.write(f"{verb} {user.get_username()} (id {user.pk})")
        self.stdout.write(f"{verb} {len(users)} dormant account(s).")
