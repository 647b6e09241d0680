"""Importing real email: ``.eml`` and Outlook ``.msg`` files and mboxes, in
constant memory.

:func:`iter_raw_messages` streams a file line by line and yields each
message's bytes with its position (1-based index and the byte offset of its
``From `` line), holding one message at a time; a message over the size
limit is skipped to its end and reported, not read into memory.

:func:`import_messages` parses and stores each message in its own savepoint:
a broken message is reported by position and reason, and the rest go on.
Re-importing the same file adds nothing (keyed digest of Message-ID and
content, unique in the database). Participants are matched to persons by
email through the blind index; the organization is the importer's choice or
derived from the matched persons' current roles.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.access.enforce import PERSON, write_service
from rekisteri.audit.services import audit_record
from rekisteri.core import formats, keyring
from rekisteri.core.bom import skip_bom
from rekisteri.core.errors import ServiceError
from rekisteri.messaging import services
from rekisteri.messaging.choices import (
    AddressKind,
    Channel,
    Direction,
    ImportSource,
)
from rekisteri.messaging.conf import setting
from rekisteri.messaging.models import Message, Thread
from rekisteri.messaging.parsing import BrokenMessage, ParsedMessage, parse_message
from rekisteri.messaging.parsing.msgfile import OLE_SIGNATURE
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.services import email_owners

CHUNK = 200  # messages per transaction: throughput without long locks
# Caches of one import (thread of a Message-ID, person of an address) keep at
# most this many entries, so memory stays flat however big the mbox is.
CACHE_LIMIT = 20_000
_FROM_ESCAPED = re.compile(rb"^>+From ")
_HEADER_FIELD = re.compile(rb"^[!-9;-~]+:")
# "From : name <address>": a From field in RFC 822's form (whitespace
# before the colon), never an envelope line, whose sender is no colon.
_SPACED_FROM_FIELD = re.compile(rb"^From[ \t]+:")
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d{1,12})[ \t]*\r?\n?\Z", re.I)
_LINE_LIMIT = 1 << 20  # read at most this much of one line at a time


# --------------------------------------------------------------------------
# Splitting a file into messages
# --------------------------------------------------------------------------


@dataclass
class RawMessage:
    index: int
    offset: int
    data: bytes = b""
    error: tuple[str, str] | None = None
    envelope_date: dt.datetime | None = None
    # What the splitter had to work around (stored as import notes).
    notes: list[str] = field(default_factory=list)


def detect_format(head: bytes) -> str:
    """``"msg"`` for an OLE compound file (an Outlook .msg: one message),
    ``"mbox"`` if the file starts with a ``From `` line, else ``"eml"``."""
    if head.startswith(OLE_SIGNATURE):
        return "msg"
    return "mbox" if head.lstrip(b"\r\n").startswith(b"From ") else "eml"


def _envelope_date(line: bytes) -> dt.datetime | None:
    # "From sender Sat Jan  3 01:05:34 1996": the asctime part, read as UTC.
    parts = line.decode("ascii", "replace").split()
    if len(parts) < 7:
        return None
    try:
        value = dt.datetime.strptime(" ".join(parts[-5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC)


class _Lines:
    """Lines of a binary stream with their byte offsets, at most
    ``_LINE_LIMIT`` bytes at a time, with look-ahead: items read too far are
    pushed back. An item is ``(offset, bytes, starts_a_line)``."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        # Offsets are the file's: a byte order mark before the first line
        # was read past (iter_raw_messages).
        self.offset = stream.tell() if stream.seekable() else 0
        self.start = self.offset
        self.at_start = True
        self.back: list[tuple[int, bytes, bool]] = []

    def next(self) -> tuple[int, bytes, bool] | None:
        if self.back:
            return self.back.pop()
        line = self.stream.readline(_LINE_LIMIT)
        if not line:
            return None
        item = (self.offset, line, self.at_start)
        self.offset += len(line)
        self.at_start = line.endswith(b"\n")
        return item

    def first(self, offset: int) -> bool:
        """Whether ``offset`` is where the messages begin."""
        return offset == self.start

    def push(self, item: tuple[int, bytes, bool]) -> None:
        self.back.append(item)

    def peek(self) -> tuple[int, bytes, bool] | None:
        item = self.next()
        if item is not None:
            self.push(item)
        return item


def _blank(line: bytes) -> bool:
    return line in (b"\n", b"\r\n")


def _is_separator(item: tuple[int, bytes, bool], prev_blank: bool, src: _Lines) -> bool:
    """Whether a line starts the next message of an mbox.

    A ``From `` line does when the line after it is a header field: a
    ``From `` line of text in a body is followed by more text (writers that
    quote body lines quote it anyway; some leave out the blank line before
    a separator). After a blank line (mboxo, mboxrd) it does too when it
    carries an envelope's date (``From sender Sat Jan  3 01:05:34 1996``)
    or is the first line of the file, whatever follows it; a body's own
    "From Russia with love" left unquoted after a blank line, with text
    after it, stays in the body. ``From : name`` is a header field written
    with a space before its colon, never a separator.
    """
    offset, line, starts = item
    if not (starts and line.startswith(b"From ")) or _SPACED_FROM_FIELD.match(line):
        return False
    following = src.peek()
    if following is not None and _HEADER_FIELD.match(following[1]):
        return True
    return prev_blank and (src.first(offset) or _envelope_date(line) is not None)


def _lands_on_separator(src: _Lines) -> bool:
    """After a Content-Length body: the end of the file or the next
    ``From `` line follows, optionally after one blank line."""
    first = src.next()
    if first is None:
        return True
    second = src.next() if _blank(first[1]) else None
    if second is not None:
        src.push(second)
    src.push(first)
    following = second if _blank(first[1]) else first
    return following is None or (following[2] and following[1].startswith(b"From "))


def _too_large(max_bytes: int) -> tuple[str, str]:
    return (
        "too_large",
        _("The message is larger than the %(limit)s MB limit.")
        % {"limit": max_bytes // (1024 * 1024) or 1},
    )


def _read_message(src: _Lines, current: RawMessage, max_bytes: int) -> None:
    """Fill ``current`` with the lines up to the next separator (left
    unread) or the end of the file.

    A ``Content-Length`` header (mboxcl, mboxcl2) is trusted when the body of
    that length ends where the next message or the file begins: then ``From ``
    lines inside it are text, and nothing is unquoted. Otherwise the message
    is split at the next separator, with a note.
    """
    lines: list[bytes] = []
    size = 0
    too_big = False
    in_headers = True
    content_length: int | None = None
    prev_blank = False
    counted = False

    def keep(line: bytes) -> None:
        nonlocal size, too_big, lines
        if too_big:
            return
        size += len(line)
        if size > max_bytes:
            too_big, lines = True, []
        else:
            lines.append(line)

    while True:
        item = src.next()
        if item is None:
            break
        if _is_separator(item, prev_blank, src):
            src.push(item)
            break
        _offset, line, starts = item
        if in_headers and starts and _blank(line):
            in_headers = False
            keep(line)
            if content_length is not None and content_length <= max_bytes:
                if _read_counted_body(src, content_length, keep):
                    counted = True
                    following = src.peek()
                    if following is not None and _blank(following[1]):
                        src.next()  # the blank line before the next "From "
                    break
                current.notes.append(
                    _(
                        "The message's Content-Length does not match the mbox; "
                        "it was split at the next 'From ' line instead."
                    )
                )
            prev_blank = True
            continue
        if in_headers and starts:
            match = _CONTENT_LENGTH.match(line)
            if match:
                content_length = int(match.group(1))
        elif starts and _FROM_ESCAPED.match(line):
            line = line[1:]
        keep(line)
        prev_blank = starts and _blank(line)
    if too_big:
        current.error = _too_large(max_bytes)
        return
    # The blank line before the next "From " belongs to the separator.
    if not counted and lines and _blank(lines[-1]):
        lines.pop()
    current.data = b"".join(lines)


def _read_counted_body(src: _Lines, length: int, keep: Callable[[bytes], None]) -> bool:
    """Read ``length`` bytes of body; keep them and return True when they
    end where the next message begins, else push them back."""
    items: list[tuple[int, bytes, bool]] = []
    got = 0
    while got < length:
        item = src.next()
        if item is None:
            break
        items.append(item)
        got += len(item[1])
    if got == length and _lands_on_separator(src):
        for item in items:
            keep(item[1])
        return True
    for item in reversed(items):
        src.push(item)
    return False


def iter_mbox(
    stream: IO[bytes], *, max_bytes: int | None = None
) -> Iterator[RawMessage]:
    """Messages of an mbox (mboxo, mboxrd, mboxcl, mboxcl2), one at a time.

    A ``From `` line starts a message (see :func:`_is_separator`): followed
    by a header field, or after a blank line at the start of the file or
    with an envelope's date. ``>From `` quoting is undone
    one level; a ``Content-Length`` that matches the file is honoured (see
    :func:`_read_message`). Text before the first ``From `` line is reported
    as a broken message of its own.
    """
    max_bytes = max_bytes or setting("REKISTERI_MESSAGING_MAX_MESSAGE_BYTES")
    src = _Lines(stream)
    index = 0
    item = src.next()
    if item is not None and not _is_separator(item, True, src):
        # Text before the first "From " line: skip it up to a separator.
        garbage: RawMessage | None = None
        prev_blank = True
        while item is not None and not _is_separator(item, prev_blank, src):
            if garbage is None and item[1].strip():
                index += 1
                garbage = RawMessage(index, item[0])
                garbage.error = (
                    "no_separator",
                    _("Text before the first 'From ' line is not a message."),
                )
            if item[1].endswith(b"\n"):
                prev_blank = item[2] and _blank(item[1])
            item = src.next()
        if garbage is not None:
            yield garbage
    while item is not None:
        offset, line, _starts = item
        index += 1
        current = RawMessage(index, offset, envelope_date=_envelope_date(line))
        _read_message(src, current, max_bytes)
        yield current
        item = src.next()


def iter_eml(
    stream: IO[bytes], *, max_bytes: int | None = None
) -> Iterator[RawMessage]:
    """The one message of an ``.eml`` or ``.msg`` file (refused past the
    size limit)."""
    max_bytes = max_bytes or setting("REKISTERI_MESSAGING_MAX_MESSAGE_BYTES")
    data = stream.read(max_bytes + 1)
    item = RawMessage(1, 0)
    if len(data) > max_bytes:
        item.error = _too_large(max_bytes)
    else:
        item.data = data
    yield item


def iter_raw_messages(stream: IO[bytes]) -> tuple[str, Iterator[RawMessage]]:
    """The file's format and its messages. ``stream`` is binary and
    seekable (an uploaded file or an open file). A UTF-8 byte order mark
    at the start is no part of the first message."""
    skip_bom(stream)
    start = stream.tell()
    fmt = detect_format(stream.read(64))
    stream.seek(start)
    return fmt, (iter_mbox(stream) if fmt == "mbox" else iter_eml(stream))


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
            rest = len(parsed.attachments) - n + 1
            notes.append(
                ngettext(
                    "%(rest)s more attachment was not stored: a message keeps at "
                    "most %(most)s.",
                    "%(rest)s more attachments were not stored: a message keeps at "
                    "most %(most)s.",
                    rest,
                )
                % {"rest": rest, "most": most}
            )
            break
        size = len(a.data)
        if size > setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"):
            notes.append(
                _(
                    "Attachment %(n)s (%(size)s bytes) is over the size limit and was "
                    "not stored."
                )
                % {"n": n, "size": size}
            )
            continue
        if total + size > setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES"):
            notes.append(
                _(
                    "Attachment %(n)s would exceed the limit for one message and was "
                    "not stored."
                )
                % {"n": n}
            )
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
