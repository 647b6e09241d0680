"""Erasure receipts (what an erasure did, with no personal data in it) and
rectifications with the notification of their recipients."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    random_uuid_pk,
    staff_actor_fk,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedBinaryField
from rekisteri.core.sealed_files import SealedFile


class ErasureReceipt(models.Model):
    """One executed erasure (Art. 17): when, by whom, counts per data
    family, what was kept, on which ground and until when.

    Holds no personal data of the erased person: the subject is the random
    id of a row whose values are shredded, the counts and grounds are
    catalogue names, and the request or case id is validated to be a
    reference, not free text.
    """

    id = random_uuid_pk()
    subject_id = not_personal(
        models.UUIDField(unique=True),
        "id of the erased person's row, whose values are shredded",
    )
    case_ref = not_personal(
        models.CharField(max_length=64, blank=True, default=""),
        "request or case reference, validated to contain no free text",
    )
    executed_at = not_personal(models.DateTimeField(default=timezone.now))
    executed_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        category="user.account",
        purposes=(Purpose.SECURITY,),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        retention="audit",
        erasure=Erasure.RETAIN,
        subject="staff",
    )
    counts = not_personal(
        models.JSONField(default=dict), "number of values erased per data family"
    )
    kept = not_personal(
        models.JSONField(default=list),
        "kinds of rows kept, their count, legal ground and keep-until date",
    )

    class Meta:
        ordering = ["-executed_at"]

    def __str__(self) -> str:
        return f"erasure {self.executed_at:%Y-%m-%d}"


# --------------------------------------------------------------------------
# Rectification (Art. 16) and the notification of recipients (Art. 19)
# --------------------------------------------------------------------------

# Kept to show that the request was honoured (GDPR Art. 5(2)), until the
# privacy case's retention ends; erasure keeps them (they hold field names and
# dates, no value of the person's).
RECTIFICATION_FACT = dict(
    category="user.privacy_preferences",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="privacy_case",
    erasure=Erasure.RETAIN,
)


class NoticeState(models.TextChoices):
    """Where the notification of one recipient stands (Art. 19)."""

    OPEN = "open", _("To be notified")
    NOTIFIED = "notified", _("Notified")
    # Art. 19: "unless this proves impossible or involves disproportionate
    # effort"; the privacy officer records which.
    IMPOSSIBLE = "impossible", _("Impossible or disproportionate")


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    PORTAL = "portal", _("The recipient's own system")
    PHONE = "phone", _("Phone")


class Rectification(models.Model):
    """An edit of a person's data made under a rectification request
    (Art. 16): which fields changed and which data categories they belong to
    (names, never values), the request's reference, when and by whom."""

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            related_name="rectifications",
            db_index=False,
        ),
        "link to the data subject",
    )
    case_ref = not_personal(
        models.CharField(_("request reference"), max_length=64),
        "request or case reference, validated to contain no free text",
    )
    fields = not_personal(
        models.JSONField(default=list), "names of the fields that were corrected"
    )
    categories = not_personal(
        models.JSONField(default=list),
        "catalogue categories of the corrected fields",
    )
    made_at = personal(
        models.DateTimeField(_("rectified"), default=timezone.now),
        **RECTIFICATION_FACT,
    )
    made_by = staff_actor_fk(_("rectified by"))

    class Meta:
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["person", "made_at"])]

    def __str__(self) -> str:
        return f"rectification {self.made_at:%Y-%m-%d}"


class NoticeCause(models.TextChoices):
    """What a recipient is told of (Art. 19): a rectification, an erasure or
    a restriction of processing."""

    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction of processing")


class RecipientNotice(models.Model):
    """The task of telling one recipient of the person's data about a
    rectification, an erasure or a restriction of processing (Art. 19), with
    its state. The recipient is an outside party from the privacy office's
    party register (a company, not a person)."""

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            related_name="+",
            db_index=False,
        ),
        "link to the data subject",
    )
    cause = not_personal(
        models.CharField(
            _("cause"),
            max_length=16,
            choices=NoticeCause.choices,
            default=NoticeCause.RECTIFICATION,
        ),
        "what the recipient is told of",
    )
    rectification = not_personal(
        models.ForeignKey(
            Rectification,
            on_delete=models.CASCADE,
            related_name="notices",
            null=True,
            blank=True,
        ),
        "link to the rectification, when that is the cause",
    )
    case_ref = not_personal(
        models.CharField(_("request reference"), max_length=64, blank=True),
        "request or case reference, validated to contain no free text",
    )
    recipient = not_personal(
        models.CharField(_("recipient"), max_length=200),
        "name of an outside party from the party register (an organisation)",
    )
    recipient_source = not_personal(
        models.CharField(max_length=32, default="privacy"),
        "which app's register named the recipient",
    )
    categories = not_personal(
        models.JSONField(default=list),
        "the categories concerned that this recipient received",
    )
    state = personal(
        models.CharField(
            _("state"),
            max_length=16,
            choices=NoticeState.choices,
            default=NoticeState.OPEN,
        ),
        subject="person",
        **RECTIFICATION_FACT,
    )
    channel = not_personal(
        models.CharField(
            _("channel"), max_length=16, choices=NoticeChannel.choices, blank=True
        ),
        "how the recipient was told",
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    done_at = personal(
        models.DateTimeField(_("done"), null=True, blank=True),
        subject="person",
        **RECTIFICATION_FACT,
    )
    done_by = staff_actor_fk(_("done by"))

    class Meta:
        ordering = ["created_at", "recipient"]
        indexes = [
            models.Index(fields=["state"]),
            models.Index(fields=["person", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"notice {self.recipient}"


# --------------------------------------------------------------------------
# Stored exports (Art. 15, 20): the staff member's encrypted, expiring file
# --------------------------------------------------------------------------


class StaffExport(SealedFile):
    """An access export or portability package a staff member built for a
    person: sealed under the person's CRM key, downloadable by that staff
    member only until it expires (docs/rights.md, Stored exports).

    The daily job removes expired content and keeps the row as the record;
    erasing the person shreds their key, which leaves the content unreadable
    wherever a copy of it is (a backup included).
    """

    id = random_uuid_pk()
    person = not_personal(
        models.ForeignKey(
            "registry.Person", on_delete=models.CASCADE, related_name="staff_exports"
        ),
        "link to the data subject",
    )
    fmt = not_personal(
        models.CharField(_("format"), max_length=16),
        "json, html or portability",
    )
    categories = not_personal(
        models.JSONField(default=list), "catalogue categories the export holds"
    )
    content = personal(
        EncryptedBinaryField(null=True, blank=True),
        # A copy of the person's data for the request being answered; the
        # privacy officer, who exports message content, handles it.
        category="user.content",
        purposes=(Purpose.CUSTOMER_SERVICE,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention="privacy_case",
        erasure=Erasure.SHRED,
        subject="person",
        description="A staff member's export of the person, kept until it expires",
    )
    made_by = staff_actor_fk(_("made by"), db_index=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["made_by", "created_at"])]

    def __str__(self) -> str:
        return self.filename
