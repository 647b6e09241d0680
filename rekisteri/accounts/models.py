"""Staff accounts and personal API tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.accounts.choices import StaffRole, TokenScope
from rekisteri.core.catalogue import (
    NOT_PERSONAL,
    Erasure,
    LegalBasis,
    PersonalData,
    Purpose,
    not_personal,
    personal,
)

_STAFF = dict(
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="staff_account",
    erasure=Erasure.DELETE,
    subject="staff",
)


class StaffUser(AbstractUser):
    """A personal staff account. Shared accounts are not supported by design."""

    role = not_personal(
        models.CharField(_("role"), max_length=32, choices=StaffRole.choices)
    )

    # Fields inherited from AbstractUser, classified here.
    catalogue = {
        "password": PersonalData(category="user.authorization.password", **_STAFF),
        "last_login": PersonalData(category="user.behavior", **_STAFF),
        "is_superuser": NOT_PERSONAL,
        "username": PersonalData(category="user.account.username", **_STAFF),
        "first_name": PersonalData(category="user.name.first", **_STAFF),
        "last_name": PersonalData(category="user.name.last", **_STAFF),
        "email": PersonalData(category="user.contact.email", **_STAFF),
        "is_staff": NOT_PERSONAL,
        "is_active": NOT_PERSONAL,
        "date_joined": PersonalData(category="user.account", **_STAFF),
        "groups": NOT_PERSONAL,
        "user_permissions": NOT_PERSONAL,
    }

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal API token for integrations.

    Only a SHA-256 hash of the secret is stored; the token is shown once. The
    public prefix finds the row, the hash is compared in constant time.
    """

    id = not_personal(
        models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    )
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="api_tokens",
        ),
        category="user.account",
        **_STAFF,
    )
    name = not_personal(models.CharField(_("name"), max_length=100))
    prefix = not_personal(models.CharField(max_length=12, unique=True))
    secret_hash = personal(
        models.CharField(max_length=64),
        category="user.authorization.credentials",
        **_STAFF,
    )
    scope = not_personal(
        models.CharField(
            max_length=8, choices=TokenScope.choices, default=TokenScope.READ
        )
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    expires_at = not_personal(models.DateTimeField())
    revoked_at = not_personal(models.DateTimeField(null=True, blank=True))
    last_used_at = personal(
        models.DateTimeField(null=True, blank=True), category="user.behavior", **_STAFF
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
