"""Writes for staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.accounts.choices import StaffRole, TokenScope
from rekisteri.accounts.models import ApiToken, StaffUser
from rekisteri.core.errors import FieldErrors, NotFound

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
    user.set_password(password)
    user.save()
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
    days = days or settings.REKISTERI["API_TOKEN_DEFAULT_DAYS"]
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
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Return the usable token for a presented bearer value, else None."""
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
        return None
    if not hmac.compare_digest(_hash_secret(secret), token.secret_hash):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
