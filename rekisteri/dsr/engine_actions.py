"""The rights engine's actions for request cases: access, portability and
erasure run for every person matched to the case (docs/requests.md,
Actions and completion; docs/rights.md).

Each action goes through the engine's own services, which check the
need-to-know matrix and the legal holds before they read or write, and
audit what they did; the case records the receipt reference. Restriction
and objection take staff's judgement as the action's choices (the Art.
18(1) ground and the reason; the purpose objected to and, for legitimate
interest, the balancing note) and place them through the restrictions
app's services for every matched person. Rectification needs staff to
decide what exactly to change: they correct the data on the rights pages
under the case's reference, and the action confirms the corrections
recorded under it (or, when nothing was corrected, takes staff's reasons).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from rekisteri.access.enforce import not_a_write_service
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.dsr import actions
from rekisteri.dsr.actions import ActionResult
from rekisteri.dsr.models import RequestCase
from rekisteri.dsr.services.casework import local_date
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions.choices import RequestedBy
from rekisteri.rights import erasure, exports, rectification
from rekisteri.rights import services as rights

_VIA_RESTRICTIONS = (
    "runs the restrictions app's services, which check the matrix before they write"
)


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
    language, as a ZIP: a page to read or print (Art. 12(1): intelligible,
    and what goes by post) and the same export as JSON (Art. 15(3): a
    commonly used electronic form); named per person when several are
    matched."""
    persons = _persons(case)
    files = []
    for person in persons:
        export = rights.export_person(
            actor=actor, person=person, language=case.language
        )
        stem = "access" if len(persons) == 1 else f"access-{person.pk}"
        files.append((f"{stem}.html", exports.export_html(export)))
        files.append((f"{stem}.json", exports.export_json(export)))
    reference = f"access:{case.reference}:{len(persons)}"
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


@not_a_write_service(_VIA_RESTRICTIONS)
def restriction_for_case(
    *, case: RequestCase, actor: Any, ground: str, reason: str
) -> ActionResult:
    """Art. 18: restrict each matched person on ``ground`` with ``reason``,
    as asked by the data subject on the day the case was received. A
    person already restricted stays as they are: the request is met."""
    placed = kept = 0
    for person in _persons(case):
        try:
            restrictions.restriction_place(
                actor=actor,
                person=person,
                reason=reason,
                ground=ground,
                requested_by=RequestedBy.DATA_SUBJECT,
                requested_on=local_date(case.received_at),
                case_ref=case.reference,
            )
        except Conflict as exc:
            # The service checks the ground and the reason first, then
            # refuses a person already restricted before it writes anything.
            if exc.code != "restricted":
                raise
            kept += 1
        else:
            placed += 1
    return ActionResult(f"restriction:{case.reference}:placed={placed},kept={kept}")


@not_a_write_service(_VIA_RESTRICTIONS)
def objection_for_case(
    *, case: RequestCase, actor: Any, purpose: str, note: str
) -> ActionResult:
    """Art. 21: record each matched person's objection to ``purpose``
    (direct marketing: absolute, their addresses suppressed; legitimate
    interest: with the balancing ``note``), received on the day the case
    was. An objection already on record is kept as it is."""
    recorded = kept = 0
    for person in _persons(case):
        try:
            restrictions.objection_record(
                actor=actor,
                person=person,
                purpose=purpose,
                note=note,
                received_on=local_date(case.received_at),
                case_ref=case.reference,
            )
        except Conflict as exc:
            # The service checks the choices first, then refuses a second
            # objection to the same purpose before it writes anything.
            if exc.code != "objection_exists":
                raise
            kept += 1
        else:
            recorded += 1
    return ActionResult(
        f"objection:{case.reference}:{purpose}:recorded={recorded},kept={kept}"
    )


@not_a_write_service(
    "reads the rectifications staff made on the rights pages, which check "
    "the matrix and the restrictions before they write"
)
def rectification_for_case(*, case: RequestCase, actor: Any, note: str) -> ActionResult:
    """Art. 16: confirm the corrections made under the case's reference
    (`/rights/persons/<id>/rectify/?case_ref=…`, which notifies the
    recipients, Art. 19) for the matched persons. With none, the data was
    not corrected (found accurate, or the request was unfounded): staff's
    ``note`` says why and is required."""
    persons = _persons(case)
    made = rectification.rectifications_for_case(
        [p.pk for p in persons], case.reference
    )
    text = (note or "").strip()
    if not made and not text:
        raise ValidationFailed.single(
            "note",
            "required",
            _(
                "Nothing has been corrected under this request: correct the data "
                "through the case's rectification link, or say why nothing was "
                "corrected."
            ),
        )
    corrected = len({r.person_id for r in made})
    return ActionResult(
        f"rectification:{case.reference}:records={len(made)},persons={corrected}",
        note=text,
    )


def register() -> None:
    actions.register("access", access_for_case)
    actions.register("portability", portability_for_case)
    actions.register("erasure", erasure_for_case)
    actions.register("restriction", restriction_for_case, params=("ground", "reason"))
    actions.register("objection", objection_for_case, params=("purpose", "note"))
    actions.register("rectification", rectification_for_case, params=("note",))
