"""Rights-request cases (GDPR Art. 12, 15-21; docs/requests.md).

* :class:`RequestCase` — one request: kinds, channel, receipt, deadline and
  extension, the requester's contact details, the matched persons, identity
  verification, status with reasons, handler.
* :class:`CaseAction` — what was done for one requested kind: by a
  registered action (its receipt reference) or recorded by hand.
* :class:`SentMessage` — every letter sent to the requester.
* :class:`ExportFile` — the completed export, encrypted, for one download.
* :class:`PortalDraft` — a portal submission waiting for its email code.

The requester may not be in the register, so their details are sealed under
a key of the case itself (``subject="self"``); shredding that key erases
them. Staff columns are accountability records.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    random_uuid_pk,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedBinaryField, EncryptedTextField
from rekisteri.core.sealed_files import SealedFile
from rekisteri.dsr.choices import (
    Channel,
    IdentityMethod,
    IdentityReason,
    IdentityState,
    Letter,
    Status,
)
from rekisteri.registry.choices import Language

# The requester's details and what they wrote: kept for the privacy case's
# retention (accountability for the answer), sealed under the case's key.
_REQUESTER = dict(
    purposes=(Purpose.CUSTOMER_SERVICE,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="privacy_case",
    erasure=Erasure.SHRED,
    subject="self",
)
# A portal submission not yet confirmed by its code: kept for days only.
_UNVERIFIED = dict(_REQUESTER, retention="unverified_request")
# Keyed digests of the normalised address (duplicate detection without
# plaintext): deleted with the row.
_DIGEST = dict(
    purposes=(Purpose.CUSTOMER_SERVICE,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="privacy_case",
    erasure=Erasure.DELETE,
    subject="self",
)
_STAFF_ACTOR = dict(
    category="user.account",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="audit",
    erasure=Erasure.RETAIN,
    subject="staff",
)


def _staff_fk(verbose_name: str, **kwargs: Any) -> models.ForeignKey:
    return personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=verbose_name,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
            **kwargs,
        ),
        **_STAFF_ACTOR,
    )


def _sealed(verbose_name: str, category: str, **kw: Any) -> EncryptedTextField:
    return personal(
        EncryptedTextField(verbose_name, null=True, blank=True),
        category=category,
        **(kw or _REQUESTER),
    )


def _when(verbose_name: str, reason: str = "") -> models.DateTimeField:
    return not_personal(
        models.DateTimeField(verbose_name, null=True, blank=True), reason
    )


class RequestCase(models.Model):
    """One data-subject rights request and its handling."""

    id = uuid_pk()
    reference = not_personal(
        models.CharField(_("reference"), max_length=12, unique=True),
        "random case reference quoted in letters",
    )
    kinds = not_personal(
        models.JSONField(_("kinds"), default=list), "rights requested (Kind values)"
    )
    channel = not_personal(
        models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    )
    language = not_personal(
        models.CharField(
            _("language"), max_length=2, choices=Language.choices, default="fi"
        ),
        "language of the letters",
    )
    received_at = not_personal(models.DateTimeField(_("received")))
    deadline = not_personal(
        models.DateField(_("deadline")), "Art. 12(3) deadline from the receipt"
    )
    extended_until = not_personal(
        models.DateField(_("extended until"), null=True, blank=True)
    )
    extension_months = not_personal(
        models.PositiveSmallIntegerField(_("extension (months)"), default=0)
    )
    extension_reason = _sealed(_("reason for the extension"), "user.content")
    extension_notified_at = _when(
        _("requester informed of the extension"), "when the notice was sent"
    )
    status = not_personal(
        models.CharField(
            _("status"),
            max_length=20,
            choices=Status.choices,
            default=Status.RECEIVED,
            db_index=True,
        )
    )
    status_reason = _sealed(_("reasons"), "user.content")
    closed_at = _when(_("closed"))
    expired_at = _when(
        _("details erased"),
        "when the privacy_case period ended and the case's details were erased",
    )
    requester_name = _sealed(_("requester's name"), "user.name")
    requester_email = _sealed(_("requester's email"), "user.contact.email")
    requester_phone = _sealed(_("requester's phone"), "user.contact.phone_number")
    requester_address = _sealed(_("requester's postal address"), "user.contact.address")
    email_digest = personal(
        models.BigIntegerField(null=True, blank=True, db_index=True),
        category="user.contact.email",
        description="Keyed digest of the normalised email (duplicate detection)",
        **_DIGEST,
    )
    phone_digest = personal(
        models.BigIntegerField(null=True, blank=True, db_index=True),
        category="user.contact.phone_number",
        description="Keyed digest of the E.164 phone (duplicate detection)",
        **_DIGEST,
    )
    details = _sealed(_("details"), "user.content")
    persons = not_personal(
        models.ManyToManyField(
            "registry.Person", related_name="rights_requests", blank=True
        ),
        "links to the data subjects the request is about",
    )
    handler = _staff_fk(_("handler"))
    identity_state = not_personal(
        models.CharField(
            max_length=12,
            choices=IdentityState.choices,
            default=IdentityState.UNVERIFIED,
        )
    )
    identity_reason = not_personal(
        models.CharField(
            max_length=24, choices=IdentityReason.choices, blank=True, default=""
        ),
        "why the case waits for identity (a code, shown to staff)",
    )
    identity_method = not_personal(
        models.CharField(
            max_length=12, choices=IdentityMethod.choices, blank=True, default=""
        )
    )
    identity_requested_at = _when(
        _("identity requested"), "start of the pause waiting for the requester"
    )
    identity_confirmed_at = _when(_("identity confirmed"), "end of the pause")
    identity_checked_by = _staff_fk(_("identity checked by"))
    identity_check_note = _sealed(_("how identity was checked"), "user.content")
    created_by = _staff_fk(_("recorded by"))
    created_at = not_personal(models.DateTimeField(auto_now_add=True))
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        ordering = ["deadline", "received_at"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def due(self):
        """The deadline in force: the extended one when extended."""
        return self.extended_until or self.deadline

    @property
    def is_open(self) -> bool:
        return self.status in (
            Status.RECEIVED,
            Status.AWAITING_IDENTITY,
            Status.IN_PROGRESS,
        )


class CaseAction(models.Model):
    """What was done for one requested kind of a case."""

    id = uuid_pk()
    case = not_personal(
        models.ForeignKey(
            RequestCase,
            on_delete=models.CASCADE,
            related_name="actions",
            db_index=False,
        )
    )
    kind = not_personal(models.CharField(max_length=16))
    manual = not_personal(
        models.BooleanField(default=False),
        "recorded by hand (no registered action for the kind)",
    )
    reference = not_personal(
        models.CharField(max_length=200, blank=True),
        "receipt reference returned by the action (an id, never data)",
    )
    note = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.content",
        description="What staff did, for kinds done by hand",
        **dict(_REQUESTER, subject="case"),
    )
    done_by = _staff_fk(_("done by"))
    done_at = not_personal(models.DateTimeField())

    class Meta:
        ordering = ["done_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="dsr_action_once")
        ]

    def __str__(self) -> str:
        return self.kind


class SentMessage(models.Model):
    """A letter sent to the requester, as sent."""

    id = uuid_pk()
    case = not_personal(
        models.ForeignKey(
            RequestCase, on_delete=models.CASCADE, related_name="messages"
        )
    )
    letter = not_personal(models.CharField(max_length=20, choices=Letter.choices))
    language = not_personal(models.CharField(max_length=2))
    recipient = personal(
        EncryptedTextField(),
        category="user.contact.email",
        **dict(_REQUESTER, subject="case"),
    )
    subject = not_personal(
        models.CharField(max_length=200), "letter title from the templates"
    )
    body = personal(
        EncryptedTextField(),
        category="user.content",
        **dict(_REQUESTER, subject="case"),
    )
    sent_by = _staff_fk(_("sent by"))
    sent_at = not_personal(models.DateTimeField())
    by_post = not_personal(
        models.BooleanField(_("by post"), default=False),
        "to the requester's postal address: printed and posted by staff "
        "(no email address was given)",
    )

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return self.letter


class ExportFile(SealedFile):
    """The export of a completed case, downloadable once through a link.

    The content is sealed under the case's key and removed after the one
    download or when the link expires; the row stays as the record (the
    columns and the purge are ``core.sealed_files``'s, shared with the
    staff's stored exports).
    """

    def __str__(self) -> str:
        return self.filename

    id = random_uuid_pk()
    case = not_personal(
        models.ForeignKey(RequestCase, on_delete=models.CASCADE, related_name="exports")
    )
    token_hash = not_personal(
        models.CharField(max_length=64, unique=True, null=True, blank=True),
        "keyed hash of the link token (set when the case completes)",
    )
    code_hash = not_personal(
        models.CharField(max_length=64), "keyed hash of the download code"
    )
    attempts = not_personal(models.PositiveSmallIntegerField(default=0))
    content = personal(
        EncryptedBinaryField(null=True, blank=True),
        # A copy of the person's data for the requester: the privacy
        # officer, who exports and erases message content, handles it.
        category="user.content",
        description="The data subject's export, kept until downloaded or expired",
        **dict(_REQUESTER, subject="case"),
    )
    downloaded_at = _when(_("downloaded"))
    # Handed to staff to deliver by post or in person (a requester without
    # email, or one who asked for paper); never linked then.
    handed_over_at = _when(_("handed over"))
    handed_over_by = _staff_fk(_("handed over by"))


class IdentityCode(models.Model):
    """A one-time code sent to an address on file for a matched person."""

    def __str__(self) -> str:
        return str(self.pk)

    id = random_uuid_pk()
    case = not_personal(
        models.ForeignKey(
            RequestCase, on_delete=models.CASCADE, related_name="identity_codes"
        )
    )
    person = not_personal(
        models.ForeignKey(
            "registry.Person", on_delete=models.CASCADE, related_name="+"
        ),
        "link to the data subject the address belongs to",
    )
    code_hash = not_personal(models.CharField(max_length=64))
    attempts = not_personal(models.PositiveSmallIntegerField(default=0))
    expires_at = not_personal(models.DateTimeField())
    used_at = _when(_("used"))
    created_at = not_personal(models.DateTimeField(auto_now_add=True))


class PortalDraft(models.Model):
    """A request from the portal until its email code is entered."""

    def __str__(self) -> str:
        return str(self.pk)

    id = random_uuid_pk()
    kinds = not_personal(models.JSONField(default=list))
    language = not_personal(models.CharField(max_length=2))
    email = personal(EncryptedTextField(), category="user.contact.email", **_UNVERIFIED)
    details = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.content",
        **_UNVERIFIED,
    )
    email_digest = personal(
        models.BigIntegerField(db_index=True),
        category="user.contact.email",
        **dict(_DIGEST, retention="unverified_request"),
    )
    code_hash = not_personal(models.CharField(max_length=64))
    attempts = not_personal(models.PositiveSmallIntegerField(default=0))
    expires_at = not_personal(models.DateTimeField())
    created_at = not_personal(models.DateTimeField(auto_now_add=True))
