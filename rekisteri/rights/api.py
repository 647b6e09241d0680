"""JSON API of the data-subject rights: export, erasure plan, erasure.

``GET /api/v1/persons/{id}/export`` returns the access export (it validates
against the schema at ``/rights/schema/access-export.json``);
``GET .../erasure-plan`` the dry run; ``POST .../erasure`` executes it and
returns the receipt. The need-to-know matrix's export and erase columns
apply on top of the declared permission. Export and plan are declared with
``privacy.manage``: reading a person for an answer to a request is the
privacy office's task, and an auditor (who may view the privacy records)
cannot read the register.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.core.errors import ValidationFailed
from rekisteri.core.schemas import InputSchema
from rekisteri.registry import selectors as registry_selectors
from rekisteri.rights import erasure, services

router = Router(tags=["rights"])


class ErasureIn(InputSchema):
    reason: str
    case_ref: str = ""
    confirm: bool = False


def _person(request: HttpRequest, person_id: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    request.user = user
    return registry_selectors.person_get(user=user, person_id=person_id)


@router.get(
    "/persons/{person_id}/export",
    response=dict[str, Any],
    summary="Access export of a person (GDPR Art. 15)",
)
@requires(Perm.PRIVACY_MANAGE, scope="read")
def person_export(request: HttpRequest, person_id: str) -> Any:
    person = _person(request, person_id)
    return services.export_person(actor=request.user, person=person, fmt="api")


@router.get(
    "/persons/{person_id}/erasure-plan",
    response=dict[str, Any],
    summary="Erasure plan of a person: a dry run (GDPR Art. 17)",
)
@requires(Perm.PRIVACY_MANAGE, scope="read")
def person_erasure_plan(request: HttpRequest, person_id: str) -> Any:
    person = _person(request, person_id)
    return erasure.erasure_plan(actor=request.user, person=person)


@router.post(
    "/persons/{person_id}/erasure",
    response=dict[str, Any],
    summary="Erase a person and return the receipt (GDPR Art. 17)",
)
@requires(Perm.PRIVACY_MANAGE)
def person_erasure(request: HttpRequest, person_id: str, data: ErasureIn) -> Any:
    person = _person(request, person_id)
    if not data.confirm:
        raise ValidationFailed.single(
            "confirm", "required", "Confirm the erasure with confirm=true."
        )
    return erasure.erasure_execute(
        actor=request.user,
        person=person,
        reason=data.reason,
        case_ref=data.case_ref,
    )
