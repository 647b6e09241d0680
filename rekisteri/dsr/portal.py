"""The public request portal: submit, confirm by an emailed code.

No enumeration: submitting does the same work and gives the same answer for
every well-formed address. The register is not consulted until the code is
confirmed, that is, until the visitor has shown they read that mailbox.
Rate limits count submissions in the cache per client network, per address
digest from one client network, and per address digest in all, so a flood
creates no cases and sends no more mail, and one network cannot use up an
address's quota for its owner (docs/requests.md, Rate limits).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.accounts.network import rate_key
from rekisteri.audit.services import audit_record
from rekisteri.core.cachekeys import cache_key
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.core.formats import ascii_email
from rekisteri.dsr import letters
from rekisteri.dsr.choices import (
    Channel,
    IdentityMethod,
    IdentityReason,
    Letter,
)
from rekisteri.dsr.conf import setting
from rekisteri.dsr.models import PortalDraft, RequestCase
from rekisteri.dsr.services import (
    MAX_CODE_ATTEMPTS,
    audit_case,
    case_create,
    check_email,
    check_kinds,
    check_text,
    contact_digest,
    identity_request,
    mark_identity_verified,
    new_code,
    secret_hash,
    secret_matches,
)

CODE_MINUTES = 30
WINDOW_SECONDS = 3600


def _limit(name: str) -> int:
    return int(setting(name))


class RateLimited(Conflict):
    code = "rate_limited"


def _count(key: str, limit: int) -> None:
    """Count one submission under ``key``; refuse past ``limit`` an hour."""
    count = 1
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(key, 1, timeout=WINDOW_SECONDS)
    if count > limit:
        raise RateLimited(_("Too many requests. Please try again later."))


def portal_submit(
    *, kinds: list[str], email: str, details: str, language: str, client: str
) -> PortalDraft:
    """Keep the submission as a draft and email a code to the address."""
    errors = FieldErrors()
    chosen = check_kinds(errors, kinds)
    address = check_email(errors, "email", email)
    text = check_text(errors, "details", details)
    if language not in letters.LANGUAGES:
        errors.add("language", "invalid_choice", _("Unknown language."))
    errors.raise_if_any()
    digest = contact_digest("email", address)
    network = rate_key(client)
    _count(cache_key("dsr.client", network), _limit("REKISTERI_DSR_PER_CLIENT"))
    # An address is counted per client network first, and only what that
    # network may send counts towards the address's total: someone who
    # fills an address's quota from one network has not used up its owner's.
    _count(
        cache_key("dsr.address", f"{digest}|{network}"),
        _limit("REKISTERI_DSR_PER_ADDRESS"),
    )
    _count(
        cache_key("dsr.address_total", digest),
        _limit("REKISTERI_DSR_PER_ADDRESS_TOTAL"),
    )
    code = new_code()
    rendered = letters.render(
        Letter.PORTAL_CODE, language=language, case=None, code=code, valid=CODE_MINUTES
    )
    with transaction.atomic():
        draft = PortalDraft.objects.create(
            kinds=chosen,
            language=language,
            email=address,
            details=text or None,
            email_digest=digest,
            code_hash=secret_hash("portal", code),
            expires_at=timezone.now() + dt.timedelta(minutes=CODE_MINUTES),
        )
        EmailMessage(
            subject=rendered.subject,
            body=rendered.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[ascii_email(address)],
        ).send(fail_silently=False)
        audit_record(
            actor=None,
            action="dsr.portal_submit",
            target_type="dsr_draft",
            target_id=draft.pk,
            details={"kinds": chosen, "language": language},
        )
    return draft


def portal_confirm(*, draft_id: Any, code: str) -> RequestCase:
    """The code matches: the draft becomes a case received when submitted.

    Persons are matched by the confirmed address through the blind index.
    One match: the code went to an address on file, so identity is verified.
    None: the case waits for identity and staff see why.
    """
    now = timezone.now()
    wrong = False
    with transaction.atomic():
        draft = (
            PortalDraft.objects.select_for_update().filter(pk=draft_id).first()
            if _is_uuid(draft_id)
            else None
        )
        if draft is None or draft.expires_at <= now:
            if draft is not None:
                draft.delete()
            raise ValidationFailed.single(
                "code", "code_expired", _("The code has expired. Please start again.")
            )
        if draft.attempts >= MAX_CODE_ATTEMPTS:
            draft.delete()
            raise ValidationFailed.single(
                "code",
                "too_many_attempts",
                _("Too many wrong codes. Please start again."),
            )
        if not secret_matches("portal", code, draft.code_hash):
            draft.attempts += 1
            draft.save(update_fields=["attempts"])
            wrong = True
        else:
            created = case_create(
                actor=None,
                kinds=list(draft.kinds),
                channel=Channel.WEB,
                language=draft.language,
                received_at=draft.created_at,
                requester_email=draft.email,
                details=draft.details or "",
            )
            case = created.case
            draft.delete()
            matched = list(case.persons.all())
            if len(matched) == 1:
                mark_identity_verified(case, IdentityMethod.PORTAL_CODE)
                case.identity_confirmed_at = now
                case.save()
                audit_case(
                    None, "dsr.identity_verified", case, method=case.identity_method
                )
            else:
                reason = (
                    IdentityReason.ADDRESS_NOT_ON_FILE
                    if not matched
                    else IdentityReason.SEVERAL_MATCHES
                )
                identity_request(actor=None, case=case, reason=reason)
    if wrong:
        raise ValidationFailed.single("code", "code_wrong", _("The code is not right."))
    return case


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def drafts_purge_expired() -> int:
    """Delete drafts whose code has expired (``unverified_request``)."""
    count, _rows = PortalDraft.objects.filter(expires_at__lte=timezone.now()).delete()
    return count
