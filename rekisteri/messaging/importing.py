"""Importing real email: ``.eml`` and Outlook ``.msg`` files and mboxes, in
constant memory.

:mod:`rekisteri.messaging.mailfiles` reads a file one message at a time
(:func:`iter_raw_messages`) and reports each message too large to read by
its position.

:func:`import_messages` parses and stores each message in its own savepoint:
a broken message is reported by position and reason, and the rest go on.
Re-importing the same file adds nothing (keyed digest of Message-ID and
content, unique in the database). Participants are matched to persons by
email through the blind index; the organization is the importer's choice or
derived from the matched persons' current roles.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import PERSON, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import formats, keyring
from rekisteri.core.errors import ServiceError
from rekisteri.messaging import services
from rekisteri.messaging.choices import (
    AddressKind,
    Channel,
    Direction,
    ImportSource,
)
from rekisteri.messaging.conf import setting
from rekisteri.messaging.mailfiles import (
    RawMessage,
    iter_raw_messages,
)
from rekisteri.messaging.models import Message, Thread
from rekisteri.messaging.parsing import (
    BrokenMessage,
    ParsedMessage,
    limits,
    parse_message,
)
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.services import email_owners

CHUNK = 200  # messages per transaction: throughput without long locks
# Caches of one import (thread of a Message-ID, person of an address) keep at
# most this many entries, so memory stays flat however big the mbox is.
CACHE_LIMIT = 20_000


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


@dataclass
class ImportProblem:
    """A message that was not stored (or stored with notes), by position."""

    index: int
    offset: int
    code: str
    reason: str


@dataclass
class ImportReport:
    format: str = ""
    total: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    organizations: set[Any] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "total": self.total,
            "created": self.created,
            "duplicates": self.duplicates,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------


class _Bounded(OrderedDict):
    """A dict that forgets its oldest entries beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > self.limit:
            self.popitem(last=False)


class _Matcher:
    """Address → person id, and person → current organizations, cached for
    one import (an mbox names the same people again and again)."""

    def __init__(self) -> None:
        self.people: _Bounded = _Bounded(CACHE_LIMIT)
        self.orgs: _Bounded = _Bounded(CACHE_LIMIT)

    def person_for(self, address: str) -> Any:
        kind, normalised = services.normalise_address(address)
        if kind != AddressKind.EMAIL or not normalised:
            return None
        if normalised not in self.people:
            owners = email_owners(normalised)
            self.people[normalised] = next(iter(owners)) if len(owners) == 1 else None
        return self.people[normalised]

    def organizations_of(self, person_ids: set[Any]) -> set[Any]:
        known = {p: self.orgs[p] for p in person_ids if p in self.orgs}
        missing = [p for p in person_ids if p not in known]
        if missing:
            today = timezone.localdate()
            fetched: dict[Any, set[Any]] = {pid: set() for pid in missing}
            rows = Role.objects.not_ended(on=today).filter(person_id__in=missing)
            for pid, oid in rows.values_list("person_id", "organization_id"):
                fetched[pid].add(oid)
            for pid, orgs in fetched.items():
                self.orgs[pid] = orgs
            known.update(fetched)
        found: set[Any] = set()
        for orgs in known.values():
            found |= orgs
        return found


def _direction(parsed: ParsedMessage) -> str:
    # A domain in Unicode or in punycode is one domain (core.formats).
    own = {formats.domain_key(d) for d in setting("REKISTERI_MESSAGING_OWN_DOMAINS")}
    sender = parsed.sender
    if sender and own and formats.domain_key(sender.address.rsplit("@", 1)[-1]) in own:
        return Direction.OUTBOUND
    return Direction.INBOUND


# --------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------


def _store_one(
    *,
    actor: Any,
    raw: RawMessage,
    organization: Organization | None,
    source: str,
    matcher: _Matcher,
    report: ImportReport,
    org_cache: dict[Any, Organization],
    threads: _Bounded,
) -> None:
    try:
        parsed = parse_message(raw.data)
    except BrokenMessage as exc:
        report.errors.append(
            ImportProblem(raw.index, raw.offset, exc.code, exc.message)
        )
        return
    key = services.dedupe_key(parsed.message_id, raw.data)
    participants = []
    person_ids: set[Any] = set()
    for p in parsed.participants:
        pid = matcher.person_for(p.address)
        if pid is not None:
            person_ids.add(pid)
        participants.append(
            services.ParticipantIn(
                role=p.role,
                person=Person(pk=pid) if pid else None,
                address=p.address,
                display_name=p.display_name,
            )
        )
    owner_org, owner_person = organization, None
    if owner_org is None:
        orgs = matcher.organizations_of(person_ids)
        if len(orgs) == 1:
            oid = next(iter(orgs))
            owner_org = org_cache.get(oid) or Organization.objects.get(pk=oid)
            org_cache[oid] = owner_org
        elif len(orgs) > 1:
            report.errors.append(
                ImportProblem(
                    raw.index,
                    raw.offset,
                    "ambiguous_organization",
                    _(
                        "The participants belong to several organizations; "
                        "choose the organization and import again."
                    ),
                )
            )
            return
        elif len(person_ids) == 1:
            owner_person = Person(pk=next(iter(person_ids)))
        else:
            report.errors.append(
                ImportProblem(
                    raw.index,
                    raw.offset,
                    "no_match",
                    _(
                        "No participant is a person in the register; choose the "
                        "organization and import again."
                    ),
                )
            )
            return
    notes = raw.notes + parsed.notes
    occurred_at = parsed.date or raw.envelope_date
    if occurred_at is None:
        occurred_at = timezone.now()
        notes.append(_("The message has no readable date; the import time is used."))
    attachments, total = [], 0
    most = setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS")
    for n, a in enumerate(parsed.attachments, start=1):
        if len(attachments) == most:
            # Tens of thousands of tiny parts fit the byte limits; each kept
            # attachment is a row and a sealed file.
            notes.append(limits.more_attachments(len(parsed.attachments) - n + 1, most))
            break
        size = len(a.data)
        if size > setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"):
            notes.append(limits.attachment_too_large(n, size))
            continue
        if total + size > setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES"):
            notes.append(limits.over_message_limit(n))
            continue
        total += size
        attachments.append(services.AttachmentIn(a.filename, a.data, a.content_type))
    subject = parsed.subject[: setting("REKISTERI_MESSAGING_MAX_SUBJECT_CHARS")]
    body = parsed.body
    if len(body) > setting("REKISTERI_MESSAGING_MAX_BODY_CHARS"):
        body = body[: setting("REKISTERI_MESSAGING_MAX_BODY_CHARS")]
        notes.append(_("The text was longer than the limit and was shortened."))
    parents = [services.message_id_digest(m) for m in parsed.parent_ids]
    # A reply to a message of this import: its thread is known without a query.
    owner_id = owner_org.pk if owner_org else owner_person.pk  # type: ignore[union-attr]
    thread_id = next(
        (threads[(owner_id, d)] for d in parents if (owner_id, d) in threads), None
    )
    thread = (
        Thread(pk=thread_id, organization=owner_org, person=owner_person)
        if thread_id
        else None
    )
    try:
        with transaction.atomic():
            message = services.message_store(
                actor=actor,
                organization=owner_org,
                person=owner_person,
                channel=Channel.EMAIL,
                direction=_direction(parsed),
                occurred_at=occurred_at,
                subject=subject,
                body=body,
                participants=participants,
                attachments=attachments,
                parent_digests=parents,
                thread=thread,
                headers=parsed.headers,
                notes=notes,
                source=source,
                message_id=parsed.message_id,
                dedupe=key,
            )
    except IntegrityError:
        # The dedupe key is unique: this message was imported before.
        if Message.objects.filter(dedupe_key=key).exists():
            report.duplicates += 1
            return
        report.errors.append(
            ImportProblem(
                raw.index,
                raw.offset,
                "store_failed",
                _("The message could not be stored (%(error)s).")
                % {"error": "IntegrityError"},
            )
        )
        return
    except ServiceError as exc:
        # Refused by the enforcement point (a restricted person, the matrix):
        # reported with its code, the rest of the file goes on.
        report.errors.append(
            ImportProblem(raw.index, raw.offset, exc.code, exc.message)
        )
        return
    except keyring.KeyDestroyed:
        report.errors.append(
            ImportProblem(
                raw.index,
                raw.offset,
                "erased",
                _("The message belongs to an erased customer or person."),
            )
        )
        return
    except Exception as exc:  # noqa: BLE001 - one message never aborts the rest
        report.errors.append(
            ImportProblem(
                raw.index,
                raw.offset,
                "store_failed",
                _("The message could not be stored (%(error)s).")
                % {"error": type(exc).__name__},
            )
        )
        return
    if message.message_id_digest:
        threads[(owner_id, message.message_id_digest)] = message.thread_id
    report.created += 1
    report.organizations.add(owner_org.pk if owner_org else None)
    for note in notes:
        report.warnings.append(ImportProblem(raw.index, raw.offset, "note", note))


@write_service(subject=PERSON)
def import_messages(
    *,
    actor: Any,
    stream: IO[bytes],
    organization: Organization | None = None,
    progress: Callable[[ImportReport], None] | None = None,
    request: Any = None,
) -> ImportReport:
    """Import every message of an ``.eml``, ``.msg`` or mbox stream; see the
    module doc.

    Never raises for a bad message: each one is in ``report.errors`` with its
    index, byte offset and reason. Each committed chunk carries the run's
    audit event so far, in the same transaction.
    """
    fmt, items = iter_raw_messages(stream)
    report = ImportReport(format=fmt)
    source = {"mbox": ImportSource.MBOX, "msg": ImportSource.MSG}.get(
        fmt, ImportSource.EML
    )
    matcher = _Matcher()
    org_cache: dict[Any, Organization] = {}
    threads: _Bounded = _Bounded(CACHE_LIMIT)

    def handle(raw: RawMessage) -> None:
        report.total += 1
        if raw.error is not None:
            code, reason = raw.error
            report.errors.append(ImportProblem(raw.index, raw.offset, code, reason))
            return
        _store_one(
            actor=actor,
            raw=raw,
            organization=organization,
            source=source,
            matcher=matcher,
            report=report,
            org_cache=org_cache,
            threads=threads,
        )

    def record(chunk: int) -> None:
        audit_record(
            actor=actor,
            action="message.import",
            target_type="organization" if organization else "message_import",
            target_id=organization.pk if organization else "",
            fields=["subject", "body", "headers", "participants", "attachments"],
            categories=services.CONTENT_CATEGORIES + services.PARTICIPANT_CATEGORIES,
            purpose="customer_relationship",
            details={
                "format": fmt,
                "chunk": chunk,
                "total": report.total,
                "created": report.created,
                "duplicates": report.duplicates,
                "errors": len(report.errors),
            },
            request=request,
        )

    # One message in memory at a time; a transaction per CHUNK messages
    # (each message in its own savepoint inside it). Each transaction ends
    # with the run's audit event so far (counts are cumulative; the last
    # chunk's event is the whole run), so an interrupted import never leaves
    # stored messages without an event.
    pending = iter(items)
    finished = False
    chunk = 0
    with keyring.ensure_scope():
        while not finished:
            finished = True
            chunk += 1
            before = report.total
            with transaction.atomic():
                for n, raw in enumerate(pending, start=1):
                    handle(raw)
                    if n >= CHUNK:
                        finished = False
                        break
                if report.total > before or chunk == 1:
                    record(chunk)
            if progress is not None:
                progress(report)
    return report
