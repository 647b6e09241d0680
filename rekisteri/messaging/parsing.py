"""Reading real email: one RFC 5322 message from bytes into plain values.

Pure functions, no database: :func:`parse_message` turns the bytes of one
message into a :class:`ParsedMessage` or raises :class:`BrokenMessage` with a
code and a reason that never quotes the message. Anything the parser can
read is kept; what it has to degrade (an unknown charset, an undecodable
header, an oversized attachment) is described in ``notes`` instead of
failing the message.

Uses the stdlib ``email`` package with ``policy.default`` (RFC 2047 headers,
quoted-printable, base64, 8bit), plus RFC 3676 ``format=flowed`` unwrapping,
which the stdlib leaves to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from rekisteri.messaging.choices import ParticipantRole

ADDRESS_HEADERS = (
    ("from", ParticipantRole.FROM),
    ("to", ParticipantRole.TO),
    ("cc", ParticipantRole.CC),
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_MSGID = re.compile(r"<([^<>\s]+)>")
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")


class BrokenMessage(Exception):
    """The bytes are not a message we can store. ``code`` is stable; the
    message says why in words and never quotes the input."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass
class ParsedAddress:
    role: str
    address: str
    display_name: str = ""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str = ""
    parent_ids: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    subject: str = ""
    body: str = ""
    headers: str = ""
    participants: list[ParsedAddress] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sender(self) -> ParsedAddress | None:
        return next(
            (p for p in self.participants if p.role == ParticipantRole.FROM), None
        )


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def safe_text(value: str, notes: list[str] | None = None) -> str:
    """Text that can be stored and shown: undecodable bytes (surrogates left
    by the parser) become U+FFFD, NUL characters are dropped."""
    if not _UNSAFE.search(value):
        return value
    if notes is not None and re.search(r"[\ud800-\udfff]", value):
        notes.append(_("Some characters could not be decoded and were replaced."))
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    # Lone surrogates that were not escaped bytes survive the round trip.
    value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def _word_char(ch: str) -> bool:
    # Scripts that separate words with spaces (below the CJK blocks).
    return ch.isalnum() and ord(ch) < 0x2E80


def unflow(text: str, *, delsp: bool = False) -> str:
    """Undo RFC 3676 ``format=flowed``: join soft-broken lines.

    A line ending in a space continues on the next line of the same quote
    depth. With ``delsp=yes`` that space is the generator's and is removed,
    except between two letters of a space-separated script: mail clients
    that quoted-printable-encode the space (``=20``) mean it, and removing
    it would glue words together.
    """
    out: list[str] = []
    buf: str | None = None
    depth_of_buf = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        flowed = stripped.endswith(" ") and stripped != "-- "
        if buf is not None and depth == depth_of_buf:
            if delsp and buf.endswith(" "):
                before = buf[-2:-1]
                after = stripped[:1]
                if not (before and after and _word_char(before) and _word_char(after)):
                    buf = buf[:-1]
            buf += stripped
        else:
            if buf is not None:
                out.append(_quoted(buf, depth_of_buf))
            buf, depth_of_buf = stripped, depth
        if not flowed:
            out.append(_quoted(buf, depth_of_buf))
            buf = None
    if buf is not None:
        out.append(_quoted(buf.rstrip(" ") if delsp else buf, depth_of_buf))
    return "\n".join(out)


def _quoted(text: str, depth: int) -> str:
    return (">" * depth + " " + text) if depth else text


class _TextFromHTML(HTMLParser):
    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "table",
            "ul",
            "ol",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (no markup is ever rendered)."""
    parser = _TextFromHTML()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken HTML body degrades to its text
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


def _header(msg: EmailMessage, name: str, notes: list[str]) -> str:
    """A decoded header value; a header the parser cannot decode is kept
    as its raw text with a note."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header must not fail the message
        notes.append(
            _("The %(header)s header could not be decoded.") % {"header": name}
        )
        raw = msg.get_all(name) if hasattr(msg, "get_all") else None
        return safe_text(str(raw[0])) if raw else ""
    if value is None:
        return ""
    return safe_text(str(value), notes)


def _addresses(msg: EmailMessage, notes: list[str]) -> list[ParsedAddress]:
    found: list[ParsedAddress] = []
    for name, role in ADDRESS_HEADERS:
        try:
            headers = msg.get_all(name) or []
        except Exception:  # noqa: BLE001
            notes.append(
                _("The %(header)s header could not be decoded.") % {"header": name}
            )
            continue
        for header in headers:
            pairs: list[tuple[str, str]] = []
            try:
                pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
            except Exception:  # noqa: BLE001
                pairs = []
            if not pairs:
                pairs = getaddresses([str(header)])
            for display, addr in pairs:
                addr = safe_text(addr or "").strip()
                display = safe_text(display or "").strip()
                if addr in ("", "<>") and not display:
                    continue
                found.append(ParsedAddress(role, addr.strip("<>"), display))
    return found


def _date(msg: EmailMessage, notes: list[str]) -> dt.datetime | None:
    raw = _header(msg, "date", notes)
    if not raw:
        return None
    try:
        value = msg["date"].datetime  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001
        value = None
    if value is None:
        try:
            value = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        notes.append(_("The Date header could not be read."))
        return None
    if value.tzinfo is None:
        # "-0000" means the zone is unknown: read it as UTC (RFC 5322 3.3).
        value = value.replace(tzinfo=dt.UTC)
    return value


def message_ids(text: str) -> list[str]:
    """The ``<id>`` values in a Message-ID, In-Reply-To or References text."""
    return _MSGID.findall(text or "")


def header_block(msg: EmailMessage, notes: list[str]) -> str:
    """The message's headers, decoded, one per line (what detail pages show
    and what erasure scrubs an erased person's addresses from)."""
    lines = []
    for name in msg:
        try:
            values = msg.get_all(name) or []
        except Exception:  # noqa: BLE001
            values = []
        for value in values:
            try:
                text = str(value)
            except Exception:  # noqa: BLE001
                text = "?"
            lines.append(f"{name}: {safe_text(text)}")
    # get_all lists every occurrence; keys() repeats a name per occurrence.
    return "\n".join(dict.fromkeys(lines))


# --------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------


def _part_text(part: EmailMessage, notes: list[str]) -> str:
    """The decoded text of a text/* part; an unknown or wrong charset is
    decoded as UTF-8 with replacement characters and a note."""
    try:
        text = part.get_content()
        if not isinstance(text, str):
            text = str(text)
    except (LookupError, UnicodeError, AssertionError, ValueError, TypeError):
        charset = re.sub(r"[^A-Za-z0-9_.:-]", "", part.get_param("charset") or "")[:40]
        notes.append(
            _("Unknown or wrong character set %(charset)s: decoded as UTF-8.")
            % {"charset": charset or "?"}
        )
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = safe_text(text, notes).replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "plain" and (
        str(part.get_param("format") or "").lower() == "flowed"
    ):
        delsp = str(part.get_param("delsp") or "").lower() == "yes"
        text = unflow(text, delsp=delsp)
    return text


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_maintype() == "message":
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"\n".join(
                p.as_bytes(policy=policy.default.clone(max_line_length=0))
                if hasattr(p, "as_bytes")
                else str(p).encode()
                for p in payload
            )
        return str(payload).encode("utf-8", "replace")
    data = part.get_payload(decode=True)
    if data is None:
        raw = part.get_payload()
        return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
    return data


def _leaves(part: EmailMessage, alternative: int = 0, counter: list | None = None):
    """(leaf part, id of its nearest multipart/alternative or 0), in order.

    message/* parts are leaves: an attached email is stored as a file.
    """
    counter = counter if counter is not None else [0]
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        own = alternative
        if part.get_content_subtype() == "alternative":
            counter[0] += 1
            own = counter[0]
        for child in part.iter_parts():
            yield from _leaves(child, own, counter)
    else:
        yield part, alternative


def _filename(part: EmailMessage, notes: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
        notes.append(_("An attachment's file name could not be decoded."))
    return safe_text(str(name)).strip().replace("/", "_").replace("\\", "_")[:255]


def _body_and_attachments(msg: EmailMessage, notes: list[str]):
    try:
        body_part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        body_part = None
    leaves = list(_leaves(msg))
    body_alt = next((alt for p, alt in leaves if p is body_part), 0)
    texts: list[str] = []
    attachments: list[ParsedAttachment] = []
    for n, (part, alt) in enumerate(leaves, start=1):
        ctype = part.get_content_type()
        name = _filename(part, notes)
        disposition = part.get_content_disposition()
        if part is body_part:
            text = _part_text(part, notes)
            texts.append(html_to_text(text) if ctype == "text/html" else text)
            continue
        if (
            part.get_content_maintype() == "text"
            and not name
            and (disposition != "attachment")
        ):
            if body_alt and alt == body_alt:
                continue  # another rendering of the body (its HTML twin)
            if ctype == "text/plain":
                texts.append(_part_text(part, notes))  # an inline text part
                continue
        if part.get_content_maintype() == "multipart":
            continue  # an empty or malformed container
        try:
            data = _part_bytes(part)
        except Exception:  # noqa: BLE001
            notes.append(
                _("Part %(n)s could not be decoded and was not stored.") % {"n": n}
            )
            continue
        if not name:
            ext = {"text/html": ".html", "message/rfc822": ".eml"}.get(ctype, ".bin")
            if ctype.startswith(("text/", "message/")) and ext == ".bin":
                ext = ".txt"
            name = f"part-{n}{ext}"
        attachments.append(ParsedAttachment(name, ctype[:127], data))
    body = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    return body, attachments


# --------------------------------------------------------------------------
# The message
# --------------------------------------------------------------------------


def looks_like_headers(raw: bytes) -> bool:
    """Whether ``raw`` starts with a header field (after blank lines)."""
    first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_HEADER_LINE.match(first))


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse the bytes of one message; raise BrokenMessage if it is none."""
    if not raw.strip():
        raise BrokenMessage("empty", _("The message is empty."))
    if not looks_like_headers(raw):
        raise BrokenMessage(
            "no_headers", _("The message does not start with a header block.")
        )
    notes: list[str] = []
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw.lstrip(b"\r\n"))
    except Exception as exc:  # noqa: BLE001 - reported by position, never raised on
        raise BrokenMessage(
            "unparseable",
            _("The message could not be parsed (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    result = ParsedMessage(notes=notes)
    result.message_id = next(iter(message_ids(_header(msg, "message-id", notes))), "")
    parents = message_ids(_header(msg, "references", notes)) + message_ids(
        _header(msg, "in-reply-to", notes)
    )
    result.parent_ids = list(dict.fromkeys(p for p in parents if p))
    result.date = _date(msg, notes)
    result.subject = _header(msg, "subject", notes).replace("\r", "").replace("\n", " ")
    result.participants = _addresses(msg, notes)
    if not (result.participants or result.message_id or result.date):
        raise BrokenMessage(
            "no_envelope",
            _("The message has no From, To, Cc, Date or Message-ID header."),
        )
    result.headers = header_block(msg, notes)
    try:
        result.body, result.attachments = _body_and_attachments(msg, notes)
    except Exception as exc:  # noqa: BLE001
        raise BrokenMessage(
            "unparseable",
            _("The message body could not be read (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    if any(d.__class__.__name__ == "StartBoundaryNotFoundDefect" for d in msg.defects):
        notes.append(_("The multipart structure is broken; the text was kept as is."))
    result.notes = list(dict.fromkeys(notes))
    return result
