"""One-time enrolment codes of the four-eyes roles (docs/security.md).

A privacy-officer or auditor account sets up its authenticator only with a
code from the flow that granted the role (or reset its second factor): 16
random characters, stored as a keyed digest, expiring, single use. Both the
role services and the second-factor set-up use this module, so neither
imports the other.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rekisteri.accounts.conf import setting
from rekisteri.accounts.credentials import enrolment_digest
from rekisteri.accounts.models import EnrolmentCode, RoleGrant, StaffUser
from rekisteri.audit.services import audit_record

ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def needs_approval(role: str) -> bool:
    """Giving ``role`` needs a second administrator's approval."""
    return role in setting("REKISTERI_FOUR_EYES_ROLES")


def enrolment_code_issue(
    actor: StaffUser, user: StaffUser, grant: RoleGrant | None, request: Any
) -> str:
    """A new one-time enrolment code for ``user``; earlier ones stop working."""
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _i in range(16))
    EnrolmentCode.objects.create(
        user=user,
        digest=enrolment_digest(raw),
        grant=grant,
        expires_at=now + timedelta(hours=setting("REKISTERI_ENROLMENT_CODE_HOURS")),
    )
    audit_record(
        actor=actor,
        action="auth.enrolment_code_issue",
        target_type="staff_user",
        target_id=user.pk,
        details={"hours": setting("REKISTERI_ENROLMENT_CODE_HOURS")},
        request=request,
    )
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def enrolment_code_needed(user: StaffUser) -> bool:
    """An account in a four-eyes role with no authenticator sets one up only
    with a one-time code from the granting flow."""
    return (
        needs_approval(user.role)
        and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def enrolment_code_check(user: StaffUser, raw: str) -> EnrolmentCode | None:
    """The usable enrolment code of ``user`` that ``raw`` is, else None."""
    if not raw:
        return None
    digest = enrolment_digest(raw)
    for row in EnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ):
        if hmac.compare_digest(row.digest, digest):
            return row
    return None
