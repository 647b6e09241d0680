"""JSON API of rights-request cases: list, record, read, and one operation
per step (``POST /dsr/cases/{dsr_id}/steps``) that the staff page shares.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.core import formats
from rekisteri.core.schemas import InputSchema
from rekisteri.dsr import selectors, services
from rekisteri.dsr.models import RequestCase
from rekisteri.dsr.views import perform, record_read

router = Router(tags=["rights requests"])


class CaseSummaryOut(Schema):
    id: str
    reference: str
    kinds: list[str]
    channel: str
    status: str
    received_at: dt.datetime
    deadline: dt.date
    extended_until: dt.date | None
    handler: str


class ActionOut(Schema):
    kind: str
    manual: bool
    reference: str
    done_at: dt.datetime


class CaseOut(CaseSummaryOut):
    language: str
    requester_name: str
    requester_email: str
    requester_phone: str
    requester_address: str
    details: str
    persons: list[str]
    identity_state: str
    identity_reason: str
    identity_method: str
    identity_requested_at: dt.datetime | None
    identity_confirmed_at: dt.datetime | None
    status_reason: str
    actions: list[ActionOut]
    letters: list[str]
    duplicates: list[str]


class CaseIn(InputSchema):
    kinds: list[str]
    channel: str
    language: str = "fi"
    received_at: dt.datetime | None = None
    requester_name: str = ""
    requester_email: str = ""
    requester_phone: str = ""
    requester_address: str = ""
    details: str = ""


class StepIn(InputSchema):
    op: str
    handler_id: str = ""
    person_id: str = ""
    code: str = ""
    how: str = ""
    reason: str = ""
    months: int = 0
    informed_otherwise: bool = False
    kind: str = ""
    note: str = ""
    # run_action's choices for restriction and objection (docs/requests.md).
    ground: str = ""
    purpose: str = ""


def _summary(case: RequestCase) -> dict[str, Any]:
    return {
        "id": str(case.pk),
        "reference": case.reference,
        "kinds": list(case.kinds),
        "channel": case.channel,
        "status": case.status,
        "received_at": case.received_at,
        "deadline": case.deadline,
        "extended_until": case.extended_until,
        "handler": case.handler.get_username() if case.handler else "",
    }


def _full(case: RequestCase) -> dict[str, Any]:
    return {
        **_summary(case),
        "language": case.language,
        "requester_name": case.requester_name or "",
        "requester_email": case.requester_email or "",
        "requester_phone": case.requester_phone or "",
        "requester_address": case.requester_address or "",
        "details": case.details or "",
        "persons": [str(p.pk) for p in case.persons.all()],
        "identity_state": case.identity_state,
        "identity_reason": case.identity_reason,
        "identity_method": case.identity_method,
        "identity_requested_at": case.identity_requested_at,
        "identity_confirmed_at": case.identity_confirmed_at,
        "status_reason": case.status_reason or "",
        "actions": [
            {
                "kind": a.kind,
                "manual": a.manual,
                "reference": a.reference,
                "done_at": a.done_at,
            }
            for a in case.actions.all()
        ],
        "letters": [m.letter for m in case.messages.all()],
        "duplicates": [d.reference for d in services.open_duplicates(case)],
    }


@router.get("/dsr/cases", response=list[CaseSummaryOut], summary="List cases")
@requires(Perm.PRIVACY_VIEW)
def case_list(
    request: HttpRequest, view: str = "open", handler_id: str = ""
) -> list[dict[str, Any]]:
    """Cases: ``view`` is open, due_soon (7 days), overdue, closed or all."""
    rows = selectors.case_list(
        user=request.auth,
        view=view if view in selectors.VIEWS else "open",
        handler_id=formats.request_number(handler_id),
        today=timezone.localdate(),
    )
    return [_summary(c) for c in rows]


@router.post("/dsr/cases", response={201: CaseOut}, summary="Record a request")
@requires(Perm.PRIVACY_MANAGE)
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    """Record a request received by email, letter or phone; duplicates are
    listed in the answer, not merged."""
    created = services.case_create(actor=request.auth, **payload.model_dump())
    return Status(201, _full(created.case))


@router.get("/dsr/cases/{dsr_id}", response=CaseOut, summary="Get a case")
@requires(Perm.PRIVACY_VIEW)
def case_detail(request: HttpRequest, dsr_id: str) -> dict[str, Any]:
    case = selectors.case_get(user=request.auth, case_id=dsr_id)
    record_read(actor=request.auth, case=case)
    return _full(case)


@router.post("/dsr/cases/{dsr_id}/steps", response=CaseOut, summary="Take a step")
@requires(Perm.PRIVACY_MANAGE)
def case_step(request: HttpRequest, dsr_id: str, payload: StepIn) -> dict[str, Any]:
    """One step: assign, send_code, confirm_code, staff_check,
    request_identity, extend, run_action, record_manual, complete, refuse,
    withdraw. Refusals, completions without every kind done and extensions
    after the deadline answer with the error's code."""
    case = selectors.case_get(user=request.auth, case_id=dsr_id)
    perform(
        payload.op,
        actor=request.auth,
        case=case,
        data=payload.model_dump(),
        base_url=f"{request.scheme}://{request.get_host()}",
    )
    return _full(RequestCase.objects.get(pk=case.pk))
