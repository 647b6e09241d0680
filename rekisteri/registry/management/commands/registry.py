"""``manage.py registry <subcommand>``: register-wide jobs.

The subcommands come from the apps that build on the register (they register
them in ``AppConfig.ready`` through ``rekisteri.registry.extensions``), so the
register itself imports none of them: ``registry refresh-prh`` and
``registry import-prh`` belong to the connectors (docs/connectors.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.registry import extensions


class Command(BaseCommand):
    help = "Register-wide jobs: imports and refreshes from outside registries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for s in extensions.subcommands():
            s.add_arguments(sub.add_parser(s.name, help=s.help))

    def handle(self, *args: Any, **options: Any) -> None:
        for s in extensions.subcommands():
            if s.name == options["action"]:
                s.run(self, options)
                return
        raise CommandError(f"unknown subcommand {options['action']!r}")
