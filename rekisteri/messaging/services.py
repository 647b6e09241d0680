"""Writes to the message history.

Every function is keyword-only, takes the acting staff user (or None for the
demo seeder), validates everything first and writes in one transaction, then
records an audit event naming fields and categories, never values. The email
import (rekisteri.messaging.importing) stores through :func:`message_store`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.choices import Action
from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import formats, ids, keyring
from rekisteri.core.crypto import blind
from rekisteri.core.errors import FieldErrors, NotFound
from rekisteri.messaging import extensions
from rekisteri.messaging.choices import (
    AddressKind,
    Channel,
    Direction,
    ImportSource,
    ParticipantRole,
)
from rekisteri.messaging.conf import setting
from rekisteri.messaging.models import Attachment, Message, MessageParticipant, Thread
from rekisteri.registry.models import Organization, Person

CONTENT_CATEGORIES = ["user.content.private"]
PARTICIPANT_CATEGORIES = ["user.contact.email", "user.name"]
ERASED = "[erased]"
# How far in the future a logged time may be (clock skew between machines).
FUTURE_SKEW = dt.timedelta(minutes=5)


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass
class ParticipantIn:
    """One participant: a person in the register, an address, or both."""

    role: str = ParticipantRole.TO
    person: Person | None = None
    address: str = ""
    display_name: str = ""
    kind: str = ""


@dataclass
class AttachmentIn:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class StoreResult:
    message: Message
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Digests
# --------------------------------------------------------------------------


def _hmac_hex(label: str, text: str) -> str:
    key = blind.field_key(keyring.provider().index_key(), label)
    return hmac.new(key, text.encode("utf-8", "replace"), "sha256").hexdigest()


def message_id_digest(message_id: str) -> str:
    """Keyed digest of a Message-ID (threading); empty for no id."""
    message_id = (message_id or "").strip().strip("<>").strip()
    return _hmac_hex("messaging.Message.message_id", message_id) if message_id else ""


def dedupe_key(message_id: str, raw: bytes) -> str:
    """Keyed digest of Message-ID plus the message's bytes: the same message
    imported twice gets the same key, a different one (even one reusing a
    Message-ID) does not."""
    content = hashlib.sha256(raw).hexdigest()
    return _hmac_hex("messaging.Message.dedupe", f"{message_id.strip()}\n{content}")


def normalise_address(address: str) -> tuple[str, str]:
    """(kind, normalised) of an address as typed: email, phone or a name."""
    text = (address or "").strip()
    if "@" in text:
        # An odd address is kept in its lower case (core.formats.email_key).
        return AddressKind.EMAIL, formats.email_key(text)
    if text and re.fullmatch(r"[+()0-9\s.-]{5,}", text):
        try:
            return AddressKind.PHONE, formats.normalise_phone(text)
        except Exception:  # noqa: BLE001
            return AddressKind.PHONE, re.sub(r"\s", "", text)
    return AddressKind.NAME, text


def address_digest(normalised: str) -> int | None:
    """Keyed 62-bit digest of a normalised address (fits a signed bigint)."""
    if not normalised:
        return None
    fkey = blind.field_key(
        keyring.provider().index_key(), "messaging.MessageParticipant.address"
    )
    return blind.digest(fkey, normalised, 62)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _clean(
    *,
    errors: FieldErrors,
    organization: Organization | None,
    person: Person | None,
    channel: str,
    direction: str,
    occurred_at: dt.datetime | None,
    subject: str,
    body: str,
    thread: Thread | None,
    attachments: Sequence[AttachmentIn],
    require_subject: bool,
    contract: Any = None,
) -> None:
    if (organization is None) == (person is None):
        errors.add(
            "organization",
            "key_owner",
            _("A message belongs to an organization, or to one person."),
        )
    if channel not in Channel.values:
        errors.add("channel", "invalid", _("Choose a channel."))
    if direction not in Direction.values:
        errors.add("direction", "invalid", _("Choose a direction."))
    if occurred_at is None:
        errors.add("occurred_at", "required", _("Enter the time."))
    elif timezone.is_naive(occurred_at):
        errors.add("occurred_at", "invalid", _("The time needs a time zone."))
    elif occurred_at > timezone.now() + FUTURE_SKEW:
        errors.add("occurred_at", "future", _("The time cannot be in the future."))
    if require_subject and not (subject or "").strip():
        errors.add("subject", "required", _("Enter a subject."))
    if len(subject or "") > setting("REKISTERI_MESSAGING_MAX_SUBJECT_CHARS"):
        errors.add("subject", "too_long", _("The subject is too long."))
    if len(body or "") > setting("REKISTERI_MESSAGING_MAX_BODY_CHARS"):
        errors.add("body", "too_long", _("The text is too long."))
    if thread is not None and (
        thread.organization_id != getattr(organization, "pk", None)
        or thread.person_id != getattr(person, "pk", None)
    ):
        errors.add(
            "thread",
            "other_owner",
            _("The conversation belongs to another customer."),
        )
    if contract is not None and (
        organization is None or contract.organization_id != organization.pk
    ):
        errors.add(
            "contract",
            "other_customer",
            _("The contract is not this organization's."),
        )
    if len(attachments) > setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS"):
        errors.add(
            "attachments",
            "too_many_attachments",
            _("A message has at most %(most)s attachments.")
            % {"most": setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS")},
        )
    total = 0
    for a in attachments:
        size = len(a.content)
        total += size
        if size > setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"):
            errors.add(
                "attachments",
                "attachment_too_large",
                _("An attachment is larger than %(limit)s.")
                % {"limit": _size(setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"))},
            )
        if not (a.filename or "").strip():
            errors.add("attachments", "filename", _("An attachment has no name."))
    if total > setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES"):
        errors.add(
            "attachments",
            "attachments_too_large",
            _("The attachments together are larger than %(limit)s.")
            % {
                "limit": _size(
                    setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES")
                )
            },
        )


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} B"


# --------------------------------------------------------------------------
# Storing
# --------------------------------------------------------------------------


def _thread_for(
    *,
    organization: Organization | None,
    person: Person | None,
    subject: str,
    occurred_at: dt.datetime,
    thread: Thread | None,
    parent_digests: Iterable[str] = (),
) -> Thread:
    if thread is None:
        parents = [d for d in parent_digests if d]
        if parents:
            owner = Q(organization=organization) if organization else Q(person=person)
            found = (
                Message.objects.filter(owner, message_id_digest__in=parents)
                .order_by("occurred_at")
                .values_list("thread_id", flat=True)
                .first()
            )
            if found:
                # Only the id is needed: no need to load (and decrypt) it.
                thread = Thread(pk=found, organization=organization, person=person)
    if thread is None:
        thread = Thread(
            organization=organization,
            person=person,
            subject=subject,
            created_at=occurred_at,
            last_message_at=occurred_at,
            message_count=1,
        )
        thread.save(force_insert=True)
        return thread
    Thread.objects.filter(pk=thread.pk).update(
        message_count=F("message_count") + 1,
        last_message_at=Greatest(F("last_message_at"), Value(occurred_at)),
    )
    return thread


@write_service(subject=PERSON)
def message_store(
    *,
    actor: Any,
    organization: Organization | None,
    person: Person | None,
    channel: str,
    direction: str,
    occurred_at: dt.datetime,
    subject: str,
    body: str,
    participants: Sequence[ParticipantIn] = (),
    attachments: Sequence[AttachmentIn] = (),
    thread: Thread | None = None,
    parent_digests: Iterable[str] = (),
    headers: str | None = None,
    notes: Sequence[str] = (),
    source: str = ImportSource.MANUAL,
    message_id: str = "",
    dedupe: str | None = None,
    contract: Any = None,
) -> Message:
    """Write one validated message with its rows (no audit; callers audit).

    Must run inside a transaction. The message, thread, participant and
    attachment rows are all sealed under the same key owner. The enforcement
    point runs first, for the owner and every participant given as a person,
    so manual logging and imports are refused alike. An outgoing message
    is announced to the listeners of ``extensions`` with its recipients, in
    the same transaction.
    """
    authorize_write(
        actor=actor,
        person_id=person.pk if person is not None else None,
        person_ids=[p.person.pk for p in participants if p.person is not None],
        families=CONTENT_CATEGORIES + PARTICIPANT_CATEGORIES,
        operation="message.create",
    )
    thread = _thread_for(
        organization=organization,
        person=person,
        subject=subject,
        occurred_at=occurred_at,
        thread=thread,
        parent_digests=parent_digests,
    )
    message = Message(
        id=ids.time_ordered_id(),
        thread=thread,
        organization=organization,
        person=person,
        contract=contract,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject or "",
        body=body or "",
        headers=headers,
        notes="\n".join(notes) if notes else None,
        author=actor if getattr(actor, "pk", None) else None,
        source=source,
        message_id_digest=message_id_digest(message_id),
        dedupe_key=dedupe,
        attachment_bytes=sum(len(a.content) for a in attachments),
    )
    message.save(force_insert=True)
    rows = []
    for n, p in enumerate(participants):
        kind, normalised = normalise_address(p.address)
        rows.append(
            MessageParticipant(
                message=message,
                person=p.person,
                role=p.role,
                kind=p.kind or kind,
                address=p.address.strip() or None,
                display_name=(p.display_name or "").strip() or None,
                address_digest=address_digest(normalised)
                if kind != AddressKind.NAME
                else None,
                position=n,
            )
        )
    MessageParticipant.objects.bulk_create(rows)
    Attachment.objects.bulk_create(
        [
            Attachment(
                message=message,
                filename=a.filename.strip()[:255],
                content_type=(a.content_type or "application/octet-stream")[:127],
                size=len(a.content),
                content=bytes(a.content),
                position=n,
            )
            for n, a in enumerate(attachments)
        ]
    )
    if direction == Direction.OUTBOUND:
        extensions.outbound_stored(message, _recipients(person, participants))
    return message


def _recipients(
    person: Person | None, participants: Sequence[ParticipantIn]
) -> list[Any]:
    """The persons in the register an outgoing message went to: its
    participants other than a sender, and the person it is keyed to."""
    senders = {
        p.person.pk
        for p in participants
        if p.person is not None and p.role == ParticipantRole.FROM
    }
    ids = [
        p.person.pk
        for p in participants
        if p.person is not None and p.role != ParticipantRole.FROM
    ]
    if person is not None and person.pk not in senders:
        ids.append(person.pk)
    return ids


@write_service(subject=PERSON)
def message_create(
    *,
    actor: Any,
    organization: Organization | None = None,
    person: Person | None = None,
    channel: str,
    direction: str,
    occurred_at: dt.datetime | None,
    subject: str,
    body: str = "",
    participants: Sequence[ParticipantIn] = (),
    attachments: Sequence[AttachmentIn] = (),
    thread: Thread | None = None,
    contract: Any = None,
    source: str = ImportSource.MANUAL,
    request: Any = None,
) -> Message:
    """Log a message by hand: a call, a meeting note, a chat, a ticket, an email.

    ``organization`` or ``person`` (not both) owns the message and its key.
    A participant given as a person is stored with that person's link; the
    address shown is what was typed, or the person's name. ``contract``, if
    given, must be one of the organization's.
    """
    errors = FieldErrors()
    _clean(
        errors=errors,
        organization=organization,
        person=person,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject,
        body=body,
        thread=thread,
        attachments=attachments,
        require_subject=True,
        contract=contract,
    )
    for p in participants:
        if p.role not in ParticipantRole.values:
            errors.add("participants", "role", _("Unknown participant role."))
        if p.person is None and not (p.address or p.display_name or "").strip():
            errors.add("participants", "empty", _("A participant has no address."))
    errors.raise_if_any()
    assert occurred_at is not None
    with keyring.ensure_scope(), transaction.atomic():
        message = message_store(
            actor=actor,
            organization=organization,
            person=person,
            channel=channel,
            direction=direction,
            occurred_at=occurred_at,
            subject=subject.strip(),
            body=body,
            participants=participants,
            attachments=attachments,
            thread=thread,
            source=source,
            contract=contract,
        )
        audit_record(
            actor=actor,
            action="message.create",
            target_type="message",
            target_id=message.pk,
            subject_id=person.pk if person else None,
            fields=["subject", "body", "participants", "attachments"],
            categories=CONTENT_CATEGORIES,
            purpose="customer_relationship",
            details={
                "channel": channel,
                "participants": len(participants),
                "attachments": len(attachments),
            },
            request=request,
        )
    return message


@write_service(subject=PERSON)
def message_delete(*, actor: Any, message: Message, request: Any = None) -> None:
    """Delete a message logged or imported by mistake, with its rows.

    A thread left without messages goes too.
    """
    if message.pk is None or not Message.objects.filter(pk=message.pk).exists():
        raise NotFound()
    authorize_write(
        actor=actor,
        person_id=message.person_id,
        person_ids=message.participants.exclude(person=None).values_list(
            "person_id", flat=True
        ),
        families=CONTENT_CATEGORIES + PARTICIPANT_CATEGORIES,
        operation="message.delete",
    )
    with transaction.atomic():
        thread_id = message.thread_id
        message_pk = message.pk
        message.delete()
        remaining = Message.objects.filter(thread_id=thread_id)
        if not remaining.exists():
            Thread.objects.filter(pk=thread_id).delete()
        else:
            Thread.objects.filter(pk=thread_id).update(message_count=remaining.count())
        audit_record(
            actor=actor,
            action="message.delete",
            target_type="message",
            target_id=message_pk,
            subject_id=message.person_id,
            fields=["subject", "body", "participants", "attachments"],
            categories=CONTENT_CATEGORIES,
            purpose="customer_relationship",
            request=request,
        )


# --------------------------------------------------------------------------
# Erasure of one participant
# --------------------------------------------------------------------------


def scrub_text(text: str, needles: Iterable[str]) -> str:
    """``text`` with every needle (longest first, any case) replaced by ERASED.

    An email address whose domain is not ASCII is also scrubbed with its
    domain in punycode, as mail headers carry it (the register keeps the
    Unicode form, core.formats.normalise_email)."""
    wanted = {n for n in needles if n and len(n) > 1}
    wanted |= {formats.ascii_email(n) for n in wanted if "@" in n and not n.isascii()}
    for needle in sorted(wanted, key=len)[::-1]:
        text = re.sub(re.escape(needle), ERASED, text, flags=re.IGNORECASE)
    return text


def person_participant_rows(
    person: Person,
) -> tuple[set[str], list[MessageParticipant]]:
    """The person's readable addresses and every participant row that is
    theirs: matched to them, or unmatched with one of their addresses."""
    addresses = {e.email for e in person.emails.all() if e.email} | {
        p.number for p in person.phones.all() if p.number
    }
    addresses = {a for a in addresses if not str(a).startswith("[")}
    normalised = {normalise_address(a)[1] for a in addresses}
    digests = {d for d in (address_digest(n) for n in normalised) if d}
    rows = list(
        MessageParticipant.objects.filter(
            Q(person=person) | Q(address_digest__in=digests)
        ).select_related("message")
    )
    # Digests are truncated: an unmatched row counts only if its address
    # really is one of the person's.
    rows = [
        r
        for r in rows
        if r.person_id == person.pk
        or normalise_address(r.address or "")[1] in normalised
    ]
    return addresses, rows


@write_service(subject=PERSON)
def person_participation_erase(*, actor: Any, person: Person) -> dict[str, int]:
    """Remove an erased person's identifiers and participation from messages.

    Called by the registry's erasure (person_shred) BEFORE the person's key is
    shredded, while their addresses can still be read. Messages keyed to the
    person alone are deleted; in messages of an organization, their
    participant rows (matched, or unmatched with one of their addresses) are
    deleted and their addresses and names are replaced in the stored headers.
    Everyone else's history stays readable.
    """
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=CONTENT_CATEGORIES + PARTICIPANT_CATEGORIES,
        action=Action.ERASE,
        operation="person.shred",
    )
    with keyring.ensure_scope(), transaction.atomic():
        addresses, rows = person_participant_rows(person)
        names = {str(r.display_name) for r in rows if r.display_name}
        full_name = person.full_name
        if full_name and not full_name.startswith("["):
            names.add(full_name)
        scrubbed = 0
        for message in {r.message_id: r.message for r in rows}.values():
            if message.headers and not str(message.headers).startswith("["):
                new = scrub_text(str(message.headers), addresses | names)
                if new != message.headers:
                    message.headers = new
                    message.save(update_fields=["headers"])
                    scrubbed += 1
        MessageParticipant.objects.filter(pk__in=[r.pk for r in rows]).delete()
        own = Message.objects.filter(person=person)
        own_count = own.count()
        own.delete()
        Thread.objects.filter(person=person).delete()
        counts = {
            "participations": len(rows),
            "headers_scrubbed": scrubbed,
            "messages_deleted": own_count,
        }
        if not any(counts.values()):
            return counts  # nothing written, nothing to record
        audit_record(
            actor=actor,
            action="message.participation_erase",
            target_type="person",
            target_id=person.pk,
            subject_id=person.pk,
            fields=["participants", "headers"],
            categories=PARTICIPANT_CATEGORIES + CONTENT_CATEGORIES,
            purpose="customer_relationship",
            details=counts,
        )
    return counts
