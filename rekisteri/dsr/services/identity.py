"""Confirming the requester's identity, proportionately and without copies of
documents (EDPB Guidelines 01/2022): a code sent to an address on file, a
staff check, or a request for more."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.dsr.choices import (
    IdentityMethod,
    IdentityReason,
    IdentityState,
    Letter,
    Status,
)
from rekisteri.dsr.models import (
    IdentityCode,
    RequestCase,
)
from rekisteri.dsr.services.casework import (
    WRITES_NO_PERSON_ROWS,
    audit_case,
    check_text,
    letters_reason,
    lock_case,
    move_case,
    reply,
    send_letter,
    staff_or_none,
    utc_now,
)
from rekisteri.dsr.services.codes import (
    MAX_CODE_ATTEMPTS,
    new_code,
    secret_hash,
    secret_matches,
)

IDENTITY_CODE_HOURS = 72


def _await_identity(case: RequestCase, reason: str) -> None:
    if case.status != Status.AWAITING_IDENTITY:
        move_case(case, Status.AWAITING_IDENTITY)
    case.identity_reason = reason
    if case.identity_requested_at is None or case.identity_confirmed_at:
        case.identity_requested_at = utc_now()
        case.identity_confirmed_at = None


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def identity_send_code(
    *, actor: Any, case: RequestCase, person_id: Any = None
) -> IdentityCode:
    """Send a one-time code to an email address already on file for the
    matched person. The requester tells it back to staff (or through the
    reply), proving they control that address."""
    persons = list(case.persons.all())
    person = next((p for p in persons if str(p.pk) == str(person_id)), None)
    if person is None and person_id is None and len(persons) == 1:
        person = persons[0]
    if person is None:
        raise ValidationFailed.single(
            "person", "not_matched", _("Choose one of the matched persons.")
        )
    on_file = list(person.emails.all())
    if not on_file:
        raise Conflict(
            _("No email address is on file for this person: record a staff check."),
            code="address_not_on_file",
        )
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="closed")
    code = new_code()
    with transaction.atomic():
        case = lock_case(case)
        _await_identity(case, IdentityReason.CODE_SENT)
        case.identity_state = IdentityState.CODE_SENT
        case.save()
        IdentityCode.objects.filter(case=case, used_at__isnull=True).delete()
        challenge = IdentityCode.objects.create(
            case=case,
            person=person,
            code_hash=secret_hash("identity", code),
            expires_at=utc_now() + dt.timedelta(hours=IDENTITY_CODE_HOURS),
        )
        send_letter(
            case=case,
            letter=Letter.IDENTITY_CODE,
            to=on_file[0].email,
            actor=actor,
            code=code,
            valid=IDENTITY_CODE_HOURS,
        )
        audit_case(
            actor, "dsr.identity_code_sent", case, letters=[Letter.IDENTITY_CODE]
        )
    return challenge


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def identity_confirm_code(*, actor: Any, case: RequestCase, code: str) -> RequestCase:
    """The requester gave back the code sent to the address on file."""
    now = utc_now()
    with transaction.atomic():
        case = lock_case(case)
        challenge = (
            IdentityCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.expires_at <= now:
            raise ValidationFailed.single(
                "code", "code_expired", _("The code has expired or was used.")
            )
        if challenge.attempts >= MAX_CODE_ATTEMPTS:
            raise ValidationFailed.single(
                "code", "too_many_attempts", _("Too many wrong codes: send a new one.")
            )
        if not secret_matches("identity", code, challenge.code_hash):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            audit_case(actor, "dsr.identity_failed", case)
            wrong = True  # counted (committed), then refused below
        else:
            wrong = False
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            mark_identity_verified(case, IdentityMethod.EMAIL_CODE)
            case.save()
            audit_case(
                actor, "dsr.identity_verified", case, method=case.identity_method
            )
    if wrong:
        raise ValidationFailed.single("code", "code_wrong", _("The code is not right."))
    return case


def mark_identity_verified(case: RequestCase, method: str) -> None:
    now = utc_now()
    case.identity_state = IdentityState.VERIFIED
    case.identity_method = method
    case.identity_reason = IdentityReason.NONE
    if case.identity_requested_at is not None:
        case.identity_confirmed_at = now
    if case.status in (Status.RECEIVED, Status.AWAITING_IDENTITY):
        move_case(case, Status.IN_PROGRESS)


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def identity_record_check(
    *, actor: Any, case: RequestCase, how: str, checked_at: dt.datetime | None = None
) -> RequestCase:
    """A staff-recorded check (phone call back to a number on file, a letter
    to the address on file): who (the actor), how, when."""
    errors = FieldErrors()
    note = check_text(errors, "how", how, required=True)
    when = checked_at or utc_now()
    if when > utc_now() + dt.timedelta(minutes=5):
        errors.add("checked_at", "in_future", _("The check cannot be in the future."))
    if not case.persons.exists():
        errors.add("person", "not_matched", _("Match the person first."))
    errors.raise_if_any()
    with transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        mark_identity_verified(case, IdentityMethod.STAFF_CHECK)
        case.identity_checked_by = staff_or_none(actor)
        case.identity_check_note = note
        case.identity_confirmed_at = when
        case.save()
        audit_case(actor, "dsr.identity_verified", case, method=case.identity_method)
    return case


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
def identity_request(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    """Put the case on hold for identity (the pause is recorded) and tell
    the requester why, when they gave an email address."""
    if reason not in IdentityReason.values or not reason:
        raise ValidationFailed.single("reason", "invalid_choice", _("Unknown reason."))
    with transaction.atomic():
        case = lock_case(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        _await_identity(case, reason)
        case.save()
        sent = reply(
            case=case,
            letter=Letter.IDENTITY_REQUEST,
            actor=actor,
            reason=letters_reason(case.language, reason),
        )
        audit_case(actor, "dsr.identity_requested", case, reason=reason, letters=sent)
    return case
