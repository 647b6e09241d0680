"""``manage.py restrictions restrict|lift|object --person UUID ...``.

For operators and scripts::

    manage.py restrictions restrict --person UUID --reason TEXT [--ground G]
        [--requested-by WHO] [--actor USERNAME]
    manage.py restrictions lift --person UUID --reason TEXT --actor USERNAME
        [--informed-how email|letter|phone|in_person] [--informed-on DATE]
    manage.py restrictions object --person UUID (--marketing |
        --legitimate-interest --note TEXT) [--actor USERNAME]

JSON describing what was recorded goes to standard output; a refusal exits
non-zero with a clear message (never a value). Lifting names the privacy
officer who lifts (``--actor``): no one else may; a restriction the person
asked for needs ``--informed-how`` (Art. 18(3): they are told first).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rekisteri.core.errors import ServiceError
from rekisteri.registry.models import Person
from rekisteri.restrictions import services
from rekisteri.restrictions.choices import (
    LiftNotice,
    ObjectionPurpose,
    RequestedBy,
    RestrictionGround,
)


class Command(BaseCommand):
    help = "Restriction of processing (Art. 18) and objections (Art. 21)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        restrict = sub.add_parser("restrict", help="restrict a person's processing")
        lift = sub.add_parser("lift", help="lift a person's restriction")
        obj = sub.add_parser("object", help="record a person's objection")
        for p in (restrict, lift, obj):
            p.add_argument("--person", required=True, help="the person's id")
            p.add_argument(
                "--actor", default=None, help="staff user name recorded as actor"
            )
        restrict.add_argument("--reason", required=True)
        restrict.add_argument(
            "--ground",
            choices=RestrictionGround.values,
            default=RestrictionGround.ACCURACY,
        )
        restrict.add_argument(
            "--requested-by",
            choices=RequestedBy.values,
            default=RequestedBy.DATA_SUBJECT,
        )
        lift.add_argument("--reason", required=True)
        lift.add_argument(
            "--informed-how",
            choices=LiftNotice.values,
            default="",
            help="how the person was told before the lifting (Art. 18(3); "
            "required when they asked for the restriction)",
        )
        lift.add_argument(
            "--informed-on",
            type=dt.date.fromisoformat,
            default=None,
            help="the day they were told, YYYY-MM-DD (default: today)",
        )
        which = obj.add_mutually_exclusive_group(required=True)
        which.add_argument("--marketing", action="store_true")
        which.add_argument("--legitimate-interest", action="store_true")
        obj.add_argument("--note", default="", help="the balancing note")

    def _person(self, value: str) -> Person:
        try:
            return Person.objects.get(pk=uuid.UUID(value))
        except (ValueError, Person.DoesNotExist):
            raise CommandError("No person has that id.") from None

    def _actor(self, value: str | None) -> Any:
        if not value:
            return None
        actor = get_user_model().objects.filter(username=value).first()
        if actor is None:
            raise CommandError("No staff user has that user name.")
        return actor

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        person = self._person(options["person"])
        actor = self._actor(options["actor"])
        try:
            if action == "restrict":
                r = services.restriction_place(
                    actor=actor,
                    person=person,
                    reason=options["reason"],
                    ground=options["ground"],
                    requested_by=options["requested_by"],
                )
                out = {
                    "restriction": str(r.pk),
                    "person": str(person.pk),
                    "ground": r.ground,
                    "active": True,
                }
            elif action == "lift":
                if actor is None:
                    raise CommandError(
                        "Name the privacy officer who lifts it with --actor."
                    )
                r = services.restriction_lift(
                    actor=actor,
                    person=person,
                    reason=options["reason"],
                    informed_how=options["informed_how"],
                    informed_on=options["informed_on"],
                )
                out = {
                    "restriction": str(r.pk),
                    "person": str(person.pk),
                    "active": False,
                }
            else:
                purpose = (
                    ObjectionPurpose.DIRECT_MARKETING
                    if options["marketing"]
                    else ObjectionPurpose.LEGITIMATE_INTEREST
                )
                o = services.objection_record(
                    actor=actor, person=person, purpose=purpose, note=options["note"]
                )
                out = {
                    "objection": str(o.pk),
                    "person": str(person.pk),
                    "purpose": o.purpose,
                }
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {' '.join(exc.reasons())}") from None
        self.stdout.write(json.dumps(out))
