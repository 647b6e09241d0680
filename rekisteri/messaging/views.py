"""Staff UI of the message history.

Timelines load into the organization and person pages with HTMX (and work
as plain pages without it); every page that shows message content records
an audit event naming the fields and data categories shown. Writes go
through rekisteri.messaging.services. No personal data in URLs: ids are
UUIDs and the timeline cursor is a message id.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages as flash
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rekisteri.access import families
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.audit.services import audit_record
from rekisteri.contracts import selectors as contracts
from rekisteri.contracts.models import Contract
from rekisteri.core import keyring
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.core.forms import apply_service_errors
from rekisteri.messaging import extensions, selectors, services
from rekisteri.messaging.choices import Direction, ParticipantRole
from rekisteri.messaging.conf import setting
from rekisteri.messaging.extensions import Duty
from rekisteri.messaging.forms import ImportForm, MessageForm
from rekisteri.messaging.importing import import_messages
from rekisteri.messaging.models import Message, Thread
from rekisteri.registry import selectors as registry
from rekisteri.registry.models import Organization, Person

DETAIL_FIELDS = ["subject", "body", "headers", "notes", "participants", "attachments"]
DETAIL_CATEGORIES = ["user.content.private", "user.contact.email", "user.name"]
LIST_FIELDS = ["subject", "body", "participants"]
LIST_CATEGORIES = ["user.content.private", "user.contact.email", "user.name"]


def _organization(request: HttpRequest, organization_id: Any) -> Organization:
    return registry.organization_get(user=request.user, organization_id=organization_id)


def _person(request: HttpRequest, person_id: Any) -> Person:
    return registry.person_get(user=request.user, person_id=person_id)


def _message(request: HttpRequest, message_id: uuid.UUID) -> Message:
    return selectors.message_get(user=request.user, message_id=message_id)


# --------------------------------------------------------------------------
# Timelines
# --------------------------------------------------------------------------


def _timeline(
    request: HttpRequest,
    *,
    organization: Organization | None = None,
    person: Person | None = None,
) -> HttpResponse:
    page = selectors.timeline(
        user=request.user,
        organization=organization,
        person=person,
        after=request.GET.get("after") or None,
    )
    audit_record(
        actor=request.user,
        action="message.list",
        target_type="organization" if organization else "person",
        target_id=(organization or person).pk,  # type: ignore[union-attr]
        subject_id=person.pk if person else None,
        fields=LIST_FIELDS,
        categories=LIST_CATEGORIES,
        purpose="customer_relationship",
        details={"count": len(page.items)},
        request=request,
    )
    context = {
        "page": page,
        "organization": organization,
        "person": person,
        "is_first_page": not request.GET.get("after"),
        "can_change_messages": has_perm(request.user, Perm.MESSAGES_CHANGE),
    }
    if request.htmx:
        return render(request, "messaging/partials/timeline_items.html", context)
    return render(request, "messaging/timeline.html", context)


@require(Perm.MESSAGES_VIEW)
def organization_timeline(
    request: HttpRequest, organization_id: uuid.UUID
) -> HttpResponse:
    """An organization's messages, newest first; HTMX gets one page of rows."""
    return _timeline(request, organization=_organization(request, organization_id))


@require(Perm.MESSAGES_VIEW)
def person_timeline(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The messages a person took part in, newest first."""
    return _timeline(request, person=_person(request, person_id))


# --------------------------------------------------------------------------
# One message
# --------------------------------------------------------------------------


@require(Perm.MESSAGES_VIEW)
def message_detail(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    """One message with participants, attachments, headers and its thread."""
    message = _message(request, message_id)
    with keyring.ensure_scope():
        participants = list(message.participants.all())
        attachments = list(message.attachments.all())
        thread = selectors.thread_messages(user=request.user, message=message)
        audit_record(
            actor=request.user,
            action="message.view",
            target_type="message",
            target_id=message.pk,
            subject_id=message.person_id,
            fields=DETAIL_FIELDS,
            categories=DETAIL_CATEGORIES,
            purpose="customer_relationship",
            request=request,
        )
        return render(
            request,
            "messaging/message_detail.html",
            {
                "message": message,
                "participants": participants,
                "attachments": attachments,
                "thread": thread,
                # The families people recognise, not the catalogue's codes.
                "categories": list(
                    dict.fromkeys(
                        families.label(families.family_of_category(c))
                        for c in DETAIL_CATEGORIES
                    )
                ),
                "can_change_messages": has_perm(request.user, Perm.MESSAGES_CHANGE),
                "can_view_contracts": has_perm(request.user, Perm.CONTRACTS_VIEW),
            },
        )


@require(Perm.MESSAGES_VIEW)
def attachment_download(request: HttpRequest, attachment_id: uuid.UUID) -> HttpResponse:
    """An attachment as a download, never rendered inline."""
    attachment = selectors.attachment_get(
        user=request.user, attachment_id=attachment_id
    )
    content = attachment.content
    if not isinstance(content, bytes):
        raise Http404  # erased or unreadable
    audit_record(
        actor=request.user,
        action="message.attachment_view",
        target_type="attachment",
        target_id=attachment.pk,
        subject_id=attachment.message.person_id,
        fields=["filename", "content"],
        categories=["user.content.private"],
        purpose="customer_relationship",
        request=request,
    )
    # Served as opaque bytes: a stored HTML file must not run in our origin.
    response = HttpResponse(content, content_type="application/octet-stream")
    name = str(attachment.filename).replace('"', "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require(Perm.MESSAGES_CHANGE)
@require_http_methods(["GET", "POST"])
def message_delete(request: HttpRequest, message_id: uuid.UUID) -> HttpResponse:
    """Delete a message logged or imported by mistake (GET asks to confirm)."""
    message = _message(request, message_id)
    if request.method == "GET":
        return render(request, "messaging/message_delete.html", {"message": message})
    org_id, person_id = message.organization_id, message.person_id
    services.message_delete(actor=request.user, message=message, request=request)
    flash.success(request, _("The message was deleted."))
    if org_id:
        return redirect("registry:organization_detail", organization_id=org_id)
    return redirect("registry:person_detail", person_id=person_id)


# --------------------------------------------------------------------------
# Logging a message by hand
# --------------------------------------------------------------------------


def _current_people(organization: Organization, user: Any) -> list[tuple[str, str]]:
    roles = registry.organization_roles(user=user, organization=organization)
    seen: dict[str, str] = {}
    for role in roles:
        if role.is_current:
            seen.setdefault(str(role.person_id), role.person.full_name)
    return list(seen.items())


@require(Perm.MESSAGES_CHANGE)
@require_http_methods(["GET", "POST"])
def message_create(request: HttpRequest) -> HttpResponse:
    """Log a message for ``?organization=<id>`` or ``?person=<id>``."""
    org_id = request.GET.get("organization")
    person_id = request.GET.get("person")
    organization = _organization(request, org_id) if org_id else None
    person = _person(request, person_id) if person_id and not org_id else None
    if organization is None and person is None:
        raise Http404
    thread = _thread(request.GET.get("thread"))
    with keyring.ensure_scope():
        contracts: list[tuple[str, str]] = []
        if organization is not None:
            owners = [(str(organization.pk), organization.name)]
            people = _current_people(organization, request.user)
            contracts = _contracts(organization, request.user)
        else:
            assert person is not None
            orgs = {
                str(r.organization_id): r.organization.name
                for r in person.roles.all()
                if r.is_current
            }
            owners = [*orgs.items(), ("person", _("No organization: this person only"))]
            people = [(str(person.pk), person.full_name)]
        data = request.POST if request.method == "POST" else None
        form = MessageForm(
            data,
            request.FILES if data is not None else None,
            owners=owners,
            people=people,
            contracts=contracts,
            duties=extensions.compose_duties(request, [pid for pid, _n in people]),
            initial=None if data is not None else _initial(people if person else []),
        )
        if data is not None and form.is_valid():
            message = _create_from_form(
                request, form, organization, person, people, thread
            )
            if message is not None:
                flash.success(request, _("Saved"))
                return redirect("messaging:message_detail", message_id=message.pk)
        return render(
            request,
            "messaging/message_form.html",
            {
                "form": form,
                "organization": organization,
                "person": person,
                "thread": thread,
            },
        )


def _contracts(organization: Organization, user: Any) -> list[tuple[str, str]]:
    """The organization's contracts the user may see, for the contract choice."""
    if not has_perm(user, Perm.CONTRACTS_VIEW):
        return []
    return [
        (str(c.pk), f"{c.number} · {c.product.name}")
        for c in contracts.organization_contracts(user=user, organization=organization)
    ]


def _thread(thread_id: str | None) -> Thread | None:
    """The conversation a reply joins (the service checks it is the same
    customer's); an unknown id is a 404."""
    if not thread_id:
        return None
    try:
        return Thread.objects.get(pk=uuid.UUID(str(thread_id)))
    except (ValueError, Thread.DoesNotExist):
        raise Http404 from None


def _initial(people: list[tuple[str, str]]) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        "direction": Direction.INBOUND,
        "channel": "phone",
        "people": [pid for pid, _name in people],
        "owner": None,
    }


def _create_from_form(
    request: HttpRequest,
    form: MessageForm,
    organization: Organization | None,
    person: Person | None,
    people: list[tuple[str, str]],
    thread: Thread | None = None,
) -> Message | None:
    data = form.cleaned_data
    owner = data.get("owner") or (str(organization.pk) if organization else "")
    owner_org: Organization | None = organization
    owner_person: Person | None = None
    if organization is None and person is not None:
        if owner == "person":
            owner_person = person
        elif owner:
            owner_org = _organization(request, owner)
    direction = data["direction"]
    role = (
        ParticipantRole.FROM if direction == Direction.INBOUND else ParticipantRole.TO
    )
    allowed = {pid for pid, _name in people}
    participants = [
        services.ParticipantIn(role=role, person=Person(pk=uuid.UUID(pid)))
        for pid in data.get("people") or []
        if pid in allowed
    ]
    for line in form.other_participants():
        kind, _normalised = services.normalise_address(line)
        participants.append(
            services.ParticipantIn(
                role=ParticipantRole.TO,
                address=line if kind != "name" else "",
                display_name=line if kind == "name" else "",
            )
        )
    attachments = []
    for upload in data.get("attachments") or []:
        if upload.size > setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"):
            form.add_error(
                "attachments",
                _("An attachment is larger than %(mb)s MB.")
                % {
                    "mb": setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES")
                    // (1024 * 1024)
                },
            )
            return None
        attachments.append(
            services.AttachmentIn(
                upload.name,
                upload.read(),
                upload.content_type or "application/octet-stream",
            )
        )
    chosen = _duties_chosen(form, participants, owner_person, direction)
    if chosen is None:
        return None
    body = data.get("body") or ""
    for duty, choice in chosen:
        if choice in duty.adds_text:
            body = f"{body.rstrip()}\n\n{duty.text}" if body.strip() else duty.text
    contract = None
    if data.get("contract") and owner_org is not None:
        contract = Contract.objects.filter(
            pk=data["contract"], organization=owner_org
        ).first()
        if contract is None:
            form.add_error("contract", _("The contract is not this organization's."))
            return None
    try:
        # The message and what its duties record stand or fall together.
        with transaction.atomic():
            message = services.message_create(
                actor=request.user,
                organization=owner_org,
                contract=contract,
                person=owner_person,
                channel=data["channel"],
                direction=direction,
                occurred_at=data.get("occurred_at"),
                subject=data.get("subject") or "",
                body=body,
                participants=participants,
                attachments=attachments,
                thread=thread,
                request=request,
            )
            notes = [
                _fulfil(request.user, form, duty, choice, message)
                for duty, choice in chosen
            ]
        for note in notes:
            if note:
                flash.info(request, note)
        return message
    except _DutyRefused as refused:
        for reason in refused.error.reasons():
            form.add_error(refused.field, reason)
    except ValidationFailed as exc:
        if "organization" in exc.fields:
            exc.fields["owner"] = exc.fields.pop("organization")
        apply_service_errors(exc, form)
    except ServiceError as exc:
        apply_service_errors(exc, form)
    return None


class _DutyRefused(Exception):
    """A duty's service refused: the message is undone, the reason shown
    at the duty's choice."""

    def __init__(self, field: str, error: ServiceError) -> None:
        self.field, self.error = field, error


def _fulfil(
    actor: Any, form: MessageForm, duty: Duty, choice: str, message: Message
) -> str:
    try:
        return duty.fulfil(actor, choice, message)
    except ServiceError as exc:
        raise _DutyRefused(form.duty_field(duty), exc) from None


def _duties_chosen(
    form: MessageForm,
    participants: list[services.ParticipantIn],
    owner_person: Person | None,
    direction: str,
) -> list[tuple[Duty, str]] | None:
    """The duties (messaging.extensions) the writer chose to fulfil with
    this message; None, with the form's errors, when a message going out
    to a person leaves theirs unanswered or one is chosen for a person the
    message is not with."""
    with_message = {str(p.person.pk) for p in participants if p.person is not None}
    if owner_person is not None:
        with_message.add(str(owner_person.pk))
    chosen = []
    for duty in form.duties:
        name = form.duty_field(duty)
        choice = form.cleaned_data.get(name) or ""
        included = str(duty.person_id) in with_message
        if choice and not included:
            form.add_error(
                name,
                _("Tick them among the people who took part, or leave this empty."),
            )
        elif included and not choice and direction == Direction.OUTBOUND:
            form.add_error(
                name, _("The message goes to them: choose what they were told.")
            )
        elif choice:
            chosen.append((duty, choice))
    return None if form.errors else chosen


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------


@require(Perm.MESSAGES_CHANGE)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    """Upload an .eml, .msg or mbox into an organization's history; shows the
    report."""
    organization = _organization(request, organization_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        max_bytes = setting("REKISTERI_MESSAGING_MAX_UPLOAD_BYTES")
        if upload.size > max_bytes:
            form.add_error(
                "file",
                _(
                    "The file is larger than %(mb)s MB; import it with the "
                    "'messages import' command instead."
                )
                % {"mb": max_bytes // (1024 * 1024)},
            )
        else:
            upload.seek(0)
            report = import_messages(
                actor=request.user,
                stream=upload.file,
                organization=organization,
                request=request,
            )
    return render(
        request,
        "messaging/import.html",
        {
            "form": form,
            "organization": organization,
            "report": report,
            "max_mb": setting("REKISTERI_MESSAGING_MAX_UPLOAD_BYTES") // (1024 * 1024),
        },
    )
