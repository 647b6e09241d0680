"""Opening a case (with duplicate detection and matching persons through
the blind index), assigning it and matching it to register persons."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.core import blindindex, keyring
from rekisteri.core import periods as deadlines
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.core.formats import (
    FormatError,
    normalise_phone,
)
from rekisteri.dsr import letters
from rekisteri.dsr.choices import (
    Channel,
    IdentityReason,
    IdentityState,
    Letter,
    Status,
)
from rekisteri.dsr.models import (
    RequestCase,
)
from rekisteri.dsr.services.casework import (
    WRITES_NO_PERSON_ROWS,
    audit_case,
    check_email,
    check_kinds,
    check_text,
    local_date,
    lock_case,
    reply,
    staff_or_none,
    utc_now,
)
from rekisteri.dsr.services.codes import (
    contact_digest,
)
from rekisteri.registry.models import Person, PersonEmail, PersonPhone

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_reference() -> str:
    while True:
        ref = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if not RequestCase.objects.filter(reference=ref).exists():
            return ref


def persons_with_email(email: str) -> list[Person]:
    """Persons with ``email`` (normalised) on file, found by the blind index
    and confirmed after decryption."""
    candidates = blindindex.matching(PersonEmail, "email", email).values("subject_id")
    rows = PersonEmail.objects.filter(person_id__in=candidates).select_related("person")
    rows = list(rows)
    keyring.prefetch({r.person_id for r in rows}, KeyClass.CRM)
    return list({r.person_id: r.person for r in rows if r.email == email}.values())


def persons_with_phone(phone: str) -> list[Person]:
    candidates = blindindex.matching(PersonPhone, "number", phone).values("subject_id")
    rows = list(
        PersonPhone.objects.filter(person_id__in=candidates).select_related("person")
    )
    keyring.prefetch({r.person_id for r in rows}, KeyClass.CRM)
    return list({r.person_id: r.person for r in rows if r.number == phone}.values())


@dataclass
class Created:
    case: RequestCase
    duplicates: list[RequestCase] = field(default_factory=list)


def open_duplicates(case: RequestCase) -> list[RequestCase]:
    """Open cases of the same requester (same email or phone digest) with a
    kind in common: pointed out to staff, never merged."""
    digests = [
        ("email_digest", case.email_digest),
        ("phone_digest", case.phone_digest),
    ]
    found: dict[Any, RequestCase] = {}
    for column, value in digests:
        if value is None:
            continue
        for other in RequestCase.objects.filter(
            **{column: value}, status__in=[s.value for s in _open()]
        ).exclude(pk=case.pk):
            if set(other.kinds) & set(case.kinds):
                found[other.pk] = other
    return sorted(found.values(), key=lambda c: c.received_at)


def _open() -> tuple[Status, ...]:
    return (Status.RECEIVED, Status.AWAITING_IDENTITY, Status.IN_PROGRESS)


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_create(
    *,
    actor: Any,
    kinds: list[str],
    channel: str,
    language: str = "fi",
    received_at: dt.datetime | None = None,
    requester_name: str = "",
    requester_email: str = "",
    requester_phone: str = "",
    requester_address: str = "",
    details: str = "",
    acknowledge: bool = True,
) -> Created:
    """Record a request received by email, letter, phone or the portal.

    Persons are matched by the requester's email and phone through the blind
    index. Open cases of the same requester with a kind in common are
    returned as ``duplicates``.
    """
    errors = FieldErrors()
    chosen = check_kinds(errors, kinds)
    if channel not in Channel.values:
        errors.add("channel", "invalid_choice", _("Unknown channel."))
    if language not in letters.LANGUAGES:
        errors.add("language", "invalid_choice", _("Unknown language."))
    now = utc_now()
    received = received_at or now
    if received > now + dt.timedelta(minutes=5):
        errors.add(
            "received_at", "in_future", _("The receipt cannot be in the future.")
        )
    email = (
        check_email(errors, "requester_email", requester_email)
        if requester_email
        else ""
    )
    phone = ""
    if requester_phone:
        try:
            phone = normalise_phone(requester_phone)
        except FormatError as exc:
            errors.add("requester_phone", exc.code, exc.message)
    name = check_text(errors, "requester_name", requester_name)
    address = check_text(errors, "requester_address", requester_address)
    text = check_text(errors, "details", details)
    if not (requester_email or requester_phone or requester_address):
        errors.add(
            "requester_email",
            "contact_required",
            _("Give an email address, a phone number or a postal address."),
        )
    errors.raise_if_any()

    matched: dict[Any, Person] = {}
    for p in persons_with_email(email) if email else []:
        matched[p.pk] = p
    for p in persons_with_phone(phone) if phone else []:
        matched[p.pk] = p

    with transaction.atomic():
        case = RequestCase(
            reference=_new_reference(),
            kinds=chosen,
            channel=channel,
            language=language,
            received_at=received,
            deadline=deadlines.response_deadline(local_date(received)),
            requester_name=name or None,
            requester_email=email or None,
            requester_phone=phone or None,
            requester_address=address or None,
            email_digest=contact_digest("email", email) if email else None,
            phone_digest=contact_digest("phone", phone) if phone else None,
            details=text or None,
            created_by=staff_or_none(actor),
        )
        if not matched:
            case.identity_reason = IdentityReason.NO_MATCH
        elif len(matched) > 1:
            case.identity_reason = IdentityReason.SEVERAL_MATCHES
        case.save()
        case.persons.set(list(matched.values()))
        duplicates = open_duplicates(case)
        sent = []
        if acknowledge:
            # By email, or for a letter's requester by post.
            sent = reply(
                case=case,
                letter=Letter.ACKNOWLEDGEMENT,
                actor=actor,
                received=received,
                deadline=case.deadline,
            )
        audit_case(
            actor,
            "dsr.create",
            case,
            channel=channel,
            matched=len(matched),
            duplicates=[d.reference for d in duplicates],
            letters=sent,
        )
    return Created(case, duplicates)


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_assign(*, actor: Any, case: RequestCase, handler: Any) -> RequestCase:
    if handler is not None and not getattr(handler, "is_active", False):
        raise ValidationFailed.single(
            "handler", "inactive", _("Choose an active account.")
        )
    with transaction.atomic():
        case = lock_case(case)
        case.handler = handler
        case.save(update_fields=["handler", "updated_at"])
        audit_case(actor, "dsr.assign", case, handler=handler.pk if handler else None)
    return case


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def case_match(*, actor: Any, case: RequestCase, person_ids: list[Any]) -> RequestCase:
    """Set the persons the request is about (staff's choice among matches)."""
    persons = list(Person.objects.filter(pk__in=person_ids))
    if len(persons) != len(set(map(str, person_ids))):
        raise NotFound()
    with transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        case.persons.set(persons)
        if case.identity_state != IdentityState.VERIFIED:
            case.identity_reason = (
                IdentityReason.NO_MATCH if not persons else IdentityReason.NONE
            )
        case.save(update_fields=["identity_reason", "updated_at"])
        audit_case(actor, "dsr.match", case, matched=len(persons))
    return case
