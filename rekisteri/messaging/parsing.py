"""Reading real email: one RFC 5322 message from bytes into plain values.

Pure functions, no database: :func:`parse_message` turns the bytes of one
message into a :class:`ParsedMessage` or raises :class:`BrokenMessage` with a
code and a reason that never quotes the message. Anything the parser can
read is kept; what it has to degrade (an unknown charset, an undecodable
header, an oversized attachment) is described in ``notes`` instead of
failing the message.

Uses the stdlib ``email`` package (``policy.compat32`` for speed, with our
own RFC 2047 header decoding and charset handling; quoted-printable, base64
and 8bit transfer encodings), plus RFC 3676 ``format=flowed`` unwrapping,
which the stdlib leaves to the caller.
"""

from __future__ import annotations

import codecs
import datetime as dt
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.messaging.choices import ParticipantRole

# Headers that make a header block a message even without an envelope.
_MESSAGE_HEADERS = ("subject", "mime-version", "content-type")
ADDRESS_HEADERS = (
    ("from", ParticipantRole.FROM),
    ("to", ParticipantRole.TO),
    ("cc", ParticipantRole.CC),
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_SPACED_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:")
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


# compat32 keeps header values as the text that was sent: decoding them here
# (RFC 2047 words, raw 8-bit) costs a fraction of policy.default's header
# registry, which parsed every header into objects and made the import three
# times slower than its 500 messages/s target. See docs/messaging.md.
class _RawHeaders(Compat32):
    """compat32 that hands header values over as sent.

    compat32 turns a value with raw 8-bit bytes into a ``Header`` in the
    "unknown-8bit" charset, whose text has replacement characters instead
    of the bytes; kept as surrogate escapes, ``_raw_text`` reads them as
    UTF-8 or Windows-1252.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_PARSER = BytesParser(policy=_RawHeaders())
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _raw_text(value: str, notes: list[str] | None = None) -> str:
    """Header text with raw 8-bit bytes (kept by the parser as surrogate
    escapes) read as UTF-8, or as Windows-1252 when they are not UTF-8."""
    value = _FOLD.sub("", str(value))
    if not _SURROGATE.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if notes is not None:
            notes.append(
                _(
                    "A header had 8-bit text that is not UTF-8; it was read as "
                    "Windows-1252."
                )
            )
        return raw.decode("cp1252", "replace")


def _decode_chunk(data: bytes | str, charset: str | None, notes: list[str]) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode(charset or "ascii")
    except LookupError:
        notes.append(
            _("Unknown or wrong character set %(charset)s: decoded as UTF-8.")
            % {"charset": _charset_label(charset)}
        )
    except UnicodeDecodeError:
        pass
    return data.decode("utf-8", "replace")


def decode_words(value: str, notes: list[str] | None = None) -> str:
    """A header value as text: RFC 2047 encoded words decoded, any charset;
    an unknown charset degrades to UTF-8 with replacement characters."""
    notes = notes if notes is not None else []
    text = _raw_text(value, notes)
    if "=?" not in text:
        return safe_text(text)
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - a malformed encoded word stays as sent
        return safe_text(text)
    try:
        decoded = str(make_header(chunks))
    except Exception:  # noqa: BLE001 - LookupError, UnicodeError: chunk by chunk
        decoded = "".join(_decode_chunk(d, c, notes) for d, c in chunks)
    return safe_text(decoded, notes)


def _charset_label(charset: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "", charset or "")[:40] or "?"


def _header(msg: Message, name: str, notes: list[str]) -> str:
    """The first ``name`` header, decoded (empty when there is none)."""
    value = msg.get(name)
    if value is None:
        return ""
    return decode_words(value if isinstance(value, str) else str(value), notes)


def _addresses(msg: Message, notes: list[str]) -> list[ParsedAddress]:
    found: list[ParsedAddress] = []
    for name, role in ADDRESS_HEADERS:
        values = [_raw_text(v, notes) for v in (msg.get_all(name) or [])]
        if not values:
            continue
        # Split first, decode each display name after: a decoded name may
        # contain the commas and brackets that separate addresses.
        try:
            pairs = getaddresses([_quote_names(v) for v in values])
        except Exception:  # noqa: BLE001
            pairs = []
        if not pairs or pairs == [("", "")]:
            pairs = [("", v) for v in values]
            notes.append(
                _("The %(header)s header could not be read as addresses.")
                % {"header": name}
            )
        for display, addr in pairs:
            addr = safe_text(addr or "").strip().strip("<>").strip()
            display = decode_words(display or "", notes).strip()
            if not addr and not display:
                continue
            found.append(ParsedAddress(role, addr, display))
    return found


def _split_top_level(value: str) -> list[str]:
    """An address header split at the commas that separate its entries
    (not those in quotes, comments or angle brackets)."""
    entries: list[str] = []
    start = depth = 0
    quoted = angle = escaped = False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"' and not depth:
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth:
            continue
        elif ch == "<":
            angle = True
        elif ch == ">":
            angle = False
        elif ch == "," and not angle:
            entries.append(value[start:i])
            start = i + 1
    entries.append(value[start:])
    return entries


_NAMED_ADDRESS = re.compile(r"^\s*([^\"<>():;]*@[^\"<>():;]*?)\s*(<[^<>]*>\s*)$")


def _quote_names(value: str) -> str:
    """Quote unquoted display names that contain "@" (``a@b.fi <a@b.fi>``,
    ``Matti @ Acme <m@acme.fi>``): RFC 5322 wants them quoted, many mailers
    do not, and unquoted the parser reads the name as a second address."""
    if "@" not in value or "<" not in value:
        return value
    entries = _split_top_level(value)
    changed = False
    for i, entry in enumerate(entries):
        match = _NAMED_ADDRESS.match(entry)
        if match:
            name = match.group(1).replace("\\", "\\\\")
            entries[i] = f' "{name}" {match.group(2)}'
            changed = True
    return ",".join(entries) if changed else value


def _date(msg: Message, notes: list[str]) -> dt.datetime | None:
    raw = _header(msg, "date", notes)
    if not raw:
        return None
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


def header_block(msg: Message, notes: list[str]) -> str:
    """The message's headers, decoded, one per line (what detail pages show
    and what erasure scrubs an erased person's addresses from)."""
    return "\n".join(
        f"{name}: {decode_words(str(value), notes)}" for name, value in msg.items()
    )


def repair_header_block(raw: bytes) -> tuple[bytes, int, int]:
    """Mend header lines that are neither a field nor a continuation.

    Exchange and Outlook sometimes write a folded header's next line without
    its leading space, or a space before the colon. The parser stops the
    header block at such a line and reads the rest of the headers and the
    raw MIME as the body. Before the last real header field, ``Name :``
    loses its space; another line continues the field above it when that
    field is free text (Subject, Thread-Topic...), and is left out when that
    field is structured (addresses, dates, ids, MIME), which it would
    corrupt. Lines after the last field are where the body begins without a
    blank line, and stay. Returns the mended bytes and how many lines were
    joined and left out.
    """
    lines = raw.splitlines(keepends=True)
    end = next(
        (i for i, line in enumerate(lines) if line in (b"\n", b"\r\n")), len(lines)
    )
    last_field = max(
        (i for i in range(end) if _HEADER_LINE.match(lines[i])), default=-1
    )
    joined = dropped = 0
    field_name = b""
    start = 1 if lines and lines[0].startswith(b"From ") else 0
    for i in range(start, last_field):
        line = lines[i]
        if line[:1] in (b" ", b"\t"):
            continue
        if _HEADER_LINE.match(line):
            field_name = line.split(b":", 1)[0].strip().lower()
            continue
        spaced = _SPACED_NAME.match(line)
        if spaced:
            lines[i] = spaced.group(1) + line[spaced.end() - 1 :]
            field_name = spaced.group(1).lower()
            joined += 1
        elif field_name and field_name not in _STRUCTURED_HEADERS:
            lines[i] = b" " + line
            joined += 1
        else:
            lines[i] = b""
            dropped += 1
    if not (joined or dropped):
        return raw, 0, 0
    return b"".join(lines), joined, dropped


_STRUCTURED_HEADERS = frozenset(
    n.encode()
    for n in (
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "sender",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "return-path",
    )
)


# --------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------


def _part_text(part: Message, notes: list[str]) -> str:
    """The decoded text of a text/* part (transfer encoding, then charset).

    No charset, or US-ASCII, is read as UTF-8 (its superset; unlabelled
    8-bit mail is UTF-8 far more often than not). An unknown charset, or
    bytes that are not in the declared one, are decoded with replacement
    characters and a note.
    """
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    charset = (part.get_content_charset() or "utf-8").strip().lower()
    if charset in ("us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        charset = "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        notes.append(
            _("Unknown or wrong character set %(charset)s: decoded as UTF-8.")
            % {"charset": _charset_label(charset)}
        )
        text = payload.decode("utf-8", "replace")
    else:
        try:
            text = payload.decode(charset)
        except UnicodeDecodeError:
            notes.append(
                _("Unknown or wrong character set %(charset)s: decoded as UTF-8.")
                % {"charset": _charset_label(charset)}
            )
            text = payload.decode(charset if charset != "utf-8" else "utf-8", "replace")
    text = safe_text(text, notes).replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "plain" and (
        str(part.get_param("format") or "").lower() == "flowed"
    ):
        delsp = str(part.get_param("delsp") or "").lower() == "yes"
        text = unflow(text, delsp=delsp)
    return text


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"\n".join(
                p.as_bytes() if hasattr(p, "as_bytes") else str(p).encode()
                for p in payload
            )
        return str(payload).encode("utf-8", "surrogateescape")
    data = part.get_payload(decode=True)
    if data is None:
        raw = part.get_payload()
        return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _leaves(part: Message, alternative: int = 0, counter: list | None = None):
    """(leaf part, its content type, id of its nearest multipart/alternative
    or 0), in order. message/* parts are leaves: an attached email is kept
    as a file."""
    counter = counter if counter is not None else [0]
    ctype = part.get_content_type()
    if ctype.startswith("multipart/") and part.is_multipart():
        own = alternative
        if ctype == "multipart/alternative":
            counter[0] += 1
            own = counter[0]
        for child in part.get_payload():
            if isinstance(child, Message):
                yield from _leaves(child, own, counter)
    else:
        yield part, ctype, alternative


def _filename(part: Message, notes: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
        notes.append(_("An attachment's file name could not be decoded."))
    name = decode_words(str(name), notes) if name else ""
    return name.strip().replace("/", "_").replace("\\", "_")[:255]


# The standard library's own table only: the system's mime.types differs
# from machine to machine.
_MIME_TYPES = mimetypes.MimeTypes()
_EXTENSIONS = {
    "text/html": ".html",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/calendar": ".ics",  # invitations; not in the standard table
}
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def _extension(ctype: str) -> str:
    ext = _EXTENSIONS.get(ctype) or _MIME_TYPES.guess_extension(ctype) or ""
    if not ext:
        ext = ".txt" if ctype.startswith(("text/", "message/")) else ".bin"
    return ext


def _derived_name(part: Message, ctype: str, n: int) -> str:
    """A name for a part that has none: the last segment of its
    Content-Location (MHTML names its parts so), else ``part-N``, with the
    extension of its content type."""
    ext = _extension(ctype)
    location = str(part.get("content-location") or "").strip()
    stem = ""
    if location:
        try:
            path = urlsplit(location).path or location
        except ValueError:
            path = ""
        stem = _SAFE_NAME.sub("_", unquote(posixpath.basename(path))).strip("._")
        stem = safe_text(stem)[:100]
    if not stem:
        return f"part-{n}{ext}"
    if "." in stem and _MIME_TYPES.guess_type("x" + stem[stem.rfind(".") :])[0]:
        return stem  # it has an extension of its own
    return stem + ext


def _is_attachment(part: Message, name: str) -> bool:
    disposition = str(part.get("content-disposition") or "").split(";")[0]
    return bool(name) or disposition.strip().lower() == "attachment"


def _body_and_attachments(msg: Message, notes: list[str]):
    leaves = [(p, ct, alt, _filename(p, notes)) for p, ct, alt in _leaves(msg)]
    # The body: the first plain-text part that is not an attachment, else
    # the first HTML one (what email.message.get_body prefers, too).
    body_index = None
    for wanted in ("text/plain", "text/html"):
        body_index = next(
            (
                i
                for i, (p, ct, _alt, name) in enumerate(leaves)
                if ct == wanted and not _is_attachment(p, name)
            ),
            None,
        )
        if body_index is not None:
            break
    body_alt = leaves[body_index][2] if body_index is not None else 0
    texts: list[str] = []
    attachments: list[ParsedAttachment] = []
    for n, (part, ctype, alt, name) in enumerate(leaves, start=1):
        if n - 1 == body_index:
            text = _part_text(part, notes)
            texts.append(html_to_text(text) if ctype == "text/html" else text)
            continue
        if ctype.startswith("text/") and not _is_attachment(part, name):
            if body_alt and alt == body_alt:
                continue  # another rendering of the body (its HTML twin)
            if ctype == "text/plain":
                texts.append(_part_text(part, notes))  # an inline text part
                continue
        if ctype.startswith("multipart/"):
            continue  # an empty or malformed container
        try:
            data = _part_bytes(part)
        except Exception:  # noqa: BLE001
            notes.append(
                _("Part %(n)s could not be decoded and was not stored.") % {"n": n}
            )
            continue
        if not name:
            name = _derived_name(part, ctype, n)
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
        msg = _PARSER.parsebytes(raw.lstrip(b"\r\n"))
        if any(
            isinstance(d, email_errors.MissingHeaderBodySeparatorDefect)
            for d in msg.defects
        ):
            mended, joined, dropped = repair_header_block(raw.lstrip(b"\r\n"))
            if joined or dropped:
                msg = _PARSER.parsebytes(mended)
            if joined:
                notes.append(
                    ngettext(
                        "%(n)s header line was not in the form 'Name: value' "
                        "and was joined to the header above it.",
                        "%(n)s header lines were not in the form 'Name: value' "
                        "and were joined to the header above them.",
                        joined,
                    )
                    % {"n": joined}
                )
            if dropped:
                notes.append(
                    ngettext(
                        "%(n)s header line was not in the form 'Name: value' "
                        "and was left out.",
                        "%(n)s header lines were not in the form 'Name: value' "
                        "and were left out.",
                        dropped,
                    )
                    % {"n": dropped}
                )
            if not (joined or dropped):
                notes.append(
                    _(
                        "The headers did not end with a blank line; the text "
                        "after the last header was read as the body."
                    )
                )
    except Exception as exc:  # noqa: BLE001 - reported by position, never raised on
        raise BrokenMessage(
            "unparseable",
            _("The message could not be parsed (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    result = ParsedMessage(notes=notes)
    try:
        result.message_id = next(
            iter(message_ids(_header(msg, "message-id", notes))), ""
        )
        parents = message_ids(_header(msg, "references", notes)) + message_ids(
            _header(msg, "in-reply-to", notes)
        )
        result.parent_ids = list(dict.fromkeys(p for p in parents if p))
        result.date = _date(msg, notes)
        result.subject = (
            _header(msg, "subject", notes).replace("\r", "").replace("\n", " ")
        )
        result.participants = _addresses(msg, notes)
    except Exception as exc:  # noqa: BLE001
        raise BrokenMessage(
            "unparseable",
            _("The headers could not be read (%(error)s).")
            % {"error": type(exc).__name__},
        ) from None
    if not (result.participants or result.message_id or result.date):
        # A saved web page (MHTML) or a draft has only a subject or its MIME
        # headers: kept, with a note. Nothing a message would have: refused.
        if not any(msg.get(name) is not None for name in _MESSAGE_HEADERS):
            raise BrokenMessage(
                "no_envelope",
                _(
                    "The message has no From, To, Cc, Date, Message-ID, "
                    "Subject or MIME header."
                ),
            )
        notes.append(
            _("The message has no sender, recipients, date or Message-ID header.")
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
