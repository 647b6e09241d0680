"""The restriction and objection API: ``/api/v1/persons/{id}/restriction``,
``/api/v1/persons/{id}/objections`` and ``/api/v1/marketing/selection``.

Writes go through the same services as the staff UI (write-scope tokens).
The person API's ``restricted`` field says whether a person is restricted.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import datetime as dt
import enum
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.audit.services import audit_record
from rekisteri.core.schemas import InputSchema
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.auditing import purpose_of
from rekisteri.restrictions import selectors, services
from rekisteri.restrictions.choices import (
    ObjectionPurpose,
    RequestedBy,
    RestrictionGround,
)
from rekisteri.restrictions.models import Objection, Restriction

router = Router(tags=["restrictions"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items()}


class RestrictionOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    ground: str
    requested_by: str
    requested_on: dt.date
    created_at: dt.datetime
    lifted_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_active(obj: Restriction) -> bool:
        return obj.is_active


class RestrictionCreate(InputSchema):
    reason: str = Field(..., min_length=1, max_length=2000)
    ground: RestrictionGround = RestrictionGround.ACCURACY
    requested_by: RequestedBy = RequestedBy.DATA_SUBJECT
    requested_on: dt.date | None = None


class RestrictionLift(InputSchema):
    reason: str = Field(..., min_length=1, max_length=2000)
    # Art. 18(3): how and when the person was told (required when the
    # restriction was theirs; the service says so).
    informed_how: str = Field("", max_length=12)
    informed_on: dt.date | None = None


class ObjectionOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    purpose: str
    received_on: dt.date
    created_at: dt.datetime


class ObjectionCreate(InputSchema):
    purpose: ObjectionPurpose
    note: str = Field("", max_length=2000)
    received_on: dt.date | None = None


class MarketingRowOut(Schema):
    person_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    organization: str
    customer_number: str
    role: str


class MarketingOut(Schema):
    items: list[MarketingRowOut]
    left_out: dict[str, int]


@router.post(
    "/persons/{person_id}/restriction",
    response={201: RestrictionOut},
    summary="Restrict a person's processing",
)
@requires(Perm.PRIVACY_MANAGE)
def restriction_create(
    request: HttpRequest, person_id: str, payload: RestrictionCreate
) -> Status[Restriction]:
    """Restrict processing (GDPR Art. 18): every change to the person is then
    refused with code ``restricted`` until the restriction is lifted."""
    user = _user(request)
    person = registry_selectors.person_get(user=user, person_id=person_id)
    restriction = services.restriction_place(
        actor=user, person=person, **_plain(payload.model_dump())
    )
    return Status(201, restriction)


@router.post(
    "/persons/{person_id}/restriction/lift",
    response=RestrictionOut,
    summary="Lift a person's restriction",
)
@requires(Perm.PRIVACY_MANAGE)
def restriction_lift(
    request: HttpRequest, person_id: str, payload: RestrictionLift
) -> Restriction:
    """Lift the active restriction, with a reason (privacy officer)."""
    user = _user(request)
    person = registry_selectors.person_get(user=user, person_id=person_id)
    return services.restriction_lift(
        actor=user,
        person=person,
        reason=payload.reason,
        informed_how=payload.informed_how,
        informed_on=payload.informed_on,
    )


@router.post(
    "/persons/{person_id}/objections",
    response={201: ObjectionOut},
    summary="Record an objection",
)
@requires(Perm.REGISTRY_CHANGE)
def objection_create(
    request: HttpRequest, person_id: str, payload: ObjectionCreate
) -> Status[Objection]:
    """Record an objection (GDPR Art. 21): to direct marketing (absolute; the
    person's addresses join the suppression list), or to processing on
    legitimate interest (privacy officer, with the balancing note)."""
    user = _user(request)
    person = registry_selectors.person_get(user=user, person_id=person_id)
    objection = services.objection_record(
        actor=user, person=person, **_plain(payload.model_dump())
    )
    return Status(201, objection)


@router.get(
    "/marketing/selection", response=MarketingOut, summary="Marketing selection"
)
@requires(Perm.REGISTRY_VIEW)
def marketing_selection(request: HttpRequest) -> dict[str, Any]:
    """Who direct marketing may reach, and how many are left out why
    (restricted, objected, suppressed, erased, company said no marketing)."""
    user = _user(request)
    selection = selectors.marketing_selection(user=user)
    families = {"name": "name", "email": "contact_email", "phone": "phone"}
    audit_record(
        actor=user,
        action="marketing.list",
        target_type="marketing_selection",
        categories=sorted(families[c] for c in selection.columns),
        purpose=purpose_of(user) or "marketing",
        details={"count": len(selection.rows), "api": True},
        request=request,
    )
    return {
        "items": selection.rows,
        "left_out": {k: selection.left_out.get(k, 0) for k in selectors.EXCLUSIONS},
    }
