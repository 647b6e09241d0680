"""Second factor: TOTP with single-use recovery codes (django-otp).

django-otp's ``TOTPDevice`` remembers the last time step it accepted
(``last_t``) and refuses any code from that step or an earlier one, so a
code seen over someone's shoulder cannot be replayed; it also slows down
repeated failures (throttling). Recovery codes are a ``StaticDevice`` whose
tokens are deleted as they are used. Both are used through proxies that
keep the TOTP secret sealed and the recovery codes as keyed digests
(``rekisteri.accounts.credentials``). The QR code for the authenticator app
is drawn on the server as SVG; the secret never leaves the page.
"""

from __future__ import annotations

import re
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from rekisteri.accounts.enrolment import (
    enrolment_code_check,
    enrolment_code_issue,
    enrolment_code_needed,
    needs_approval,
)
from rekisteri.accounts.models import HashedStaticDevice as StaticDevice
from rekisteri.accounts.models import SealedTOTPDevice as TOTPDevice
from rekisteri.accounts.models import StaffUser
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import ValidationFailed

RECOVERY_CODES = 10
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"
_CODE = re.compile(r"^\d{6}$")


def confirmed_totp(user: StaffUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_device(user: StaffUser) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: StaffUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(raw: str) -> str:
    """Codes are typed with spaces and dashes; compare without them."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def is_replay(device: TOTPDevice, code: str) -> bool:
    """The code is right but for a step already used (``last_t`` or before)."""
    if not _CODE.match(code):
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.t() <= device.last_t and totp.token() == int(code):
            return True
    return False


def check_code(user: StaffUser, raw: str) -> tuple[Any | None, str]:
    """Check a TOTP code or a recovery code.

    Returns ``(device, "")`` on success (a recovery code is used up), or
    ``(None, reason)`` with reason ``wrong``, ``replayed`` or ``throttled``.
    """
    code = normalise_code(raw)
    totp = confirmed_totp(user)
    if totp is not None and _CODE.match(code):
        allowed, _info = totp.verify_is_allowed()
        if not allowed:
            return None, "throttled"
        if is_replay(totp, code):
            totp.throttle_increment()
            return None, "replayed"
        if totp.verify_token(code):
            return totp, ""
        return None, "wrong"
    static = recovery_device(user)
    if static is not None and code:
        allowed, _info = static.verify_is_allowed()
        if not allowed:
            return None, "throttled"
        if static.verify_token(code):
            return static, ""
    return None, "wrong"


def totp_enrol_start(*, user: StaffUser) -> TOTPDevice:
    """A fresh, unconfirmed TOTP device; earlier unconfirmed ones go."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The base32 secret, in groups of four, for typing into an app."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no external service)."""
    image = qrcode.make(
        uri,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=8,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    # The XML declaration is not allowed inside HTML.
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)


def totp_enrol_confirm(
    *,
    user: StaffUser,
    device_id: Any,
    code: str,
    enrolment_code: str = "",
    request: Any = None,
) -> list[str]:
    """Confirm enrolment with a code from the app; return new recovery codes.

    The new device replaces any earlier TOTP device and any recovery codes.
    The codes are returned once and not shown again. An account in a
    four-eyes role with no authenticator yet also gives the one-time
    enrolment code its approver handed over; it is used up here.
    """
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    code = normalise_code(code)
    if device is None:
        raise ValidationFailed.single(
            "code", "enrolment_expired", _("The set-up expired; start again.")
        )
    ticket = None
    if enrolment_code_needed(user):
        ticket = enrolment_code_check(user, enrolment_code)
        if ticket is None:
            audit_record(
                actor=user,
                action="auth.mfa_enrol",
                target_type="staff_user",
                target_id=user.pk,
                outcome=Outcome.FAILED,
                details={"reason": "enrolment_code"},
                request=request,
            )
            raise ValidationFailed.single(
                "enrolment_code",
                "enrolment_code_wrong",
                _(
                    "The enrolment code is not right, has expired or has been "
                    "used. Ask the administrator who approved your role."
                ),
            )
    if not _CODE.match(code) or not device.verify_token(code):
        audit_record(
            actor=user,
            action="auth.mfa_enrol",
            target_type="staff_user",
            target_id=user.pk,
            outcome=Outcome.FAILED,
            details={"reason": "wrong"},
            request=request,
        )
        raise ValidationFailed.single(
            "code",
            "code_wrong",
            _("The code is not right. Check the time on the phone."),
        )
    with transaction.atomic():
        if ticket is not None:
            used = type(ticket).objects.filter(pk=ticket.pk, used_at__isnull=True)
            if not used.update(used_at=timezone.now()):
                raise ValidationFailed.single(
                    "enrolment_code",
                    "enrolment_code_wrong",
                    _("The enrolment code has been used."),
                )
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action="auth.mfa_enrol",
            target_type="staff_user",
            target_id=user.pk,
            details={"recovery_codes": len(codes)},
            request=request,
        )
    return codes


def _new_recovery_codes(user: StaffUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    for _i in range(RECOVERY_CODES):
        token = StaticToken.random_token()
        static.add_code(token)
        codes.append(f"{token[:4]}-{token[4:]}")
    return codes


def recovery_codes_renew(*, user: StaffUser, request: Any = None) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    if confirmed_totp(user) is None:
        raise ValidationFailed.single(
            "code", "not_enrolled", _("Set up the authenticator app first.")
        )
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action="auth.mfa_recovery_codes",
            target_type="staff_user",
            target_id=user.pk,
            details={"recovery_codes": len(codes)},
            request=request,
        )
    return codes


def mfa_reset(*, actor: StaffUser, user: StaffUser, request: Any = None) -> str:
    """Remove every second-factor device of ``user`` (a lost phone).

    A role that requires MFA enrols again at the next login. An account in a
    four-eyes role needs a one-time enrolment code for that: it is returned
    (shown once to the administrator), otherwise "".
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="auth.mfa_reset",
            target_type="staff_user",
            target_id=user.pk,
            request=request,
        )
        if needs_approval(user.role):
            return enrolment_code_issue(actor, user, None, request)
    return ""
