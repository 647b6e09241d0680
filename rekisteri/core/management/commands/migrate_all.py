"""Migrate the key store database and the main database, in that order."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from rekisteri.core.crypto.master import KeyConfigError
from rekisteri.core.keyring import KEYSTORE_DB, verify_master_key


class Command(BaseCommand):
    help = (
        "Apply migrations to the key store and then to the main database (the "
        "main database's data migrations need the key store)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        call_command(
            "migrate", database=KEYSTORE_DB, interactive=False, verbosity=verbosity
        )
        # The key store is read only after its migrations ran.
        try:
            verify_master_key()
        except KeyConfigError as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=verbosity)
        # The shared cache (rate limits) is a table of its own.
        call_command("createcachetable", verbosity=verbosity)
