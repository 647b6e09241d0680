"""Staff accounts and personal API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rekisteri.accounts import credentials
from rekisteri.accounts.choices import StaffRole, TokenScope
from rekisteri.core.catalogue import (
    NOT_PERSONAL,
    Erasure,
    LegalBasis,
    PersonalData,
    Purpose,
    not_personal,
    personal,
    random_uuid_pk,
    uuid_pk,
)

_STAFF = dict(
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="staff_account",
    erasure=Erasure.DELETE,
    subject="staff",
)


_STAFF_ROLE_LABELS = dict(StaffRole.choices)


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

    def get_role_display(self) -> str:
        # As Django's, which rebuilds the field's choices on every call:
        # every page's header names the signed-in account's role.
        return str(_STAFF_ROLE_LABELS.get(self.role, self.role))


class ApiToken(models.Model):
    """A personal API token for integrations.

    Only a SHA-256 hash of the secret is stored; the token is shown once. The
    public prefix finds the row, the hash is compared in constant time.
    """

    id = random_uuid_pk()
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


class LoginThrottle(models.Model):
    """Failed log-ins counted per account name and per client address.

    ``key`` is ``pair:<HMAC of the lower-cased user name and the client
    address>`` (a name is throttled per address, with growing delays) or
    ``address:<client address>``. The user name tried is never stored: a
    mistyped name is often someone's password, and hashing every name alike
    — existing or not — makes an unknown name lock exactly like a real one,
    so a lockout tells nothing about which accounts exist.
    """

    key = not_personal(models.CharField(max_length=80, unique=True))
    client = personal(
        models.CharField(max_length=64, blank=True),
        category="user.device.ip_address",
        **_STAFF,
    )
    # For ``pair:`` rows (one name from one address): the account's key, so
    # an administrator can see and lift every hold on an account.
    account = not_personal(
        models.CharField(max_length=80, blank=True, db_index=True),
        "HMAC of the user name tried",
    )
    failures = not_personal(models.PositiveIntegerField(default=0))
    window_started_at = not_personal(models.DateTimeField(default=timezone.now))
    locked_until = not_personal(models.DateTimeField(null=True, blank=True))
    refusal_audited_at = not_personal(models.DateTimeField(null=True, blank=True))

    class Meta:
        ordering = ["-window_started_at"]

    def __str__(self) -> str:
        return self.key

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now


class TrainingRecord(models.Model):
    """A completed privacy training, recorded by an administrator."""

    id = uuid_pk()
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="trainings",
        ),
        category="user.account",
        **_STAFF,
    )
    completed_on = personal(
        models.DateField(_("completed on")), category="user.workplace", **_STAFF
    )
    course = not_personal(models.CharField(_("course"), max_length=200, blank=True))
    recorded_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.SET_NULL,
            null=True,
            related_name="+",
        ),
        category="user.account",
        **_STAFF,
    )
    recorded_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["-completed_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.completed_on:%Y-%m-%d}"


class ConfidentialityAttestation(models.Model):
    """A staff member's signed confidentiality undertaking, per text version."""

    id = uuid_pk()
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="attestations",
            db_index=False,
        ),
        category="user.account",
        **_STAFF,
    )
    text_version = not_personal(models.CharField(_("text version"), max_length=20))
    signed_at = personal(
        models.DateTimeField(_("signed at"), default=timezone.now),
        category="user.workplace",
        **_STAFF,
    )

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "text_version"], name="attestation_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.text_version} {self.signed_at:%Y-%m-%d}"


class AccessReview(models.Model):
    """One reviewer's decision on one account in an access review."""

    class Decision(models.TextChoices):
        RECERTIFY = "recertify", _("Recertified")
        REVOKE = "revoke", _("Revoked")

    id = uuid_pk()
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="access_reviews",
        ),
        category="user.account",
        **_STAFF,
    )
    role = not_personal(models.CharField(_("role"), max_length=32))
    decision = not_personal(
        models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    )
    reviewer = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.SET_NULL,
            null=True,
            related_name="+",
        ),
        category="user.account",
        **_STAFF,
    )
    reviewed_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.decision} {self.reviewed_at:%Y-%m-%d}"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device with its shared secret sealed at rest.

    The ``key`` column holds the sealed form (``rekisteri.accounts.credentials``);
    ``bin_key``, which django-otp uses for codes and the QR URI, opens it.
    """

    class Meta:
        proxy = True

    @property
    def bin_key(self) -> bytes:
        return credentials.open_totp_key(self.key, self.user_id)

    def save(self, *args, **kwargs) -> None:
        if not credentials.is_sealed(self.key):
            self.key = credentials.seal_totp_key(self.key, self.user_id)
        super().save(*args, **kwargs)


class HashedStaticDevice(StaticDevice):
    """Recovery codes stored as keyed digests, never as typed."""

    class Meta:
        proxy = True

    def add_code(self, code: str) -> None:
        StaticToken.objects.create(device=self, token=credentials.recovery_digest(code))

    def verify_token(self, token: str) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        match = self.token_set.filter(
            token=credentials.recovery_digest(str(token))
        ).first()
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RoleGrant(models.Model):
    """A request to give an account a role that needs a second person's
    approval (four eyes: ``services.FOUR_EYES_ROLES``).

    The role takes effect only when another administrator — not the one who
    asked, not the account's holder — approves it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = uuid_pk()
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="role_grants",
        ),
        category="user.account",
        **_STAFF,
    )
    role = not_personal(
        models.CharField(_("role"), max_length=32, choices=StaffRole.choices)
    )
    previous_role = not_personal(models.CharField(max_length=32, blank=True))
    status = not_personal(
        models.CharField(
            _("status"),
            max_length=10,
            choices=Status.choices,
            default=Status.PENDING,
        )
    )
    requested_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.SET_NULL,
            null=True,
            related_name="+",
        ),
        category="user.account",
        **_STAFF,
    )
    requested_at = not_personal(models.DateTimeField(default=timezone.now))
    decided_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.SET_NULL,
            null=True,
            blank=True,
            related_name="+",
        ),
        category="user.account",
        **_STAFF,
    )
    decided_at = not_personal(models.DateTimeField(null=True, blank=True))

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_role_grant_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} ({self.status})"


class EnrolmentCode(models.Model):
    """A one-time code that lets an account in a four-eyes role set up its
    authenticator. Shown once to the approving administrator, who hands it
    over out of band; stored only as a keyed digest; expires; used once."""

    id = random_uuid_pk()
    user = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.CASCADE,
            related_name="enrolment_codes",
        ),
        category="user.account",
        **_STAFF,
    )
    digest = personal(
        models.CharField(max_length=64),
        category="user.authorization.credentials",
        **_STAFF,
    )
    grant = not_personal(
        models.ForeignKey(
            RoleGrant,
            on_delete=models.SET_NULL,
            null=True,
            blank=True,
            related_name="+",
        )
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    expires_at = not_personal(models.DateTimeField())
    used_at = not_personal(models.DateTimeField(null=True, blank=True))

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d}"
