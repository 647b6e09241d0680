"""Writes for staff accounts and API tokens.

Every write here records an audit event (``rekisteri.audit``): account
creation, role changes, disabling, unlocking, training and attestations,
access reviews and password changes. Log-in and the second factor live in
``auth.py`` and ``mfa.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.accounts.auth import account_key
from rekisteri.accounts.choices import StaffRole, TokenScope
from rekisteri.accounts.clearance import forget_clearance
from rekisteri.accounts.conf import setting
from rekisteri.accounts.enrolment import (
    enrolment_code_issue,
    needs_approval,
)
from rekisteri.accounts.models import (
    AccessReview,
    ApiToken,
    ConfidentialityAttestation,
    LoginThrottle,
    RoleGrant,
    StaffUser,
    TrainingRecord,
)
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.accounts.sessions import end_sessions_of
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import (
    Conflict,
    FieldErrors,
    Forbidden,
    NotFound,
    ValidationFailed,
)

TOKEN_PREFIX = "rk_"  # noqa: S105 - public marker, not a secret


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def staff_user_create(
    *,
    actor: StaffUser | None,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    request: Any = None,
) -> StaffUser:
    """Create a personal staff account. ``actor`` None means the installer."""
    errors = FieldErrors()
    if role not in StaffRole.values:
        errors.add("role", "role_invalid", _("Unknown role."))
    if StaffUser.objects.filter(username__iexact=username).exists():
        errors.add("username", "username_taken", _("This username is taken."))
    user = StaffUser(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add("password", "password_weak", message)
    errors.raise_if_any()
    # A four-eyes role asked for by an administrator is not given yet: the
    # account starts with no role (no access) and a pending grant that
    # another administrator approves. The installer (no actor) is trusted.
    held = role if actor is None or not needs_approval(role) else ""
    user.role = held
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action="staff_user.create",
            target_type="staff_user",
            target_id=user.pk,
            details={"role": held},
            request=request,
        )
        if held != role:
            _grant_request(actor, user, role, request)
    return user


def api_token_create(
    *,
    actor: StaffUser,
    name: str,
    scope: str = TokenScope.READ,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; returns it and the plaintext shown once."""
    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", "required", _("Give the token a name."))
    if scope not in TokenScope.values:
        errors.add("scope", "scope_invalid", _("Unknown scope."))
    days = days or setting("REKISTERI_API_TOKEN_DEFAULT_DAYS")
    if not 1 <= days <= 366:
        errors.add("days", "days_invalid", _("A token lives 1–366 days."))
    errors.raise_if_any()
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target_type="api_token",
        target_id=token.pk,
        details={"scope": scope, "days": days},
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def api_token_revoke(*, actor: StaffUser, token_id) -> ApiToken:
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update().filter(id=token_id, user=actor).first()
        )
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="api_token.revoke",
                target_type="api_token",
                target_id=token.pk,
            )
    return token


def api_token_authenticate(raw: str, request: Any = None) -> ApiToken | None:
    """Return the usable token for a presented bearer value, else None.

    A refusal is audited (``auth.token_refused``) with a reason code; the
    event names the token only when it exists, never the presented value.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    try:
        prefix, secret = raw[len(TOKEN_PREFIX) :].split("_", 1)
    except ValueError:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        # Same work as a hit so timing does not reveal which prefixes exist.
        hmac.compare_digest(_hash_secret(secret), "0" * 64)
        _token_refused(None, "unknown", request)
        return None
    if not hmac.compare_digest(_hash_secret(secret), token.secret_hash):
        _token_refused(None, "unknown", request)
        return None
    if not token.is_usable or not token.user.is_active:
        reason = (
            "revoked"
            if token.revoked_at is not None
            else "disabled"
            if not token.user.is_active
            else "expired"
        )
        _token_refused(token, reason, request)
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _token_refused(token: ApiToken | None, reason: str, request: Any) -> None:
    # A wrong secret for an existing prefix is recorded like an unknown
    # token: the prefix alone is no proof of whose token was tried.
    audit_record(
        actor=None,
        action="auth.token_refused",
        target_type="api_token" if token else "",
        target_id=token.pk if token else "",
        outcome=Outcome.DENIED,
        details={"reason": reason},
        request=request,
        actor_label="",
    )


# --------------------------------------------------------------------------
# Account administration
# --------------------------------------------------------------------------


def revoke_access(user: StaffUser) -> dict[str, int]:
    """End every session and revoke every API token of ``user``: after a
    password reset, a role change or a disable nothing issued before it may
    keep working (a stolen session or token included). Returns the counts
    for the audit event."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return {"sessions_ended": end_sessions_of(user.pk), "tokens_revoked": tokens}


def _audit_account(
    actor: Any, action: str, user: StaffUser, request: Any, **details: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="staff_user",
        target_id=user.pk,
        details=details,
        request=request,
    )


def password_change(
    *, actor: StaffUser, old_password: str, new_password: str, request: Any = None
) -> None:
    """Change one's own password after checking the current one."""
    errors = FieldErrors()
    if not actor.check_password(old_password):
        errors.add(
            "old_password", "password_wrong", _("The current password is not right.")
        )
    try:
        validate_password(new_password, actor)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add("new_password1", "password_weak", message)
    if not errors and old_password == new_password:
        errors.add(
            "new_password1",
            "password_unchanged",
            _("The new password must differ from the current one."),
        )
    if errors:
        audit_record(
            actor=actor,
            action="auth.password_change",
            target_type="staff_user",
            target_id=actor.pk,
            outcome=Outcome.FAILED,
            details={
                "codes": sorted({c for v in errors.fields.values() for c, _m in v})
            },
            request=request,
        )
    errors.raise_if_any()
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        _audit_account(actor, "auth.password_change", actor, request)


def staff_user_set_password(
    *, actor: StaffUser, user: StaffUser, password: str, request: Any = None
) -> None:
    """An administrator sets a new password (a forgotten one)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors = FieldErrors()
        for message in exc.messages:
            errors.add("new_password1", "password_weak", message)
        errors.raise_if_any()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = revoke_access(user)
        _audit_account(actor, "auth.password_set", user, request, **ended)


def staff_user_set_role(
    *, actor: StaffUser, user: StaffUser, role: str, request: Any = None
) -> StaffUser:
    """Change an account's role; the audit event names the old and new role.

    A four-eyes role (:func:`needs_approval`) is not changed here: the call
    records a pending :class:`RoleGrant` (``role_grant.request``) that another
    administrator decides with :func:`role_grant_decide`."""
    if role not in StaffRole.values:
        raise ValidationFailed.single("role", "role_invalid", _("Unknown role."))
    if user.pk == actor.pk:
        raise Conflict(_("You cannot change your own role."), code="own_role")
    with transaction.atomic():
        locked = StaffUser.objects.select_for_update().get(pk=user.pk)
        old = locked.role
        if old == role:
            return locked
        if needs_approval(role):
            # Four eyes: asked for now, given when someone else approves.
            _grant_request(actor, locked, role, request)
            return locked
        # Any other role replaces a grant still waiting for approval.
        _supersede_pending(actor, locked, request)
        locked.role = role
        locked.save(update_fields=["role"])
        ended = revoke_access(locked)
        _audit_account(
            actor, "auth.role_change", locked, request, old=old, new=role, **ended
        )
    return locked


def staff_user_set_active(
    *,
    actor: StaffUser | None,
    user: StaffUser,
    active: bool,
    reason: str = "manual",
    request: Any = None,
) -> StaffUser:
    """Disable or enable an account. Disabling ends its sessions and revokes
    its API tokens for good: re-enabling does not bring them back."""
    if actor is not None and user.pk == actor.pk and not active:
        raise Conflict(_("You cannot disable your own account."), code="own_account")
    with transaction.atomic():
        locked = StaffUser.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        ended = {} if active else revoke_access(locked)
        action = "staff_user.enable" if active else "staff_user.disable"
        _audit_account(actor, action, locked, request, reason=reason, **ended)
    return locked


def account_unlock(*, actor: StaffUser, user: StaffUser, request: Any = None) -> bool:
    """Lift the lockout of an account; True if it was locked."""
    with transaction.atomic():
        key = account_key(user.get_username())
        deleted, _rows = LoginThrottle.objects.filter(
            Q(key=key) | Q(account=key)
        ).delete()
        _audit_account(actor, "auth.unlock", user, request, was_locked=bool(deleted))
    return bool(deleted)


def address_unlock(*, actor: StaffUser, throttle_id: int, request: Any = None) -> None:
    """Lift the lockout of a client address."""
    with transaction.atomic():
        row = LoginThrottle.objects.filter(
            pk=throttle_id, key__startswith="address:"
        ).first()
        if row is None:
            raise NotFound()
        row.delete()
        audit_record(
            actor=actor,
            action="auth.unlock",
            target_type="client_address",
            target_id=throttle_id,
            request=request,
        )


# --------------------------------------------------------------------------
# Training and confidentiality
# --------------------------------------------------------------------------


def training_record(
    *,
    actor: StaffUser | None,
    user: StaffUser,
    completed_on: date,
    course: str = "",
    request: Any = None,
) -> TrainingRecord:
    """Record that ``user`` completed the privacy training on a day."""
    today = timezone.localdate()
    if completed_on > today:
        raise ValidationFailed.single(
            "completed_on", "date_future", _("The date cannot be in the future.")
        )
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            user=user,
            completed_on=completed_on,
            course=(course or "").strip()[:200],
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="staff_training.record",
            target_type="staff_user",
            target_id=user.pk,
            fields=["completed_on", "course"],
            request=request,
        )
    forget_clearance(user)
    return record


def attestation_sign(
    *, actor: StaffUser, version: str | None = None, request: Any = None
) -> ConfidentialityAttestation:
    """The signed-in staff member signs the current confidentiality text."""
    version = version or setting("REKISTERI_ATTESTATION_VERSION")
    if version != setting("REKISTERI_ATTESTATION_VERSION"):
        raise Conflict(
            _("The text has changed; read the current version and sign it."),
            code="attestation_outdated",
        )
    with transaction.atomic():
        existing = ConfidentialityAttestation.objects.filter(
            user=actor, text_version=version
        ).first()
        if existing is not None:
            return existing
        attestation = ConfidentialityAttestation.objects.create(
            user=actor, text_version=version
        )
        audit_record(
            actor=actor,
            action="staff_attestation.sign",
            target_type="staff_user",
            target_id=actor.pk,
            details={"version": version},
            request=request,
        )
    forget_clearance(actor)
    return attestation


# --------------------------------------------------------------------------
# Access reviews and dormant accounts
# --------------------------------------------------------------------------


def access_review_record(
    *, actor: StaffUser, user: StaffUser, decision: str, request: Any = None
) -> AccessReview:
    """Recertify an account's access, or revoke it (which disables it)."""
    if decision not in AccessReview.Decision.values:
        raise ValidationFailed.single(
            "decision", "decision_invalid", _("Unknown decision.")
        )
    if user.pk == actor.pk:
        raise Conflict(_("You cannot review your own access."), code="own_review")
    with transaction.atomic():
        review = AccessReview.objects.create(
            user=user, role=user.role, decision=decision, reviewer=actor
        )
        _audit_account(actor, "access_review.record", user, request, decision=decision)
        if decision == AccessReview.Decision.REVOKE:
            staff_user_set_active(
                actor=actor, user=user, active=False, reason="review", request=request
            )
    return review


def dormant_accounts(*, days: int | None = None) -> list[StaffUser]:
    """Active accounts with no login (or, never logged in, no creation) for
    ``days`` (default ``REKISTERI_DORMANT_DAYS``)."""
    from django.db.models import Q

    days = setting("REKISTERI_DORMANT_DAYS") if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    return list(
        StaffUser.objects.filter(is_active=True)
        .filter(
            Q(last_login__lt=cutoff)
            | Q(last_login__isnull=True, date_joined__lt=cutoff)
        )
        .order_by("username")
    )


def disable_dormant(*, days: int | None = None) -> list[StaffUser]:
    """Disable every dormant account (audited, actor: the system)."""
    disabled = []
    for user in dormant_accounts(days=days):
        disabled.append(
            staff_user_set_active(actor=None, user=user, active=False, reason="dormant")
        )
    return disabled


# --------------------------------------------------------------------------
# Four eyes: roles given only on a second administrator's approval
# --------------------------------------------------------------------------


def _grant_request(
    actor: StaffUser, user: StaffUser, role: str, request: Any
) -> RoleGrant:
    grant = RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PENDING).first()
    if grant is not None and grant.role == role:
        return grant
    _supersede_pending(actor, user, request)
    grant = RoleGrant.objects.create(
        user=user, role=role, previous_role=user.role, requested_by=actor
    )
    audit_record(
        actor=actor,
        action="role_grant.request",
        target_type="staff_user",
        target_id=user.pk,
        details={"grant": str(grant.pk), "old": user.role, "new": role},
        request=request,
    )
    return grant


def _supersede_pending(actor: StaffUser, user: StaffUser, request: Any) -> None:
    """A newer role decision for ``user`` withdraws a request still waiting."""
    for grant in RoleGrant.objects.filter(user=user, status=RoleGrant.Status.PENDING):
        grant.status = RoleGrant.Status.REJECTED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        _audit_account(
            actor,
            "role_grant.reject",
            user,
            request,
            grant=str(grant.pk),
            role=grant.role,
            reason="superseded",
        )


def role_grant_decide(
    *, actor: StaffUser, grant_id: Any, approve: bool, request: Any = None
) -> tuple[RoleGrant, str]:
    """Approve or reject a pending role grant.

    The decider is neither the administrator who asked nor the account's
    holder. On approval the role takes effect (sessions and tokens of the
    account end, as on any role change) and a one-time enrolment code is
    returned — the only time it exists in clear — for the approver to hand
    over out of band. Returns the grant and the code ("" on rejection).
    """
    if not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise Forbidden()
    seen = RoleGrant.objects.filter(pk=grant_id).first()
    if seen is None:
        raise NotFound()
    if actor.pk in (seen.requested_by_id, seen.user_id):
        # Refused and audited outside the write, so the refusal stays.
        audit_record(
            actor=actor,
            action="role_grant.approve" if approve else "role_grant.reject",
            target_type="staff_user",
            target_id=seen.user_id,
            outcome=Outcome.DENIED,
            details={"grant": str(seen.pk), "reason": "four_eyes"},
            request=request,
        )
        raise Conflict(
            _(
                "Another administrator must decide: not the one who asked, "
                "not the account's holder."
            ),
            code="four_eyes",
        )
    with transaction.atomic():
        grant = (
            RoleGrant.objects.select_for_update().select_related("user").get(pk=seen.pk)
        )
        if grant.status != RoleGrant.Status.PENDING:
            raise Conflict(
                _("This request has been decided already."), code="grant_decided"
            )
        now = timezone.now()
        grant.status = (
            RoleGrant.Status.APPROVED if approve else RoleGrant.Status.REJECTED
        )
        grant.decided_by = actor
        grant.decided_at = now
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        details = {"grant": str(grant.pk), "role": grant.role}
        if not approve:
            _audit_account(actor, "role_grant.reject", grant.user, request, **details)
            return grant, ""
        user = StaffUser.objects.select_for_update().get(pk=grant.user_id)
        old = user.role
        user.role = grant.role
        user.save(update_fields=["role"])
        ended = revoke_access(user)
        _audit_account(actor, "role_grant.approve", user, request, **details)
        _audit_account(
            actor,
            "auth.role_change",
            user,
            request,
            old=old,
            new=grant.role,
            requested_by=grant.requested_by_id,
            **ended,
        )
        code = enrolment_code_issue(actor, user, grant, request)
    return grant, code
