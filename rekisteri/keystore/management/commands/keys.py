"""Key operations: verify the master key, add a new one, rotate to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.core.crypto.master import KeyConfigError, add_key_to_file
from rekisteri.keystore import keys
from rekisteri.keystore.conf import setting
from rekisteri.keystore.models import DataKey
from rekisteri.keystore.router import KEYSTORE_DB


class Command(BaseCommand):
    help = "Master-key operations: verify, add-master, rotate-master."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the configured master key")
        add = sub.add_parser(
            "add-master", help="add a new active master key to the key file"
        )
        add.add_argument("--id", default=None, help="name of the new key")
        rotate = sub.add_parser(
            "rotate-master",
            help="re-wrap every data key under the active master key (resumable)",
        )
        rotate.add_argument("--batch", type=int, default=1000)
        orphans = sub.add_parser(
            "remove-orphans",
            help="delete data keys whose subject has no row (an interrupted "
            "bulk write); shredded keys' tombstones are kept",
        )
        orphans.add_argument("--older-than-hours", type=float, default=24.0)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "verify":
                keys.verify_master_key()
                p = keys.provider()
                primary = keys.ring_primary(fresh=True) or p.active_id
                live = DataKey.objects.using(KEYSTORE_DB).filter(wrapped__isnull=False)
                stale = live.exclude(master_key_id=primary).count()
                orphans = len(keys.orphan_keys(older_than=timedelta(hours=24)))
                self.stdout.write(
                    f"Master key {p.active_id} is correct; the primary is {primary}. "
                    f"{live.count()} live data keys, {stale} still wrapped by an "
                    f"older master key, {orphans} orphan data keys (older than 24 "
                    "hours, no person or organization; `keys remove-orphans` "
                    "deletes them)."
                )
            elif action == "remove-orphans":
                removed = keys.remove_orphans(
                    older_than=timedelta(hours=options["older_than_hours"])
                )
                self.stdout.write(f"Removed {removed} orphan data keys.")
            elif action == "add-master":
                key_id = add_key_to_file(
                    setting("REKISTERI_MASTER_KEY_FILE"), options["id"]
                )
                keys.reset_provider()
                keys.verify_master_key()
                self.stdout.write(
                    f"Added master key {key_id} and made it active. Run "
                    "`manage.py keys rotate-master` to re-wrap existing data keys; "
                    "keep the old key until it reports 0 left."
                )
            else:
                done = keys.rotate_master(
                    batch_size=options["batch"],
                    progress=lambda n: self.stdout.write(f"  re-wrapped {n}"),
                )
                self.stdout.write(f"Re-wrapped {done} data keys.")
        except KeyConfigError as exc:
            raise CommandError(str(exc)) from exc
