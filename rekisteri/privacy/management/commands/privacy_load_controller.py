"""``manage.py privacy_load_controller``: load the shipped controller profile.

For a production setup: loads the controller of the seed notice (LeadDesk
Solutions Oy) with its texts in Finnish, Swedish and English. It refuses to
overwrite an existing profile unless ``--replace`` is given. Publishing stays
a separate, deliberate step (``--publish`` or the privacy office page).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.core.errors import ServiceError
from rekisteri.privacy import services
from rekisteri.privacy.models import ControllerProfile


class Command(BaseCommand):
    help = "Load the shipped controller profile (the seed notice's controller)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replace", action="store_true", help="Overwrite an existing profile."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the notice afterwards (refused if the check fails).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if ControllerProfile.objects.exists() and not options["replace"]:
            raise CommandError(
                "A controller profile exists; use --replace to overwrite it."
            )
        services.profile_load_seed(actor=None)
        self.stdout.write("Controller profile loaded.")
        if options["publish"]:
            try:
                version = services.notice_publish(actor=None)
            except ServiceError as exc:
                fields = getattr(exc, "fields", {})
                detail = "; ".join(m for errs in fields.values() for _c, m in errs)
                raise CommandError(detail or exc.message) from exc
            self.stdout.write(f"Privacy notice version {version.number} published.")
