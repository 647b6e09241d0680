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

from django.contrib.auth import authenticate, login
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from rekisteri.accounts.conf import setting
from rekisteri.accounts.mfa import confirmed_totp
from rekisteri.accounts.models import LoginThrottle, StaffUser
from rekisteri.accounts.sessions import (
    PENDING_SECONDS,
    SESSION_PENDING,
    mark_login,
)
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record

BACKEND = "rekisteri.accounts.backends.StaffBackend"


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


def _name(username: str) -> str:
    return (username or "").strip().lower()


def account_key(username: str) -> str:
    """The account part of a throttle: an HMAC, so the name is not stored."""
    digest = salted_hmac("rekisteri.accounts.throttle", _name(username)).hexdigest()
    return f"account:{digest}"


def pair_key(username: str, client: str) -> str:
    """The throttle of one user name tried from one client address."""
    digest = salted_hmac(
        "rekisteri.accounts.throttle.pair", f"{_name(username)}|{client or ''}"
    ).hexdigest()
    return f"pair:{digest}"


def address_key(client: str) -> str:
    return f"address:{client or 'unknown'}"


def _window() -> timedelta:
    return timedelta(minutes=setting("REKISTERI_LOCKOUT_MINUTES"))


def pair_delay(failures: int, limit: int) -> timedelta:
    """How long a name is refused from one address after its ``failures``-th
    failure: one minute at the limit, doubling with each further failure,
    never more than REKISTERI_LOCKOUT_MINUTES."""
    minutes = 2 ** min(failures - limit, 20)
    return min(timedelta(minutes=minutes), _window())


def is_locked(username: str, client: str) -> bool:
    """Whether this name from this address, or the address, is held now."""
    now = timezone.now()
    return LoginThrottle.objects.filter(
        key__in=[pair_key(username, client), address_key(client)],
        locked_until__gt=now,
    ).exists()


def should_audit_refusal(username: str, client: str) -> bool:
    """At most one audited refusal per lock and minute: a script hammering a
    locked name must not flood the audit chain."""
    now = timezone.now()
    return bool(
        LoginThrottle.objects.filter(
            key__in=[pair_key(username, client), address_key(client)],
            locked_until__gt=now,
        )
        .filter(
            Q(refusal_audited_at__isnull=True)
            | Q(refusal_audited_at__lt=now - timedelta(minutes=1))
        )
        .update(refusal_audited_at=now)
    )


def register_failure(username: str, client: str) -> bool:
    """Count one failure for the name from this address, and for the address;
    True if either is now held.

    A name is throttled per client address only, so nobody can lock a staff
    member out from elsewhere; the delays grow with every failure after the
    limit (:func:`pair_delay`) and the count is forgotten after a window
    without failures. The address counter catches guessing across names.
    """
    now = timezone.now()
    locked = False
    with transaction.atomic():
        # Forget counters that ended long ago, so guessed names do not pile
        # up: a row outlives its window (and any lock) by one window at most.
        LoginThrottle.objects.filter(window_started_at__lt=now - 2 * _window()).exclude(
            locked_until__gt=now
        ).delete()
        pair, _created = LoginThrottle.objects.select_for_update().get_or_create(
            key=pair_key(username, client),
            defaults={
                "client": client,
                "account": account_key(username),
                "window_started_at": now,
            },
        )
        if pair.window_started_at < now - _window() and not pair.is_locked(now):
            pair.failures = 0
        pair.window_started_at = now  # the window slides with each failure
        pair.failures += 1
        limit = setting("REKISTERI_LOCKOUT_ACCOUNT_FAILURES")
        if pair.failures >= limit:
            pair.locked_until = now + pair_delay(pair.failures, limit)
        pair.save()
        locked = pair.is_locked(now)

        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            key=address_key(client),
            defaults={"client": client, "window_started_at": now},
        )
        if row.window_started_at < now - _window() and not row.is_locked(now):
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
        if row.failures >= setting("REKISTERI_LOCKOUT_ADDRESS_FAILURES"):
            row.locked_until = now + _window()
        row.save()
        locked = locked or row.is_locked(now)
    return locked


def clear_account_failures(username: str, client: str) -> None:
    """A successful login forgets the name's failures from this address
    (not elsewhere, and not the address's own count)."""
    LoginThrottle.objects.filter(key=pair_key(username, client)).delete()


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
    return user.role in setting("REKISTERI_MFA_REQUIRED_ROLES")


def password_step(request: Any, username: str, password: str) -> StepResult:
    """Check the lockout and the password; log in or ask for the next factor."""
    client = getattr(request, "client_address", "") or ""
    if is_locked(username, client):
        if should_audit_refusal(username, client):
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
    clear_account_failures(
        user.get_username(), getattr(request, "client_address", "") or ""
    )
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
