"""What every case write shares: the clock, the checks of submitted text,
addresses and kinds, the case lock and state moves, the case's audit event
and the letters sent to the requester."""

from __future__ import annotations

import datetime as dt
from typing import Any

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import NONE, not_a_write_service, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import Conflict, FieldErrors
from rekisteri.core.formats import (
    FormatError,
    ascii_email,
    clean_text,
    normalise_email,
)
from rekisteri.dsr import letters
from rekisteri.dsr.choices import (
    TRANSITIONS,
    Kind,
)
from rekisteri.dsr.models import (
    RequestCase,
    SentMessage,
)

WRITES_NO_PERSON_ROWS = (
    "dsr.services: case data sealed under the case's own key, not the "
    "register's person rows; the privacy office's permission gates it and a"
    " registered action authorizes its own writes (docs/requests.md)"
)


MAX_TEXT = 4000


def utc_now() -> dt.datetime:
    return timezone.now()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Finland (the controller's time)."""
    return timezone.localtime(moment).date()


def check_email(errors: FieldErrors, field_name: str, value: str) -> str:
    """A normalised address, or an error: malformed or a throwaway domain."""
    try:
        email = normalise_email(value)
    except FormatError as exc:
        errors.add(field_name, exc.code, exc.message)
        return ""
    # The list names a domain in IDNA's ASCII form; the address keeps it in
    # Unicode (core.formats): either spelling of a listed domain is refused.
    domains = {email.rsplit("@", 1)[-1], ascii_email(email).rsplit("@", 1)[-1]}
    if domains & DISPOSABLE_DOMAINS:
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


def check_text(
    errors: FieldErrors, name: str, value: Any, *, required: bool = False
) -> str:
    try:
        text = clean_text(str(value or ""), max_length=MAX_TEXT) if value else ""
    except FormatError as exc:
        errors.add(name, exc.code, exc.message)
        return ""
    if required and not text.strip():
        errors.add(name, "required", _("This field is required."))
    return text


@write_service(subject=NONE, reason=WRITES_NO_PERSON_ROWS)
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
        to=[ascii_email(to)],
    ).send(fail_silently=False)
    return _record(case, letter, rendered, actor, recipient=to)


@not_a_write_service("records a letter on the case inside the calling step's service")
def post_letter(
    *, case: RequestCase, letter: str, actor: Any, **values: Any
) -> SentMessage:
    """Record ``letter`` for staff to print and post to the requester's
    postal address (no email is sent)."""
    rendered = letters.render(letter, language=case.language, case=case, **values)
    return _record(case, letter, rendered, actor, recipient="", by_post=True)


def _record(
    case: RequestCase,
    letter: str,
    rendered: letters.Rendered,
    actor: Any,
    *,
    recipient: str,
    by_post: bool = False,
) -> SentMessage:
    """The letter as sent (or to post), on the case."""
    return SentMessage.objects.create(
        case=case,
        letter=letter,
        language=case.language,
        recipient=recipient,
        subject=rendered.subject[:200],
        body=rendered.body,
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
        sent_at=utc_now(),
        by_post=by_post,
    )


@not_a_write_service("sends a letter through send_letter, itself declared")
def reply(*, case: RequestCase, letter: str, actor: Any, **values: Any) -> list[str]:
    """Send ``letter`` to the requester: by email when they gave an address,
    else, when they gave a postal address, recorded for staff to print and
    post (the case page's print view); the letters, for the step's audit
    event (by phone only, staff answer themselves)."""
    if case.requester_email:
        send_letter(
            case=case, letter=letter, to=case.requester_email, actor=actor, **values
        )
    elif case.requester_address:
        post_letter(case=case, letter=letter, actor=actor, **values)
    else:
        return []
    return [letter]


def audit_case(actor: Any, action: str, case: RequestCase, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="dsr_case",
        target_id=case.pk,
        purpose="rights_request",
        details={"status": case.status, "kinds": list(case.kinds), **details},
    )


def staff_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def invalid_transition(case: RequestCase) -> Conflict:
    """The refusal of a step the case's status does not allow."""
    return Conflict(
        _("A case that is %(status)s cannot move to that state.")
        % {"status": case.get_status_display().lower()},
        code="invalid_transition",
    )


def move_case(case: RequestCase, to: str) -> None:
    if to != case.status and to not in TRANSITIONS[case.status]:
        raise invalid_transition(case)
    case.status = to


def lock_case(case: RequestCase) -> RequestCase:
    return RequestCase.objects.select_for_update().get(pk=case.pk)


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
