"""``manage.py contracts <job>``: the contracts jobs for cron or systemd.

* ``end-due`` — end every active contract whose end date has passed (daily;
  idempotent, a second run ends nothing).
* ``relationship-refresh`` — recompute every organization's relationship end
  (after bulk imports that bypass the services).
* ``product-add CODE NAME`` — add a product or service to the catalogue.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.contracts.relationship import relationship_refresh
from rekisteri.contracts.services import contracts_end_due, product_create
from rekisteri.core import keyring
from rekisteri.core.errors import ServiceError
from rekisteri.registry.models import Organization


class Command(BaseCommand):
    help = "Contracts jobs: end-due, relationship-refresh, product-add."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="job", required=True)
        sub.add_parser("end-due", help="End active contracts past their end date.")
        sub.add_parser("relationship-refresh", help="Recompute every relationship end.")
        add = sub.add_parser("product-add", help="Add a product or service.")
        add.add_argument("code")
        add.add_argument("name")
        add.add_argument("--description", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        with keyring.key_scope():
            getattr(self, "_" + options["job"].replace("-", "_"))(options)

    def _end_due(self, options: dict) -> None:
        ended = contracts_end_due(actor=None)
        self.stdout.write(f"Contracts ended: {ended}")

    def _relationship_refresh(self, options: dict) -> None:
        n = 0
        for org in Organization.objects.only("id", "sole_trader").iterator(
            chunk_size=1000
        ):
            relationship_refresh(org)
            n += 1
        self.stdout.write(f"Relationship ends recomputed: {n}")

    def _product_add(self, options: dict) -> None:
        try:
            product = product_create(
                actor=None,
                code=options["code"],
                name=options["name"],
                description=options["description"],
            )
        except ServiceError as exc:
            fields = getattr(exc, "fields", {})
            detail = "; ".join(
                f"{k}: {m}" for k, errs in fields.items() for _c, m in errs
            )
            raise CommandError(detail or exc.message) from None
        self.stdout.write(f"Product added: {product.code}")
