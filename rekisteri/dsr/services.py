"""Writes of rights-request cases (docs/requests.md).

Every service validates first, reports every error together with stable
codes, then writes in one transaction with one audit event. Audit rows name
the case, its kinds and statuses, never the requester's details. Letters are
sent inside the transaction: a failed send leaves nothing half-saved.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import blindindex, keyring
from rekisteri.core import periods as deadlines
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto import blind
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.core.formats import (
    FormatError,
    clean_text,
    normalise_email,
    normalise_phone,
)
from rekisteri.dsr import actions, letters
from rekisteri.dsr.choices import (
    TRANSITIONS,
    Channel,
    IdentityMethod,
    IdentityReason,
    IdentityState,
    Kind,
    Letter,
    Status,
)
from rekisteri.dsr.models import (
    CaseAction,
    ExportFile,
    IdentityCode,
    RequestCase,
    SentMessage,
)
from rekisteri.registry.models import Person, PersonEmail, PersonPhone

_WRITES_NO_PERSON_ROWS = (
    "dsr.services: case data sealed under the case's own key, not the "
    "register's person rows; the privacy office's permission gates it and a"
    " registered action authorizes its own writes (docs/requests.md)"
)

IDENTITY_CODE_HOURS = 72
EXPORT_LINK_DAYS = 7
MAX_CODE_ATTEMPTS = 5
MAX_TEXT = 4000
_DIGEST_BITS = 63
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Finland (the controller's time)."""
    return timezone.localtime(moment).date()


def new_code(digits: int = 8) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(purpose: str, value: str) -> str:
    """Keyed hash of a code or token: the database never holds them."""
    return salted_hmac(f"rekisteri.dsr.{purpose}", value.strip()).hexdigest()


def secret_matches(purpose: str, value: str, stored: str) -> bool:
    return hmac.compare_digest(secret_hash(purpose, value or ""), stored)


def contact_digest(kind: str, normalised: str) -> int:
    """Keyed digest of a normalised email or phone (duplicate detection)."""
    key = blind.field_key(keyring.provider().index_key(), f"dsr.requester.{kind}")
    return blind.digest(key, normalised, _DIGEST_BITS)


def _new_reference() -> str:
    while True:
        ref = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if not RequestCase.objects.filter(reference=ref).exists():
            return ref


def check_email(errors: FieldErrors, field_name: str, value: str) -> str:
    """A normalised address, or an error: malformed or a throwaway domain."""
    try:
        email = normalise_email(value)
    except FormatError as exc:
        errors.add(field_name, exc.code, exc.message)
        return ""
    domain = email.rsplit("@", 1)[-1]
    if domain in DISPOSABLE_DOMAINS:
        errors.add(
            field_name,
            "email_disposable",
            _("Addresses of throwaway mail services are not accepted."),
        )
        return ""
    return email


def check_kinds(errors: FieldErrors, kinds: Any) -> list[str]:
    chosen = [str(k) for k in (kinds or [])]
    if not chosen:
        errors.add("kinds", "required", _("Choose at least one kind of request."))
    elif any(k not in Kind.values for k in chosen):
        errors.add("kinds", "invalid_choice", _("Unknown kind of request."))
    return [k for k in Kind.values if k in chosen]


def _text(errors: FieldErrors, name: str, value: Any, *, required: bool = False) -> str:
    text = clean_text(str(value or ""), max_length=MAX_TEXT) if value else ""
    if required and not text.strip():
        errors.add(name, "required", _("This field is required."))
    return text


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def send_letter(
    *,
    case: RequestCase,
    letter: str,
    to: str,
    actor: Any,
    **values: Any,
) -> SentMessage:
    """Render, send through Django's email framework, record on the case."""
    rendered = letters.render(letter, language=case.language, case=case, **values)
    EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    ).send(fail_silently=False)
    return SentMessage.objects.create(
        case=case,
        letter=letter,
        language=case.language,
        recipient=to,
        subject=rendered.subject[:200],
        body=rendered.body,
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
        sent_at=_now(),
    )


def _audit(actor: Any, action: str, case: RequestCase, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="dsr_case",
        target_id=case.pk,
        purpose="rights_request",
        details={"status": case.status, "kinds": list(case.kinds), **details},
    )


def _staff(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _move(case: RequestCase, to: str) -> None:
    if to != case.status and to not in TRANSITIONS[case.status]:
        raise Conflict(
            _("A case that is %(status)s cannot move to that state.")
            % {"status": case.get_status_display().lower()},
            code="invalid_transition",
        )
    case.status = to


def _lock(case: RequestCase) -> RequestCase:
    return RequestCase.objects.select_for_update().get(pk=case.pk)


# --------------------------------------------------------------------------
# Matching persons through the blind index
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
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
    now = _now()
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
    name = _text(errors, "requester_name", requester_name)
    address = _text(errors, "requester_address", requester_address)
    text = _text(errors, "details", details)
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
            created_by=_staff(actor),
        )
        if not matched:
            case.identity_reason = IdentityReason.NO_MATCH
        elif len(matched) > 1:
            case.identity_reason = IdentityReason.SEVERAL_MATCHES
        case.save()
        case.persons.set(list(matched.values()))
        duplicates = open_duplicates(case)
        sent = []
        if acknowledge and email:
            send_letter(
                case=case,
                letter=Letter.ACKNOWLEDGEMENT,
                to=email,
                actor=actor,
                received=received,
                deadline=case.deadline,
            )
            sent.append(Letter.ACKNOWLEDGEMENT)
        _audit(
            actor,
            "dsr.create",
            case,
            channel=channel,
            matched=len(matched),
            duplicates=[d.reference for d in duplicates],
            letters=sent,
        )
    return Created(case, duplicates)


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_assign(*, actor: Any, case: RequestCase, handler: Any) -> RequestCase:
    if handler is not None and not getattr(handler, "is_active", False):
        raise ValidationFailed.single(
            "handler", "inactive", _("Choose an active account.")
        )
    with transaction.atomic():
        case = _lock(case)
        case.handler = handler
        case.save(update_fields=["handler", "updated_at"])
        _audit(actor, "dsr.assign", case, handler=handler.pk if handler else None)
    return case


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_match(*, actor: Any, case: RequestCase, person_ids: list[Any]) -> RequestCase:
    """Set the persons the request is about (staff's choice among matches)."""
    persons = list(Person.objects.filter(pk__in=person_ids))
    if len(persons) != len(set(map(str, person_ids))):
        raise NotFound()
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        case.persons.set(persons)
        if case.identity_state != IdentityState.VERIFIED:
            case.identity_reason = (
                IdentityReason.NO_MATCH if not persons else IdentityReason.NONE
            )
        case.save(update_fields=["identity_reason", "updated_at"])
        _audit(actor, "dsr.match", case, matched=len(persons))
    return case


# --------------------------------------------------------------------------
# Identity (EDPB Guidelines 01/2022: proportionate, no document copies)
# --------------------------------------------------------------------------


def _await_identity(case: RequestCase, reason: str) -> None:
    if case.status != Status.AWAITING_IDENTITY:
        _move(case, Status.AWAITING_IDENTITY)
    case.identity_reason = reason
    if case.identity_requested_at is None or case.identity_confirmed_at:
        case.identity_requested_at = _now()
        case.identity_confirmed_at = None


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
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
        case = _lock(case)
        _await_identity(case, IdentityReason.CODE_SENT)
        case.identity_state = IdentityState.CODE_SENT
        case.save()
        IdentityCode.objects.filter(case=case, used_at__isnull=True).delete()
        challenge = IdentityCode.objects.create(
            case=case,
            person=person,
            code_hash=secret_hash("identity", code),
            expires_at=_now() + dt.timedelta(hours=IDENTITY_CODE_HOURS),
        )
        send_letter(
            case=case,
            letter=Letter.IDENTITY_CODE,
            to=on_file[0].email,
            actor=actor,
            code=code,
            valid=IDENTITY_CODE_HOURS,
        )
        _audit(actor, "dsr.identity_code_sent", case, letters=[Letter.IDENTITY_CODE])
    return challenge


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def identity_confirm_code(*, actor: Any, case: RequestCase, code: str) -> RequestCase:
    """The requester gave back the code sent to the address on file."""
    now = _now()
    with transaction.atomic():
        case = _lock(case)
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
            _audit(actor, "dsr.identity_failed", case)
            wrong = True  # counted (committed), then refused below
        else:
            wrong = False
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            _verified(case, IdentityMethod.EMAIL_CODE)
            case.save()
            _audit(actor, "dsr.identity_verified", case, method=case.identity_method)
    if wrong:
        raise ValidationFailed.single("code", "code_wrong", _("The code is not right."))
    return case


def _verified(case: RequestCase, method: str) -> None:
    now = _now()
    case.identity_state = IdentityState.VERIFIED
    case.identity_method = method
    case.identity_reason = IdentityReason.NONE
    if case.identity_requested_at is not None:
        case.identity_confirmed_at = now
    if case.status in (Status.RECEIVED, Status.AWAITING_IDENTITY):
        _move(case, Status.IN_PROGRESS)


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def identity_record_check(
    *, actor: Any, case: RequestCase, how: str, checked_at: dt.datetime | None = None
) -> RequestCase:
    """A staff-recorded check (phone call back to a number on file, a letter
    to the address on file): who (the actor), how, when."""
    errors = FieldErrors()
    note = _text(errors, "how", how, required=True)
    when = checked_at or _now()
    if when > _now() + dt.timedelta(minutes=5):
        errors.add("checked_at", "in_future", _("The check cannot be in the future."))
    if not case.persons.exists():
        errors.add("person", "not_matched", _("Match the person first."))
    errors.raise_if_any()
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        _verified(case, IdentityMethod.STAFF_CHECK)
        case.identity_checked_by = _staff(actor)
        case.identity_check_note = note
        case.identity_confirmed_at = when
        case.save()
        _audit(actor, "dsr.identity_verified", case, method=case.identity_method)
    return case


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def identity_request(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    """Put the case on hold for identity (the pause is recorded) and tell
    the requester why, when they gave an email address."""
    if reason not in IdentityReason.values or not reason:
        raise ValidationFailed.single("reason", "invalid_choice", _("Unknown reason."))
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        _await_identity(case, reason)
        case.save()
        sent = []
        if case.requester_email:
            send_letter(
                case=case,
                letter=Letter.IDENTITY_REQUEST,
                to=case.requester_email,
                actor=actor,
                reason=letters_reason(case.language, reason),
            )
            sent.append(Letter.IDENTITY_REQUEST)
        _audit(actor, "dsr.identity_requested", case, reason=reason, letters=sent)
    return case


_REASON_TEXT = {
    "fi": "Antamasi osoite ei ole rekisterissämme, joten emme voi lähettää "
    "vahvistusta osoitteeseen, joka meillä jo on.",
    "sv": "Adressen du angav finns inte i vårt register, så vi kan inte skicka "
    "en bekräftelse till en adress vi redan har.",
    "en": "The address you gave is not in our register, so we cannot send a "
    "confirmation to an address we already hold.",
}


def letters_reason(language: str, reason: str) -> str:
    return _REASON_TEXT.get(language, _REASON_TEXT["fi"])


# --------------------------------------------------------------------------
# Extension, refusal, withdrawal
# --------------------------------------------------------------------------


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_extend(
    *,
    actor: Any,
    case: RequestCase,
    months: int,
    reason: str,
    informed_otherwise: bool = False,
    today: dt.date | None = None,
) -> RequestCase:
    """Extend by one or two further months (Art. 12(3)): only with reasons,
    only once, and only while the original deadline has not passed, since
    the requester must be informed within it."""
    errors = FieldErrors()
    text = _text(errors, "reason", reason, required=True)
    if months not in (1, 2):
        errors.add("months", "invalid_choice", _("An extension is one or two months."))
    errors.raise_if_any()
    day = today or local_date(_now())
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise Conflict(_("The case is closed."), code="closed")
        if case.extended_until is not None:
            raise Conflict(_("The case was already extended."), code="already_extended")
        if day > case.deadline:
            raise Conflict(
                _(
                    "The original deadline has passed: the requester had to be "
                    "informed of an extension before it."
                ),
                code="deadline_passed",
            )
        if not case.requester_email and not informed_otherwise:
            raise Conflict(
                _(
                    "The requester has no email address: inform them by letter "
                    "or phone and record that they were informed."
                ),
                code="no_email",
            )
        case.extension_months = months
        case.extended_until = deadlines.extended_deadline(
            local_date(case.received_at), months
        )
        case.extension_reason = text
        case.extension_notified_at = _now()
        case.save()
        sent = []
        if case.requester_email:
            send_letter(
                case=case,
                letter=Letter.EXTENSION,
                to=case.requester_email,
                actor=actor,
                months=months,
                deadline=case.extended_until,
                reason=text,
            )
            sent.append(Letter.EXTENSION)
        _audit(actor, "dsr.extend", case, months=months, letters=sent)
    return case


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_refuse(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    """Refuse (Art. 12(5): manifestly unfounded or excessive) with reasons;
    the reply states the remedies."""
    errors = FieldErrors()
    text = _text(errors, "reason", reason, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        case = _lock(case)
        _move(case, Status.REFUSED)
        case.status_reason = text
        case.closed_at = _now()
        case.save()
        sent = []
        if case.requester_email:
            send_letter(
                case=case,
                letter=Letter.REFUSAL,
                to=case.requester_email,
                actor=actor,
                reason=text,
            )
            sent.append(Letter.REFUSAL)
        _audit(actor, "dsr.refuse", case, letters=sent)
    return case


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_withdraw(*, actor: Any, case: RequestCase, reason: str) -> RequestCase:
    errors = FieldErrors()
    text = _text(errors, "reason", reason, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        case = _lock(case)
        _move(case, Status.WITHDRAWN)
        case.status_reason = text
        case.closed_at = _now()
        case.save()
        _audit(actor, "dsr.withdraw", case)
    return case


# --------------------------------------------------------------------------
# Actions and completion
# --------------------------------------------------------------------------


def _ready_for_actions(case: RequestCase, kind: str) -> None:
    if case.status != Status.IN_PROGRESS:
        raise Conflict(
            _("Actions are taken on a case in progress (identity verified)."),
            code="not_in_progress",
        )
    if kind not in case.kinds:
        raise ValidationFailed.single(
            "kind", "not_requested", _("That kind was not requested.")
        )
    if case.actions.filter(kind=kind).exists():
        raise Conflict(_("That kind is already done."), code="already_done")


def _store_export(
    case: RequestCase, data: bytes, filename: str, content_type: str
) -> None:
    ExportFile.objects.create(
        case=case,
        token_hash=None,
        code_hash="",
        filename=re.sub(r"[^A-Za-z0-9._-]", "_", filename or "export.bin")[:100],
        content_type=content_type[:100],
        content=data,
        size=len(data),
        expires_at=_now() + dt.timedelta(days=EXPORT_LINK_DAYS),
    )


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_run_action(*, actor: Any, case: RequestCase, kind: str) -> CaseAction:
    """Run the registered action for ``kind`` and record its receipt."""
    if actions.action_for(kind) is None:
        raise Conflict(
            _("No action is registered for this kind: record what was done."),
            code="no_action",
        )
    with transaction.atomic():
        case = _lock(case)
        _ready_for_actions(case, kind)
        result = actions.run(kind, case=case, actor=actor)
        done = CaseAction.objects.create(
            case=case,
            kind=kind,
            reference=result.reference[:200],
            done_by=_staff(actor),
            done_at=_now(),
        )
        if result.export is not None:
            _store_export(case, result.export, result.filename, result.content_type)
        _audit(actor, "dsr.action", case, kind=kind, reference=done.reference)
    return done


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_record_manual(
    *,
    actor: Any,
    case: RequestCase,
    kind: str,
    note: str,
    export: bytes | None = None,
    filename: str = "",
    content_type: str = "application/octet-stream",
) -> CaseAction:
    """Record by hand what was done for a kind that has no registered action
    (a rectification made in the register, a letter sent)."""
    errors = FieldErrors()
    text = _text(errors, "note", note, required=True)
    errors.raise_if_any()
    if actions.action_for(kind) is not None:
        raise Conflict(
            _("This kind has an action: run it instead of recording by hand."),
            code="action_registered",
        )
    with transaction.atomic():
        case = _lock(case)
        _ready_for_actions(case, kind)
        done = CaseAction.objects.create(
            case=case,
            kind=kind,
            manual=True,
            note=text,
            done_by=_staff(actor),
            done_at=_now(),
        )
        if export:
            _store_export(case, export, filename, content_type)
        _audit(actor, "dsr.action", case, kind=kind, manual=True)
    return done


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def case_complete(*, actor: Any, case: RequestCase, base_url: str = "") -> RequestCase:
    """Complete the case: refused unless every requested kind is done. An
    export is released as a one-time link (sent) and a code (sent apart)."""
    with transaction.atomic():
        case = _lock(case)
        done = set(case.actions.values_list("kind", flat=True))
        missing = [k for k in case.kinds if k not in done]
        if case.status != Status.IN_PROGRESS:
            _move(case, Status.COMPLETED)  # raises: not reachable from here
        if missing:
            raise Conflict(
                _("Not every requested kind is done: %(kinds)s.")
                % {"kinds": ", ".join(str(Kind(k).label) for k in missing)},
                code="actions_missing",
            )
        if (
            not case.requester_email
            and case.exports.filter(token_hash__isnull=True).exists()
        ):
            raise Conflict(
                _("The export needs the requester's email address for its link."),
                code="no_email",
            )
        _move(case, Status.COMPLETED)
        case.closed_at = _now()
        case.save()
        sent = []
        links = []
        for export in case.exports.filter(token_hash__isnull=True):
            token, code = new_token(), new_code()
            export.token_hash = secret_hash("download", token)
            export.code_hash = secret_hash("download_code", code)
            export.expires_at = _now() + dt.timedelta(days=EXPORT_LINK_DAYS)
            export.save(update_fields=["token_hash", "code_hash", "expires_at"])
            links.append(
                (f"{base_url}{download_path(case.language, token)}", export, code)
            )
        if case.requester_email:
            download = "\n\n".join(
                letters.DOWNLOAD[case.language].format(
                    link=link,
                    until=letters.format_date(local_date(e.expires_at), case.language),
                )
                for link, e, _code in links
            )
            send_letter(
                case=case,
                letter=Letter.COMPLETION,
                to=case.requester_email,
                actor=actor,
                download=download,
            )
            sent.append(Letter.COMPLETION)
            for _link, _e, code in links:
                send_letter(
                    case=case,
                    letter=Letter.DOWNLOAD_CODE,
                    to=case.requester_email,
                    actor=actor,
                    code=code,
                )
                sent.append(Letter.DOWNLOAD_CODE)
        _audit(actor, "dsr.complete", case, exports=len(links), letters=sent)
    return case


PORTAL_PATHS = {
    "fi": "/tietosuoja/pyynto/",
    "sv": "/dataskydd/begaran/",
    "en": "/privacy/request/",
}
DOWNLOAD_SEGMENT = {"fi": "lataa", "sv": "ladda-ned", "en": "download"}


def download_path(language: str, token: str) -> str:
    lang = language if language in PORTAL_PATHS else "fi"
    return f"{PORTAL_PATHS[lang]}{DOWNLOAD_SEGMENT[lang]}/{token}/"


# --------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


class DownloadRefused(Exception):
    """Same answer for a link that is unknown, expired, used or locked."""


def _shred_export(export: ExportFile) -> None:
    ExportFile.objects.filter(pk=export.pk).update(content=None, deleted_at=_now())


def export_download(*, token: str, code: str) -> Download:
    """Hand out the export once: the code must match, the link be unused and
    unexpired. The content is removed as it is handed out."""
    now = _now()
    wrong = False
    with transaction.atomic():
        export = (
            ExportFile.objects.select_for_update()
            .filter(token_hash=secret_hash("download", token or ""))
            .select_related("case")
            .first()
        )
        if export is None or export.deleted_at is not None:
            raise DownloadRefused()
        if export.expires_at <= now:
            # Deleted as the refusal is answered (committed, then refused).
            _shred_export(export)
            audit_record(
                actor=None,
                action="dsr.export_expired",
                target_type="dsr_case",
                target_id=export.case_id,
            )
            wrong = True
        elif export.attempts >= MAX_CODE_ATTEMPTS:
            raise DownloadRefused()
        elif not secret_matches("download_code", code, export.code_hash):
            export.attempts += 1
            export.save(update_fields=["attempts"])
            wrong = True
        else:
            content = export.content
            if not isinstance(content, bytes):
                raise DownloadRefused()
            result = Download(export.filename, export.content_type, content)
            export.downloaded_at = now
            export.save(update_fields=["downloaded_at"])
            _shred_export(export)
            audit_record(
                actor=None,
                action="dsr.export_download",
                target_type="dsr_case",
                target_id=export.case_id,
                details={"size": export.size},
            )
    if wrong:
        raise DownloadRefused()
    return result


def exports_purge_expired() -> int:
    """Remove the content of every expired export; return how many."""
    count = 0
    for export in ExportFile.objects.filter(
        expires_at__lte=_now(), deleted_at__isnull=True
    ):
        _shred_export(export)
        count += 1
    return count
