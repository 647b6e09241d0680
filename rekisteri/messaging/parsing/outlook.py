"""Outlook ``.msg`` files (MS-OXMSG) read into the RFC 5322 message an
``.eml`` of the same message would be.

What dragging a message out of Outlook gives. parsing/msgfile.py reads the
compound file's properties; this module puts them together. (olefile, BSD,
reads the compound file; the property layer is ours: extract-msg, the
maintained Python .msg library, is GPL-3.0, which this project cannot
ship.)

:func:`read_outlook` gives the header block and the text and HTML bodies
as an RFC 5322 message, which ``parse_message`` reads as it reads any
email (its header decoding, address parsing, HTML to text and notes), and
the attachments as :class:`ParsedAttachment` values, named by
``safe_filename`` as MIME attachments are, within the attachment limits
(what is over them is never read). An attached Outlook message becomes an
``.eml`` attachment built the same way, its own attachments as MIME parts.

The header block is the received message's own
(PR_TRANSPORT_MESSAGE_HEADERS) when the file has it, without its MIME
fields (the body is rebuilt); what it lacks, and every header of a message
that was never received (a sent item, a draft), comes from the properties:
sender, recipients (an Exchange address is no email address: the SMTP
one, else the name alone), times, subject and Message-IDs. The recipients,
attachments and the nesting of attached messages are bounded.
"""

from __future__ import annotations

import base64
import re
import struct
import uuid
from dataclasses import dataclass, field
from email.utils import encode_rfc2231, format_datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.messaging.conf import setting
from rekisteri.messaging.parsing import limits
from rekisteri.messaging.parsing.msgfile import (
    BINARY,
    MAX_SHORT,
    NESTED,
    OBJECT,
    PROPERTIES,
    TOP,
    VALUE,
    Codepages,
    Node,
    PropertyReader,
    open_compound_file,
    unreadable,
)
from rekisteri.messaging.parsing.parts import (
    extension_of_type,
    safe_filename,
    type_of_name,
)
from rekisteri.messaging.parsing.rtf import RTFError, decompress_rtf, rtf_text
from rekisteri.messaging.parsing.text import safe_text
from rekisteri.messaging.parsing.values import BrokenMessage, ParsedAttachment

MAX_NESTING = 4  # attached messages inside attached messages
MAX_RECIPIENTS = 2000  # a list of 1,300 is real; each is a storage to read
_MAX_RTF = 4 << 20  # bytes of RTF decompressed, characters of its text

_RECIPIENT = "__recip_version1.0_#"
_ATTACHMENT = "__attach_version1.0_#"
_EMBEDDED = "__substg1.0_3701000d"
_MAIL_CLASSES = ("ipm.note", "ipm.schedule", "ipm.post", "report.")
_ADDRESS = re.compile(r"[^\s<>(),;:\"\\\[\]@]+@[^\s<>(),;:\"\\\[\]@]+")
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_FIELD = re.compile(r"[!-9;-~]+[ \t]*:")
_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass
class OutlookMessage:
    """An .msg read: its header block and bodies as an RFC 5322 message,
    its attachments, and notes on what was degraded or left out."""

    rfc822: bytes
    attachments: list[ParsedAttachment]
    notes: list[str]


@dataclass
class _Part:
    name: str
    ctype: str
    data: bytes
    inline: bool = False  # an attached message's bytes, sent as 8bit


@dataclass
class _Mail:
    fields: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    html: bytes | None = None
    html_charset: str = "utf-8"
    parts: list[_Part] = field(default_factory=list)
    subject: str = ""


def _one_line(value: str, limit: int = MAX_SHORT) -> str:
    """A header value: one line, no control characters."""
    return _CONTROL.sub(" ", safe_text(value)).strip()[:limit]


class _Reader(PropertyReader):
    FIXED = frozenset((0x0039, 0x0E06, 0x0C15, 0x3007, 0x3705, 0x3FDE, 0x3FF1, 0x3FFD))

    def __init__(self, ole: Any, budget: int) -> None:
        super().__init__(ole, budget)
        self.files_left = setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS")
        self.exchange_only = 0

    # -- one message ------------------------------------------------------------

    def mail(self, entry: Any, header: int, depth: int, room: int) -> _Mail:
        """The message in storage ``entry``: its header fields, bodies and
        (within ``room`` bytes) attachments."""
        node = self.node(entry, header)
        pages = self.codepages(node)
        general = pages.general
        mail = _Mail()
        kind = (self.text(node, 0x001A, general) or "").lower()
        if kind and not kind.startswith(_MAIL_CLASSES):
            self.note(
                _(
                    "The Outlook item is not an email message (it is a calendar "
                    "item, contact, task or note); its text was imported as one."
                )
            )
        subject = self.text(node, 0x0037, general)
        if subject is None:
            prefix = self.text(node, 0x003D, general) or ""
            rest = self.text(node, 0x0E1D, general)
            subject = None if rest is None else prefix + rest
        mail.subject = _one_line(subject or "")
        transport = self.text(node, 0x007D, general, self.budget)
        fields = _transport_fields(transport or "")
        have = {name for name, _line in fields}
        drop = {"subject"} if subject is not None else set()
        mail.fields = [(n, line) for n, line in fields if n not in drop]
        extra: list[tuple[str, str]] = []

        def add(name: str, value: str | None) -> None:
            if value and name.lower() not in have:
                extra.append((name, f"{name}: {value}"))

        if "from" not in have:
            add("From", self.sender(node, general))
        for role, boxes, exchange_only in self.recipients(node, general):
            if role.lower() not in have:
                add(role, boxes)
                self.exchange_only += exchange_only
        when = self.time(node, 0x0039) or self.time(node, 0x0E06)
        if when is None and "date" not in have:
            when = self.time(node, 0x3007)
            if when is not None:
                self.note(
                    _(
                        "The message has no time of sending or delivery; the time "
                        "its Outlook item was created is its date."
                    )
                )
        add("Date", format_datetime(when) if when else None)
        if subject is not None or "subject" not in have:
            extra.append(("subject", f"Subject: {mail.subject}"))
        for name, pid in (
            ("Message-ID", 0x1035),
            ("In-Reply-To", 0x1042),
            ("References", 0x1039),
        ):
            add(name, _ids(self.text(node, pid, general)))
        mail.fields += extra
        self.bodies(node, mail, pages)
        mail.parts = self.attachments(node, depth, room, general)
        return mail

    def sender(self, node: Node, codec: str | None) -> str | None:
        """From: the sent-representing properties (whom the message is
        from), their SMTP address, else the sender's when it is the same
        name (a message sent on someone's behalf names both)."""
        found = []
        for name_id, addr_id, type_id, smtp_id in (
            (0x0042, 0x0065, 0x0064, 0x5D02),
            (0x0C1A, 0x0C1F, 0x0C1E, 0x5D01),
        ):
            name = _one_line(self.text(node, name_id, codec) or "")
            address, exchange = _address(
                self.text(node, addr_id, codec),
                self.text(node, type_id, codec),
                self.text(node, smtp_id, codec),
            )
            if name or address or exchange:
                found.append((name, address, exchange))
        if not found:
            return None
        name, address, exchange = found[0]
        if not address:
            for other, other_address, _ex in found[1:]:
                if other_address and other in (name, ""):
                    address, exchange = other_address, False
        self.exchange_only += exchange and not address
        return _mailbox(name, address)

    def recipients(self, node: Node, codec: str | None) -> list[tuple[str, str, int]]:
        """(To, Cc or Bcc, their mailboxes, how many had only an Exchange
        address) from the recipient table."""
        names = sorted(n for n in node.storages if n.startswith(_RECIPIENT))
        if len(names) > MAX_RECIPIENTS:
            self.note(
                _("Only the first %(n)s recipients of the Outlook file were read.")
                % {"n": MAX_RECIPIENTS}
            )
        roles: dict[str, list[str]] = {"To": [], "Cc": [], "Bcc": []}
        exchange_only = dict.fromkeys(roles, 0)
        for name in names[:MAX_RECIPIENTS]:
            rnode = self.node(node.storages[name], OBJECT)
            kind = self.number(rnode, 0x0C15)
            kind = 1 if kind is None else kind & 0xFF
            if kind == 0:
                continue  # the originator
            role = {2: "Cc", 3: "Bcc"}.get(kind, "To")
            raw = self.text(rnode, 0x3003, codec)
            display = self.text(rnode, 0x3001, codec) or self.text(rnode, 0x5FF6, codec)
            address, exchange = _address(
                raw, self.text(rnode, 0x3002, codec), self.text(rnode, 0x39FE, codec)
            )
            exchange_only[role] += exchange and not address
            mailbox = _mailbox(_one_line(display or raw or ""), address)
            if mailbox:
                roles[role].append(mailbox)
        return [
            (role, ", ".join(boxes), exchange_only[role])
            for role, boxes in roles.items()
            if boxes
        ]

    def bodies(self, node: Node, mail: _Mail, pages: Codepages) -> None:
        """PR_BODY and PR_HTML (a string, or bytes in the internet code
        page, else the charset its meta tag names, else the message's); the
        text of PR_RTF_COMPRESSED when neither has any."""
        text = self.text(node, 0x1000, pages.body, self.budget)
        html = self.binary(node, 0x1013, self.budget)
        if html is not None:
            sniffed = _META_CHARSET.search(html[:2048])
            label = pages.internet or (sniffed and sniffed.group(1).decode("ascii"))
            mail.html, mail.html_charset = html, label or pages.general or "utf-8"
        else:
            markup = self.text(
                node, 0x1013, pages.internet or pages.general, self.budget
            )
            if markup is not None:
                mail.html = markup.encode("utf-8", "replace")
        mail.text = text
        if (text or "").strip() or (mail.html or b"").strip():
            return
        compressed = self.binary(node, 0x1009, self.budget)
        if not compressed:
            return
        try:
            rtf, cut = decompress_rtf(compressed, _MAX_RTF)
            from_rtf = rtf_text(rtf, _MAX_RTF)
        except (RTFError, struct.error):
            self.note(_("The message's text was only in RTF, which could not be read."))
            return
        if not from_rtf:
            return
        mail.text = from_rtf
        self.note(
            _(
                "The message's text was only in RTF; its plain text was kept, "
                "without formatting."
            )
        )
        if cut:
            self.note(_("The text was longer than the limit and was shortened."))

    # -- attachments ------------------------------------------------------------

    def attachments(
        self, node: Node, depth: int, room: int, codec: str | None
    ) -> list[_Part]:
        """The attachments, within ``room`` bytes and the count limit.
        MIME attachments over a limit are noted when the message is
        stored; these are noted here, as they are never read."""
        names = sorted(n for n in node.storages if n.startswith(_ATTACHMENT))
        parts: list[_Part] = []
        most = setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES")
        for n, name in enumerate(names, start=1):
            if self.files_left <= 0:
                self.note(
                    limits.more_attachments(
                        len(names) - n + 1,
                        setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS"),
                    )
                )
                break
            anode = self.node(node.storages[name], OBJECT)
            method = self.number(anode, 0x3705)
            title = (
                self.text(anode, 0x3707, codec) or self.text(anode, 0x3704, codec) or ""
            )
            label = self.text(anode, 0x3001, codec) or ""
            if _EMBEDDED in anode.storages and method in (None, 5):
                part = self.embedded(
                    anode.storages[_EMBEDDED], title, label, depth, room
                )
            elif method in (2, 3, 4, 7):
                self.note(_("An attachment was a link to a file and was not stored."))
                continue
            else:
                part = self.file(
                    anode, n, title or label, codec, depth, min(room, most)
                )
            if part is None:
                continue
            room -= len(part.data)
            self.files_left -= 1
            parts.append(part)
        return parts

    def file(
        self, anode: Node, n: int, title: str, codec: str | None, depth: int, room: int
    ) -> _Part | None:
        entry = anode.streams.get(0x3701 << 16 | BINARY)
        if entry is None:
            if _EMBEDDED in anode.storages:
                self.note(_("An embedded OLE object was not stored."))
            return None
        if entry.size > room:
            self.too_large(n, entry.size, depth)
            return None
        data = self.read(entry, room)
        if data is None:
            return None
        mime = (self.text(anode, 0x370E, codec) or "").strip().lower()
        ctype = mime if _CONTENT_TYPE.fullmatch(mime) else type_of_name(title)
        name = safe_filename(title) or f"attachment-{n}{extension_of_type(ctype)}"
        return _Part(name, ctype[:127], data)

    def too_large(self, n: int, size: int, depth: int) -> None:
        if depth:
            self.note(
                _(
                    "An attachment of an attached message was over the size limits "
                    "and was left out of it."
                )
            )
        elif size > setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"):
            self.note(limits.attachment_too_large(n, size))
        else:
            self.note(limits.over_message_limit(n))

    def embedded(
        self, entry: Any, title: str, label: str, depth: int, room: int
    ) -> _Part | None:
        """An attached Outlook message as an ``.eml`` file (message/rfc822),
        named by its subject (Outlook names many "Untitled Attachment"),
        else the attachment's names."""
        if depth + 1 > MAX_NESTING:
            self.note(
                _(
                    "An attached message nested more than %(n)s levels deep was "
                    "not stored."
                )
                % {"n": MAX_NESTING}
            )
            return None
        room = min(room, setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES"))
        mail = self.mail(entry, NESTED, depth + 1, room)
        data = compose(mail, with_parts=True)
        if len(data) > room:
            self.too_large(0, len(data), depth + 1)
            return None
        self.note(_("An attached Outlook message was stored as an .eml file."))
        stem = safe_filename(mail.subject or title or label) or "message"
        if stem.lower().endswith(".msg"):
            stem = stem[:-4]
        name = stem if stem.lower().endswith(".eml") else f"{stem[:251]}.eml"
        return _Part(name, "message/rfc822", data, inline=True)


def _address(
    address: str | None, kind: str | None, smtp: str | None
) -> tuple[str, bool]:
    """The email address of an entry, and whether it was an Exchange one
    (``/O=.../CN=...``: no email address) with no SMTP address beside it."""
    for value in (smtp, address):
        value = (value or "").strip()
        if value.lower().startswith("smtp:"):
            value = value[5:]
        if _ADDRESS.fullmatch(value):
            return value, False
    exchange = (kind or "").strip().upper() == "EX" or (
        address or ""
    ).lower().startswith("/o=")
    return "", exchange


def _mailbox(name: str, address: str) -> str:
    """``"name" <address>``; a name alone when there is no address (read
    as a participant with no address, as a bare name in a header is)."""
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"' if name else ""
    if address:
        return f"{quoted} <{address}>" if quoted else f"<{address}>"
    return quoted


def _ids(value: str | None) -> str | None:
    value = _one_line(value or "")
    if not value:
        return None
    return value if "<" in value else f"<{value}>"


_MIME_FIELDS = frozenset(("mime-version",))


def _transport_fields(text: str) -> list[tuple[str, str]]:
    """The received message's header block as (lower-case name, lines):
    its MIME fields left out (the body here is rebuilt), blank lines and
    anything before the first field dropped. Lines that are neither a
    field nor a continuation stay for parse_message to mend."""
    fields: list[tuple[str, str]] = []
    for line in re.split(r"\r\n|\r|\n", text):
        line = _CONTROL.sub(" ", line).rstrip() if line[:1] not in " \t" else line
        if not line.strip():
            continue
        match = _FIELD.match(line)
        if match:
            fields.append((match.group(0)[:-1].strip().lower(), line))
        elif fields:
            name, lines = fields[-1]
            fields[-1] = (name, f"{lines}\n{_CONTROL.sub(' ', line)}")
    return [
        (name, lines)
        for name, lines in fields
        if not (name.startswith("content-") or name in _MIME_FIELDS)
    ]


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = f"=_rekisteri_{uuid.uuid4().hex}".encode()
    out = [b"Content-Type: multipart/" + subtype.encode() + b'; boundary="']
    out += [boundary, b'"\n\n']
    for part in parts:
        out += [b"--", boundary, b"\n", part, b"\n"]
    out += [b"--", boundary, b"--\n"]
    return b"".join(out)


def _filename_param(name: str) -> str:
    if name.isascii() and '"' not in name and "\\" not in name:
        return f'filename="{name}"'
    return "filename*=" + encode_rfc2231(name, "utf-8")


def _part(part: _Part) -> bytes:
    head = (
        f"Content-Type: {part.ctype}\n"
        f"Content-Disposition: attachment; {_filename_param(part.name)}\n"
    ).encode()
    if part.inline:
        return head + b"Content-Transfer-Encoding: 8bit\n\n" + part.data
    return head + b"Content-Transfer-Encoding: base64\n\n" + _base64(part.data)


def _text_part(subtype: str, data: bytes, charset: str) -> bytes:
    label = re.sub(r"[^A-Za-z0-9_.:-]", "", charset)[:40] or "utf-8"
    return (
        f"Content-Type: text/{subtype}; charset={label}\n"
        "Content-Transfer-Encoding: base64\n\n"
    ).encode() + _base64(data)


def compose(mail: _Mail, *, with_parts: bool) -> bytes:
    """The RFC 5322 message: the header fields, then the body as MIME
    (text, HTML, their alternative, and the attachments when asked)."""
    head = "".join(line + "\n" for _name, line in mail.fields)
    bodies = []
    if mail.text is not None or mail.html is None:
        text = safe_text(mail.text or "")
        bodies.append(_text_part("plain", text.encode("utf-8", "replace"), "utf-8"))
    if mail.html is not None:
        bodies.append(_text_part("html", mail.html, mail.html_charset))
    body = bodies[0] if len(bodies) == 1 else _multipart("alternative", bodies)
    if with_parts and mail.parts:
        body = _multipart("mixed", [body] + [_part(p) for p in mail.parts])
    return head.encode("utf-8", "replace") + b"MIME-Version: 1.0\n" + body


def read_outlook(raw: bytes) -> OutlookMessage:
    """Read an Outlook .msg; raise BrokenMessage if the file cannot be read
    or is no Outlook message (another Office file)."""
    with open_compound_file(raw) as ole:
        names = {kid.name.lower() for kid in ole.root.kids}
        if PROPERTIES not in names and not any(n.startswith(VALUE) for n in names):
            raise BrokenMessage(
                "msg_not_message",
                _("The file is an Office document, not an Outlook message."),
            )
        reader = _Reader(ole, 2 * len(raw))
        room = setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES")
        try:
            mail = reader.mail(ole.root, TOP, 0, room)
        except BrokenMessage:
            raise
        except Exception:  # noqa: BLE001 - never more than a refusal
            raise unreadable(_("the file is damaged")) from None
    if reader.exchange_only:
        reader.note(
            ngettext(
                "%(n)s participant had an Exchange address and no email address; "
                "only the name was kept.",
                "%(n)s participants had an Exchange address and no email address; "
                "only their names were kept.",
                reader.exchange_only,
            )
            % {"n": reader.exchange_only}
        )
    attachments = [ParsedAttachment(p.name, p.ctype, p.data) for p in mail.parts]
    return OutlookMessage(compose(mail, with_parts=False), attachments, reader.notes)
