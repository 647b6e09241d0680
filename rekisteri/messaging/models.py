"""The message history of customer relationships.

How each table is keyed (docs/security.md, docs/messaging.md):

* A message, its thread, its participants' addresses and its attachments are
  sealed under ONE data key, the message's *key owner*: the organization's
  relationship key (subject id = the Organization's UUID, key class ``crm``)
  when the message belongs to an organization, otherwise the key of the one
  person it concerns. The catalogue subject ``"organization|person"`` says
  exactly that, and the field layer resolves it per row.
* Shredding the organization's key (its relationship's retention ended)
  erases the whole history at once. Erasing one participant deletes their
  participant rows and scrubs their addresses from the stored headers, so
  the other people's history stays readable (services.person_participation_erase).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedBinaryField, EncryptedTextField
from rekisteri.messaging.choices import (
    AddressKind,
    Channel,
    Direction,
    ImportSource,
    ParticipantRole,
)

# The relationship's history: kept while the relationship lasts, sealed under
# the key owner's crm key and shredded with it.
HISTORY = dict(
    purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.CUSTOMER_SERVICE),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.SHRED,
)
# Message rows: key owner is the organization, or the one person.
MESSAGE_KEY = "organization|person"
# Rows hanging off a message share the message's key owner.
VIA_MESSAGE_KEY = "message__organization|message__person"
# Facts about a row that the timeline needs in the clear; deleted with it.
HISTORY_ROW = {**HISTORY, "erasure": Erasure.DELETE}
STAFF_AUTHOR = dict(
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="audit",
    erasure=Erasure.RETAIN,
    subject="staff",
)


def _organization(related_name: str, *, db_index: bool = True) -> models.ForeignKey:
    return not_personal(
        models.ForeignKey(
            "registry.Organization",
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name=related_name,
            db_index=db_index,
        ),
        "the customer relationship whose key seals the row",
    )


def _key_person(related_name: str, *, db_index: bool = True) -> models.ForeignKey:
    return not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            null=True,
            blank=True,
            related_name=related_name,
            db_index=db_index,
        ),
        "the one person whose key seals the row when there is no organization",
    )


def _owner_constraint(name: str) -> models.CheckConstraint:
    # Exactly one key owner: an organization, or one person.
    return models.CheckConstraint(
        condition=(Q(organization__isnull=False) & Q(person__isnull=True))
        | (Q(organization__isnull=True) & Q(person__isnull=False)),
        name=name,
    )


class Thread(models.Model):
    """A conversation: messages that reply to one another."""

    id = uuid_pk()
    organization = _organization("message_threads")
    person = _key_person("message_threads")
    subject = personal(
        EncryptedTextField(_("subject"), null=True, blank=True),
        category="user.content.private",
        subject=MESSAGE_KEY,
        description="Subject of the conversation (its first message's)",
        **HISTORY,
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    last_message_at = not_personal(models.DateTimeField(default=timezone.now))
    message_count = not_personal(models.PositiveIntegerField(default=0))

    class Meta:
        constraints = [_owner_constraint("thread_one_key_owner")]

    def __str__(self) -> str:
        return str(self.subject or self.id)


class Message(models.Model):
    """One email, call, chat, ticket or meeting note of a customer relationship."""

    id = uuid_pk()
    thread = not_personal(
        models.ForeignKey(
            Thread, on_delete=models.CASCADE, related_name="messages", db_index=False
        )
    )
    # Their own indexes would repeat the leading columns of the timelines'
    # (Meta.indexes); see docs/architecture.md, Indexes.
    organization = _organization("messages", db_index=False)
    person = _key_person("keyed_messages", db_index=False)
    contract = not_personal(
        models.ForeignKey(
            "contracts.Contract",
            on_delete=models.SET_NULL,
            null=True,
            blank=True,
            related_name="messages",
            verbose_name=_("related contract"),
        ),
        "the customer's contract the message concerns",
    )
    channel = not_personal(
        models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    )
    direction = not_personal(
        models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    )
    occurred_at = not_personal(
        models.DateTimeField(_("time")), "when the message was sent or logged"
    )
    subject = personal(
        EncryptedTextField(_("subject")),
        category="user.content.private",
        subject=MESSAGE_KEY,
        **HISTORY,
    )
    body = personal(
        EncryptedTextField(_("body")),
        category="user.content.private",
        subject=MESSAGE_KEY,
        **HISTORY,
    )
    headers = personal(
        EncryptedTextField(_("headers"), null=True, blank=True),
        category="user.contact.email",
        subject=MESSAGE_KEY,
        description="Header block of an imported email (addresses, routing)",
        **HISTORY,
    )
    notes = personal(
        EncryptedTextField(_("import notes"), null=True, blank=True),
        category="user.content.private",
        subject=MESSAGE_KEY,
        description="What the import could not keep as sent (charsets, sizes)",
        **HISTORY,
    )
    author = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        category="user.account",
        description="Staff member who logged or imported the message",
        **STAFF_AUTHOR,
    )
    source = not_personal(
        models.CharField(
            _("source"),
            max_length=10,
            choices=ImportSource.choices,
            default=ImportSource.MANUAL,
        )
    )
    # Keyed HMACs (the index key), so the database alone does not reveal
    # Message-IDs (they often contain host and user names).
    message_id_digest = not_personal(
        models.CharField(max_length=64, blank=True, default="", db_index=True),
        "keyed digest of the Message-ID, for threading",
    )
    dedupe_key = not_personal(
        models.CharField(max_length=64, null=True, blank=True, unique=True),
        "keyed digest of Message-ID and content: an import adds a message once",
    )
    attachment_bytes = not_personal(models.BigIntegerField(default=0))
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [_owner_constraint("message_one_key_owner")]
        indexes = [
            models.Index(
                fields=["organization", "-occurred_at", "-id"],
                name="msg_org_timeline",
            ),
            models.Index(
                fields=["person", "-occurred_at", "-id"], name="msg_person_timeline"
            ),
            models.Index(fields=["thread", "occurred_at"], name="msg_thread_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def key_owner_id(self) -> uuid.UUID:
        return self.organization_id or self.person_id  # type: ignore[return-value]


class MessageParticipant(models.Model):
    """Who sent or received a message: the address as typed, the person if
    the address matched one in the register."""

    id = uuid_pk()
    message = not_personal(
        models.ForeignKey(
            Message, on_delete=models.CASCADE, related_name="participants"
        )
    )
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            null=True,
            blank=True,
            related_name="message_participations",
        ),
        "link to the data subject, when matched",
    )
    role = not_personal(
        models.CharField(_("role"), max_length=8, choices=ParticipantRole.choices)
    )
    kind = not_personal(models.CharField(max_length=8, choices=AddressKind.choices))
    address = personal(
        EncryptedTextField(_("address"), null=True, blank=True),
        category="user.contact.email",
        subject=VIA_MESSAGE_KEY,
        description="Email address or phone number as typed",
        **HISTORY,
    )
    display_name = personal(
        EncryptedTextField(_("name"), null=True, blank=True),
        category="user.name",
        subject=VIA_MESSAGE_KEY,
        **HISTORY,
    )
    # Keyed digest of the normalised address: finds an erased person's
    # unmatched appearances without decrypting every participant row.
    address_digest = personal(
        models.BigIntegerField(null=True, blank=True, db_index=True),
        category="user.unique_id.pseudonymous",
        subject="person",
        description="Keyed digest of the address; the row is deleted on erasure",
        **HISTORY_ROW,
    )
    position = not_personal(models.PositiveSmallIntegerField(default=0))

    class Meta:
        ordering = ["message", "position"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.address or self.display_name}"


class Attachment(models.Model):
    """A file attached to a message, stored encrypted."""

    id = uuid_pk()
    message = not_personal(
        models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    )
    filename = personal(
        EncryptedTextField(_("file name")),
        category="user.content.private",
        subject=VIA_MESSAGE_KEY,
        **HISTORY,
    )
    content_type = not_personal(
        models.CharField(_("content type"), max_length=127, default="")
    )
    size = not_personal(models.BigIntegerField(_("size")))
    content = personal(
        EncryptedBinaryField(),
        category="user.content.private",
        subject=VIA_MESSAGE_KEY,
        **HISTORY,
    )
    position = not_personal(models.PositiveSmallIntegerField(default=0))

    class Meta:
        ordering = ["message", "position"]

    def __str__(self) -> str:
        return str(self.filename)
