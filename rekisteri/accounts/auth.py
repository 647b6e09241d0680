"""Logging in: password, lockout, the second factor, and their audit events.

The login is two steps. The password step (:func:`password_step`) checks
the lockout, then the password; an account that needs a second factor is
not logged in yet — the session only remembers, for five minutes, whose
password was accepted (``SESSION_PENDING``). :func:`complete_login` logs the
user in once every factor has been given. So there is never an
authenticated session that still owes its TOTP code.

Refusals look the same whatever the reason — unknown user name, wrong
password, disabled account — and lockouts count every name tried alike (an
HMAC of the name, never the name), so neither the message nor the lockout
tells anyone which accounts exist. The audit log records the account only
when it exists, and then by id.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rekisteri.accounts.models import LoginThrottle, StaffUser
from rekisteri.accounts.sessions import (
    PENDING_SECONDS,
    SESSION_PENDING,
    mark_login,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record

BACKEND = "django.contrib.auth.backends.ModelBackend"


class Step(enum.StrEnum):
    """What the password step decided."""

    DONE = "done"  # logged in
    VERIFY = "verify"  # password ok, TOTP code owed
    ENROL = "enrol"  # password ok, the role needs MFA and none is set up
    FAILED = "failed"  # wrong name or password, or a disabled account
    LOCKED = "locked"  # too many failures for this name or address


@dataclass(frozen=True)
class StepResult:
    step: Step
    user: StaffUser | None = None


# --------------------------------------------------------------------------
# Lockout
# --------------------------------------------------------------------------


def account_key(username: str) -> str:
    """The throttle key of a user name: an HMAC, so the name is not stored."""
    digest = salted_hmac(
        "rekisteri.accounts.throttle", (username or "").strip().lower()
    ).hexdigest()
    return f"account:{digest}"


def address_key(client: str) -> str:
    return f"address:{client or 'unknown'}"


def _window() -> timedelta:
    return timedelta(minutes=settings.REKISTERI_LOCKOUT_MINUTES)


def is_locked(username: str, client: str) -> bool:
    """Whether the name or the address is locked out now."""
    now = timezone.now()
    return LoginThrottle.objects.filter(
        key__in=[account_key(username), address_key(client)], locked_until__gt=now
    ).exists()


def register_failure(username: str, client: str) -> bool:
    """Count one failure for the name and the address; True if now locked."""
    now = timezone.now()
    locked = False
    limits = (
        (account_key(username), "", settings.REKISTERI_LOCKOUT_ACCOUNT_FAILURES),
        (address_key(client), client, settings.REKISTERI_LOCKOUT_ADDRESS_FAILURES),
    )
    with transaction.atomic():
        # Forget counters that ended long ago, so guessed names do not pile
        # up: a row outlives its window (and any lock) by one window at most.
        LoginThrottle.objects.filter(window_started_at__lt=now - 2 * _window()).exclude(
            locked_until__gt=now
        ).delete()
        for key, stored_client, limit in limits:
            row, _created = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"client": stored_client, "window_started_at": now}
            )
            if row.window_started_at < now - _window() and not row.is_locked(now):
                row.failures = 0
                row.window_started_at = now
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + _window()
            locked = locked or row.is_locked(now)
            row.save()
    return locked


def clear_account_failures(username: str) -> None:
    """A successful login forgets the name's failures (not the address's)."""
    LoginThrottle.objects.filter(key=account_key(username)).delete()


def existing_account(username: str) -> StaffUser | None:
    """The account with this exact user name, active or not."""
    return StaffUser.objects.filter(username=username).first()


def _audit_failure(
    request: Any, username: str, reason: str, *, action: str = "auth.login_failed"
) -> None:
    account = existing_account(username)
    audit_record(
        actor=None,
        action=action,
        target_type="staff_user" if account else "",
        target_id=account.pk if account else "",
        outcome=Outcome.DENIED if reason == "locked" else Outcome.FAILED,
        details={"reason": reason},
        request=request,
        actor_label="",
    )


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


def mfa_required(user: StaffUser) -> bool:
    return user.role in settings.REKISTERI_MFA_REQUIRED_ROLES


def password_step(request: Any, username: str, password: str) -> StepResult:
    """Check the lockout and the password; log in or ask for the next factor."""
    from rekisteri.accounts.mfa import confirmed_totp

    client = getattr(request, "client_address", "") or ""
    if is_locked(username, client):
        _audit_failure(request, username, "locked")
        return StepResult(Step.LOCKED)
    user = authenticate(request, username=username, password=password)
    if user is None:
        account = existing_account(username)
        reason = "disabled" if account is not None and not account.is_active else ""
        locked = register_failure(username, client)
        _audit_failure(request, username, reason or "credentials")
        return StepResult(Step.LOCKED if locked else Step.FAILED)
    device = confirmed_totp(user)
    if device is None and not mfa_required(user):
        complete_login(request, user)
        return StepResult(Step.DONE, user)
    # A new session key at this step too (login() gives one at the last):
    # a session planted before the password must not share the pending login.
    request.session.cycle_key()
    request.session[SESSION_PENDING] = {"uid": user.pk, "at": time.time()}
    return StepResult(Step.VERIFY if device else Step.ENROL, user)


def pending_user(request: Any) -> StaffUser | None:
    """The user whose password was accepted in the last five minutes."""
    pending = request.session.get(SESSION_PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(SESSION_PENDING, None)
        return None
    return StaffUser.objects.filter(pk=pending.get("uid"), is_active=True).first()


def second_factor_failed(request: Any, user: StaffUser, reason: str) -> bool:
    """A wrong or replayed code: counts toward the account's lockout.

    Returns True when the account is now locked; the pending login is then
    dropped so the password has to be given again after the lockout.
    """
    client = getattr(request, "client_address", "") or ""
    locked = register_failure(user.get_username(), client)
    audit_record(
        actor=None,
        action="auth.mfa_verify",
        target_type="staff_user",
        target_id=user.pk,
        outcome=Outcome.FAILED,
        details={"reason": reason},
        request=request,
        actor_label="",
    )
    if locked:
        request.session.pop(SESSION_PENDING, None)
    return locked


def second_factor_locked(request: Any, user: StaffUser) -> bool:
    client = getattr(request, "client_address", "") or ""
    return is_locked(user.get_username(), client)


def complete_login(request: Any, user: StaffUser, device: Any = None) -> None:
    """Every factor given: log in, start the session clocks, audit."""
    import django_otp

    # Failures are forgotten only after every factor: a right password
    # followed by wrong codes keeps counting toward the lockout.
    clear_account_failures(user.get_username())
    login(request, user, backend=BACKEND)
    if device is not None:
        django_otp.login(request, device)
    mark_login(request.session)
    audit_record(
        actor=user,
        action="auth.login",
        target_type="staff_user",
        target_id=user.pk,
        details={"mfa": device is not None},
        request=request,
    )
