"""The message-history API: timelines (keyset), one message, logging one.

Reads go through the selectors and are audited like the staff UI's; the
create goes through services.message_create. Attachments are not sent
through the API (the upload page and the import command take files).

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from rekisteri.accounts.api import requires
from rekisteri.accounts.choices import TokenScope
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.contracts.models import Contract
from rekisteri.core.errors import NotFound, ValidationFailed
from rekisteri.messaging import selectors, services
from rekisteri.messaging.models import Message, Thread
from rekisteri.messaging.schemas import MessageCreate, MessageOut, MessagePage
from rekisteri.registry import selectors as registry

router = Router(tags=["messages"])
LIST_FIELDS = ["subject", "participants"]
DETAIL_FIELDS = ["subject", "body", "participants", "attachments"]
CATEGORIES = ["user.content.private", "user.contact.email", "user.name"]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _page(request: HttpRequest, **kwargs: Any) -> selectors.Page:
    try:
        page = selectors.timeline(user=_user(request), **kwargs)
    except NotFound:
        raise ValidationFailed.single(
            "after", "cursor_invalid", _("The page cursor is not valid.")
        ) from None
    owner = kwargs.get("organization") or kwargs.get("person")
    audit_record(
        actor=_user(request),
        action="message.list",
        target_type="organization" if kwargs.get("organization") else "person",
        target_id=owner.pk,
        subject_id=kwargs["person"].pk if kwargs.get("person") else None,
        fields=LIST_FIELDS,
        categories=CATEGORIES,
        purpose="customer_relationship",
        details={"count": len(page.items), "api": True},
        request=request,
    )
    return page


@router.get(
    "/organizations/{organization_id}/messages",
    response=MessagePage,
    summary="An organization's messages",
)
@requires(Perm.MESSAGES_VIEW)
def organization_messages(
    request: HttpRequest,
    organization_id: str,
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=100),
) -> selectors.Page:
    """Newest first, a page at a time (keyset on time and id)."""
    org = registry.organization_get(
        user=_user(request), organization_id=organization_id
    )
    return _page(request, organization=org, after=after, limit_to=limit)


@router.get(
    "/persons/{person_id}/messages",
    response=MessagePage,
    summary="Messages a person took part in",
)
@requires(Perm.MESSAGES_VIEW)
def person_messages(
    request: HttpRequest,
    person_id: str,
    after: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int | None = Query(None, ge=1, le=100),
) -> selectors.Page:
    """Newest first, a page at a time (keyset on time and id)."""
    person = registry.person_get(user=_user(request), person_id=person_id)
    return _page(request, person=person, after=after, limit_to=limit)


@router.get("/messages/{message_id}", response=MessageOut, summary="One message")
@requires(Perm.MESSAGES_VIEW)
def message_detail(request: HttpRequest, message_id: str) -> Message:
    """A message with its text, participants and attachment list."""
    message = selectors.message_get(user=_user(request), message_id=message_id)
    audit_record(
        actor=_user(request),
        action="message.view",
        target_type="message",
        target_id=message.pk,
        subject_id=message.person_id,
        fields=DETAIL_FIELDS,
        categories=CATEGORIES,
        purpose="customer_relationship",
        details={"api": True},
        request=request,
    )
    return message


@router.post("/messages", response={201: MessageOut}, summary="Log a message")
@requires(Perm.MESSAGES_CHANGE, scope=TokenScope.WRITE)
def message_create(request: HttpRequest, payload: MessageCreate) -> Status[Message]:
    """Log a call, meeting note, chat, ticket or email for a customer."""
    user = _user(request)
    fields: dict[str, list[tuple[str, str]]] = {}
    organization = person = thread = None
    if payload.organization_id:
        organization = (
            registry.organization_queryset(user)
            .filter(pk=payload.organization_id)
            .first()
        )
        if organization is None:
            fields["organization_id"] = [("not_found", _("No such organization."))]
    if payload.person_id:
        person = registry.person_queryset(user).filter(pk=payload.person_id).first()
        if person is None:
            fields["person_id"] = [("not_found", _("No such person."))]
    if payload.thread_id:
        thread = Thread.objects.filter(pk=payload.thread_id).first()
        if thread is None:
            fields["thread_id"] = [("not_found", _("No such conversation."))]
    contract = None
    if payload.contract_id:
        contract = Contract.objects.filter(pk=payload.contract_id).first()
        if contract is None or not has_perm(user, Perm.CONTRACTS_VIEW):
            fields["contract_id"] = [("not_found", _("No such contract."))]
            contract = None
    wanted = {p.person_id for p in payload.participants if p.person_id}
    found = {
        p.pk: p for p in registry.person_queryset(user).filter(pk__in=list(wanted))
    }
    if wanted - set(found):
        fields["participants"] = [("not_found", _("No such person."))]
    if fields:
        raise ValidationFailed(fields)
    participants = [
        services.ParticipantIn(
            role=p.role.value,
            person=found.get(p.person_id) if p.person_id else None,
            address=p.address,
            display_name=p.display_name,
        )
        for p in payload.participants
    ]
    try:
        message = services.message_create(
            actor=user,
            organization=organization,
            person=person,
            channel=payload.channel.value,
            direction=payload.direction.value,
            occurred_at=payload.occurred_at,
            subject=payload.subject,
            body=payload.body,
            participants=participants,
            thread=thread,
            contract=contract,
            source="api",
            request=request,
        )
    except ValidationFailed as exc:
        # Name the fields as the client sent them.
        renamed = {"contract": "contract_id", "thread": "thread_id"}
        raise ValidationFailed(
            {renamed.get(k, k): v for k, v in exc.fields.items()}
        ) from None
    return Status(201, selectors.message_get(user=user, message_id=message.pk))
