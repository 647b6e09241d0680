"""``manage.py rights``: data-subject rights for operators and scripts.

* ``export --person UUID [--format json|html] [--output FILE]`` — the
  access export (Art. 15); JSON to standard output unless a file is given.
* ``erase --person UUID --plan`` — the erasure plan (a dry run), as JSON.
* ``erase --person UUID --execute --reason TEXT [--case-ref REF]`` — erase
  and print the receipt.
* ``purge-exports`` — remove the content of staff exports past their
  expiry (the daily job ``rights_exports_purge``).
* ``restrict``, ``lift``, ``object`` — restriction (Art. 18) and objection
  (Art. 21), handed with their options to ``manage.py restrictions``, which
  keeps them (``rights restrict --person UUID --reason TEXT``, ``rights
  object --person UUID --marketing``; the actor there is ``--actor``).

``--as USERNAME`` acts as that staff member (their role and the
need-to-know matrix apply, and the audit log names them); without it the
command acts as the system. A refusal (legal hold, matrix, unknown person,
invalid input) exits non-zero with the reason on standard error.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import translation

from rekisteri.accounts.models import StaffUser
from rekisteri.core import keyring
from rekisteri.core.errors import ServiceError
from rekisteri.registry.models import Person
from rekisteri.rights import erasure, exports, services

# Restriction and objection are kept by the restrictions app's command; the
# rights command hands them on, so one command serves every right.
FORWARDED = {
    "restrict": "Restrict a person's processing (Art. 18)",
    "lift": "Lift a restriction (the privacy officer, --actor)",
    "object": "Record an objection (Art. 21)",
}


class Command(BaseCommand):
    help = (
        "Data-subject rights: export a person's data, plan or execute erasure, "
        "restrict processing, record an objection."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="job", required=True)
        export = sub.add_parser("export", help="The access export (Art. 15).")
        export.add_argument("--person", required=True)
        export.add_argument("--format", choices=["json", "html"], default="json")
        export.add_argument("--output", help="File to write (default: stdout).")
        export.add_argument("--as", dest="as_user")
        erase = sub.add_parser("erase", help="Erasure plan or execution (Art. 17).")
        erase.add_argument("--person", required=True)
        mode = erase.add_mutually_exclusive_group(required=True)
        mode.add_argument("--plan", action="store_true")
        mode.add_argument("--execute", action="store_true")
        erase.add_argument("--reason", default="")
        erase.add_argument("--case-ref", default="")
        erase.add_argument("--output", help="File to write (default: stdout).")
        erase.add_argument("--as", dest="as_user")
        sub.add_parser("purge-exports", help="Remove expired stored exports' content.")
        for job, text in FORWARDED.items():
            # Its options are the restrictions command's: with no prefix
            # character of its own, this parser takes them all as words
            # and hands them on unparsed.
            forwarded = sub.add_parser(
                job,
                help=f"{text}: manage.py restrictions {job}, with its options.",
                prefix_chars="+",
                add_help=False,
            )
            forwarded.add_argument("forwarded", nargs="*")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"] in FORWARDED:
            call_command(
                "restrictions",
                options["job"],
                *options["forwarded"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
            return
        if options["job"] == "purge-exports":
            count = exports.export_files_purge()
            self.stdout.write(f"{count} expired exports removed")
            return
        actor = self._actor(options.get("as_user"))
        person = self._person(options["person"])
        try:
            with keyring.key_scope():
                if options["job"] == "export":
                    text = self._export(actor, person, options["format"])
                elif options["plan"]:
                    text = _json(erasure.erasure_plan(actor=actor, person=person))
                else:
                    text = _json(
                        erasure.erasure_execute(
                            actor=actor,
                            person=person,
                            reason=options["reason"],
                            case_ref=options["case_ref"],
                        )
                    )
        except ServiceError as exc:
            fields = getattr(exc, "fields", {})
            detail = "; ".join(
                f"{k}: {m}" for k, errs in fields.items() for _c, m in errs
            )
            raise CommandError(
                f"Refused ({exc.code}): {detail or exc.message}"
            ) from None
        if options.get("output"):
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Written to {options['output']}")
        else:
            self.stdout.write(text)

    def _export(self, actor: Any, person: Person, fmt: str) -> str:
        export = services.export_person(actor=actor, person=person, fmt=fmt)
        if fmt == "html":
            with translation.override(export["language"]):
                return render_to_string("rights/export.html", {"export": export})
        return _json(export)

    def _actor(self, username: str | None) -> StaffUser | None:
        if not username:
            return None
        user = StaffUser.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError("No active staff account with that user name.")
        return user

    def _person(self, value: str) -> Person:
        try:
            pk = uuid.UUID(value)
        except ValueError:
            raise CommandError("--person must be a person's id (a UUID).") from None
        person = Person.objects.filter(pk=pk).first()
        if person is None:
            raise CommandError("No person with that id.")
        return person


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
