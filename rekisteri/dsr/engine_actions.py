"""The rights engine's actions for request cases: access, portability and
erasure run for every person matched to the case (docs/requests.md,
Actions and completion; docs/rights.md).

Each action goes through the engine's own services, which check the
need-to-know matrix and the legal holds before they read or write, and
audit what they did; the case records the receipt reference. Restriction,
objection and rectification need staff's judgement of what exactly to
change, so they stay recorded by hand.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from rekisteri.access.enforce import not_a_write_service
from rekisteri.core.errors import Conflict
from rekisteri.dsr import actions
from rekisteri.dsr.actions import ActionResult
from rekisteri.dsr.models import RequestCase
from rekisteri.rights import erasure
from rekisteri.rights import services as rights


def _persons(case: RequestCase) -> list[Any]:
    persons = list(case.persons.order_by("pk"))
    if not persons:
        raise Conflict(
            _("No person in the register is matched to this case."),
            code="no_person",
        )
    return persons


def _bundle(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


@not_a_write_service(
    "runs the rights engine's services, which check the matrix and the holds "
    "before they read or write"
)
def access_for_case(*, case: RequestCase, actor: Any) -> ActionResult:
    """Art. 15: the access export of each matched person, in the case's
    language; one JSON file, or a ZIP of one file per person."""
    files = []
    for person in _persons(case):
        export = rights.export_person(
            actor=actor, person=person, language=case.language
        )
        data = json.dumps(export, ensure_ascii=False, indent=2).encode()
        files.append((f"access-{person.pk}.json", data))
    reference = f"access:{case.reference}:{len(files)}"
    if len(files) == 1:
        return ActionResult(reference, files[0][1], "access.json", "application/json")
    return ActionResult(reference, _bundle(files), "access.zip", "application/zip")


@not_a_write_service(
    "runs the rights engine's services, which check the matrix and the holds "
    "before they read or write"
)
def portability_for_case(*, case: RequestCase, actor: Any) -> ActionResult:
    """Art. 20: the portability ZIP of each matched person (a ZIP of ZIPs
    when several persons are matched)."""
    files = [
        (f"portability-{p.pk}.zip", rights.portability_zip(actor=actor, person=p))
        for p in _persons(case)
    ]
    reference = f"portability:{case.reference}:{len(files)}"
    if len(files) == 1:
        return ActionResult(
            reference, files[0][1], "portability.zip", "application/zip"
        )
    return ActionResult(reference, _bundle(files), "portability.zip", "application/zip")


@not_a_write_service(
    "runs the rights engine's services, which check the matrix and the holds "
    "before they read or write"
)
def erasure_for_case(*, case: RequestCase, actor: Any) -> ActionResult:
    """Art. 17: erase each matched person through the engine; the case
    keeps the receipt ids. A hold on any person refuses the action (the
    engine names the holds) and the case stays open; persons erased before
    the refusal stay erased, and running the action again is a no-op for
    them."""
    receipts = []
    for person in _persons(case):
        receipt = erasure.erasure_execute(
            actor=actor,
            person=person,
            reason=_("Erasure request %(reference)s") % {"reference": case.reference},
            case_ref=case.reference,
        )
        receipts.append(receipt["receipt"])
    return ActionResult("erasure:" + ",".join(receipts))


def register() -> None:
    actions.register("access", access_for_case)
    actions.register("portability", portability_for_case)
    actions.register("erasure", erasure_for_case)
