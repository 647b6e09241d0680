"""Headers and their encodings: RFC 2047 words and raw 8-bit text decoded,
addresses, dates and Message-IDs read, and broken header blocks mended."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from django.utils.translation import gettext as _

from rekisteri.messaging.choices import ParticipantRole
from rekisteri.messaging.parsing.text import (
    charset_note,
    decode_text,
    is_utf8_label,
    readable_charset,
    safe_text,
)
from rekisteri.messaging.parsing.values import (
    ParsedAddress,
)

ADDRESS_HEADERS = (
    ("from", ParticipantRole.FROM),
    ("to", ParticipantRole.TO),
    ("cc", ParticipantRole.CC),
)


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


_SPACED_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:")


_MSGID = re.compile(r"<([^<>\s]+)>")


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


HEADER_PARSER = BytesParser(policy=_RawHeaders())


_SURROGATE = re.compile(r"[\udc80-\udcff]")


_FOLD = re.compile(r"\r?\n(?=[ \t])")


# Characters of one header value read. The standard library decodes
# encoded words in time that grows with the square of their number (16,000
# words: 0.4 s; a message may hold 40 MB); real headers, a To of a thousand
# recipients included, stay far below this.
MAX_HEADER_CHARS = 256 * 1024


def _note(notes: list[str] | None, text: str) -> None:
    """``text`` noted once, however many times a header is read."""
    if notes is not None and text not in notes:
        notes.append(text)


def _raw_text(value: str, notes: list[str] | None = None) -> str:
    """Header text with raw 8-bit bytes (kept by the parser as surrogate
    escapes) read as UTF-8, or as Windows-1252 when they are not UTF-8;
    at most :data:`MAX_HEADER_CHARS` of it, with a note when it was cut."""
    value = _FOLD.sub("", str(value))
    if len(value) > MAX_HEADER_CHARS:
        value = value[:MAX_HEADER_CHARS]
        _note(
            notes,
            _(
                "A header was longer than %(n)s characters; only its first "
                "%(n)s were read."
            )
            % {"n": MAX_HEADER_CHARS},
        )
    if not _SURROGATE.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        _note(
            notes,
            _(
                "A header had 8-bit text that is not UTF-8; it was read as "
                "Windows-1252."
            ),
        )
        return raw.decode("cp1252", "replace")


def _decode_chunk(data: bytes | str, charset: str | None, notes: list[str]) -> str:
    if isinstance(data, str):
        return data
    text, problem = decode_text(data, charset or "ascii")
    if problem:
        _note(notes, charset_note(charset, problem))
    return text


def decode_words(value: str, notes: list[str] | None = None) -> str:
    """A header value as text: RFC 2047 encoded words decoded, any charset
    (a label read as the larger set its mailers write, parsing/text.py);
    an unknown charset degrades to UTF-8 with replacement characters."""
    notes = notes if notes is not None else []
    text = _raw_text(value, notes)
    if "=?" not in text:
        return safe_text(text)
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - a malformed encoded word stays as sent
        return safe_text(text)
    # Each encoded word's bytes under the codec that reads them, so that
    # make_header (which spaces the words as RFC 2047 says) decodes them so.
    readable = []
    for data, charset in chunks:
        if isinstance(data, bytes) and charset:
            codec = readable_charset(data, charset)
            if codec == "utf-8" and not is_utf8_label(charset):
                _note(notes, charset_note(charset, "utf-8"))
            charset = codec or charset
        readable.append((data, charset))
    chunks = readable
    try:
        decoded = str(make_header(chunks))
    except Exception:  # noqa: BLE001 - LookupError, UnicodeError: chunk by chunk
        decoded = "".join(_decode_chunk(d, c, notes) for d, c in chunks)
    return safe_text(decoded, notes)


def header_text(msg: Message, name: str, notes: list[str]) -> str:
    """The first ``name`` header, decoded (empty when there is none)."""
    value = msg.get(name)
    if value is None:
        return ""
    return decode_words(value if isinstance(value, str) else str(value), notes)


# What a character of an address header is in (RFC 5322 3.2.2-3.2.4): a
# comment (its parentheses included), a quoted string (its quotes
# included), or neither.
_PLAIN, _QUOTED, _COMMENT = "plain", "quoted", "comment"


def _scan(value: str) -> Iterator[tuple[int, str, str]]:
    """Each character of an address header, its index and what it is in
    (``_PLAIN``, ``_QUOTED`` or ``_COMMENT``); comments nest, and a
    backslash escapes the character after it in either."""
    depth = 0
    quoted = escaped = False
    for i, ch in enumerate(value):
        inside = _QUOTED if quoted else _COMMENT if depth else _PLAIN
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"' and not depth:
            quoted, inside = True, _QUOTED
        elif ch == "(":
            depth, inside = depth + 1, _COMMENT
        elif ch == ")" and depth:
            depth -= 1
        yield i, ch, inside


def _without_comments(value: str) -> str:
    """An address header's text with its comments taken out."""
    return "".join(ch for _i, ch, inside in _scan(value) if inside != _COMMENT)


def _names_nobody(value: str) -> bool:
    """Whether an address header names no one: it is blank, or holds only
    groups with no members ("Undisclosed recipients:;", RFC 5322 3.4), as
    a message sent to its Bcc recipients alone says.

    One pass over the characters (a regular expression for the groups
    backtracked: five seconds for a 20,000-character header)."""
    in_group = False  # between a group's colon and its semicolon
    phrase = False  # a display name's characters since the last boundary
    for _i, ch, inside in _scan(value):
        if inside == _COMMENT or (inside == _PLAIN and ch.isspace()):
            continue
        if in_group:
            if inside != _PLAIN or ch != ";":
                return False  # a member: someone is named
            in_group = False
        elif inside == _QUOTED:
            phrase = True
        elif ch == ":":
            in_group, phrase = True, False
        elif ch == ",":
            if phrase:
                return False  # an entry that is no group
        elif ch in "<>@;":
            return False
        else:
            phrase = True
    return not in_group and not phrase


def _comments_out_of_named(value: str) -> str:
    """Comments taken out of the entries written as ``name <address>``:
    there a comment is no part of the name or the address (RFC 5322 3.2.2).
    An entry written as ``address (Name)``, the older form, keeps its
    comment, which is how mailers show its name."""
    if "(" not in value:
        return value
    return ",".join(
        _without_comments(entry) if "<" in entry else entry
        for entry in _split_top_level(value)
    )


# An RFC 2047 encoded word: no spaces, its text free of "?".
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _quote_encoded_words(value: str) -> str:
    """Encoded words in an address header's display names made quoted
    strings. Mailers leave ":", ",", "<" and "@" unencoded inside them
    (``=?utf-8?Q?Re:_M=C3=BCller,_H?= <h@x.de>``), which the address
    parser reads as a group, a second entry or an address; and each ":"
    opens a group it recurses into, so a header of thousands of such
    words overflowed the stack and lost every address in it. Quoted, the
    word stays one name; ``decode_words`` decodes it after the split."""
    if "=?" not in value:
        return value
    where = [inside for _i, _ch, inside in _scan(value)]

    def in_address(start: int, end: int, angle: bool) -> bool:
        """Whether an address's ``<`` is open after ``value[start:end]``
        (brackets in quotes and comments do not count)."""
        for i in range(start, end):
            if where[i] == _PLAIN and value[i] in "<>":
                angle = value[i] == "<"
        return angle

    out: list[str] = []
    last = 0
    angle = False
    for match in _ENCODED_WORD.finditer(value):
        start = match.start()
        angle = in_address(last, start, angle)
        out.append(value[last:start])
        word = match.group()
        if where[start] == _PLAIN and not angle:
            word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            # Inside quotes, a comment or an address: as it was, and the
            # brackets in it count as they did.
            angle = in_address(start, match.end(), angle)
        out.append(word)
        last = match.end()
    out.append(value[last:])
    return "".join(out)


# A display name longer than a header line may be (RFC 5322 2.1.1) is no
# one's name: kept to that length.
MAX_DISPLAY_NAME = 998


def header_addresses(msg: Message, notes: list[str]) -> list[ParsedAddress]:
    found: list[ParsedAddress] = []
    for name, role in ADDRESS_HEADERS:
        values = [
            _quote_encoded_words(_raw_text(v, notes)) for v in (msg.get_all(name) or [])
        ]
        values = [v for v in values if not _names_nobody(v)]
        if not values:
            continue
        # Split first, decode each display name after: a decoded name may
        # contain the commas and brackets that separate addresses.
        try:
            pairs = getaddresses(
                [
                    _addresses_for_bare_names(_quote_names(_comments_out_of_named(v)))
                    for v in values
                ]
            )
        except Exception:  # noqa: BLE001
            pairs = []
        if not any(addr or display for display, addr in pairs):
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
            if len(display) > MAX_DISPLAY_NAME:
                display = display[:MAX_DISPLAY_NAME]
                _note(
                    notes,
                    _("A name in the %(header)s header was cut to %(n)s characters.")
                    % {"header": name, "n": MAX_DISPLAY_NAME},
                )
            found.append(ParsedAddress(role, addr, display))
    return found


def _split_top_level(value: str) -> list[str]:
    """An address header split at the commas that separate its entries
    (not those in quotes, comments or angle brackets)."""
    entries: list[str] = []
    start = 0
    angle = False
    for i, ch, inside in _scan(value):
        if inside != _PLAIN:
            continue
        if ch == "<":
            angle = True
        elif ch == ">":
            angle = False
        elif ch == "," and not angle:
            entries.append(value[start:i])
            start = i + 1
    entries.append(value[start:])
    return entries


_NOT_IN_A_NAME = frozenset('"<>():;')


def _named_address(entry: str) -> tuple[str, str] | None:
    """An entry written ``name <address>`` whose unquoted name holds an
    "@": the name (stripped) and the rest from its "<"; else None. A scan
    from the right, in one pass (a regular expression for it backtracked
    on a long run of "@")."""
    tail = entry.rstrip()
    start = tail.rfind("<")
    if not tail.endswith(">") or start < 0 or ">" in tail[start:-1]:
        return None
    name = entry[:start].strip()
    if "@" not in name or not _NOT_IN_A_NAME.isdisjoint(name):
        return None
    return name, entry[start:]


def _is_bare_name(entry: str) -> bool:
    """Whether an entry is a phrase alone: words or quoted strings with no
    address, group or comment (``Matti Meikäläinen``, as some mailers and
    people write a recipient they have no address for)."""
    words = False
    for _i, ch, inside in _scan(entry):
        if inside == _COMMENT:
            return False
        if inside == _PLAIN and ch in "@<>:;":
            return False
        words = words or not ch.isspace()
    return words


def _addresses_for_bare_names(value: str) -> str:
    """Each entry that is a name alone given an empty address (``<>``): the
    address parser reads such a phrase's first word as an address and drops
    the rest, so "Matti Meikäläinen" became the address "Matti"."""
    entries = _split_top_level(value)
    bare = [_is_bare_name(entry) for entry in entries]
    if not any(bare):
        return value
    return ",".join(
        f"{entry} <>" if alone else entry
        for entry, alone in zip(entries, bare, strict=True)
    )


def _quote_names(value: str) -> str:
    """Quote unquoted display names that contain "@" (``a@b.fi <a@b.fi>``,
    ``Matti @ Acme <m@acme.fi>``): RFC 5322 wants them quoted, many mailers
    do not, and unquoted the parser reads the name as a second address."""
    if "@" not in value or "<" not in value:
        return value
    entries = _split_top_level(value)
    changed = False
    for i, entry in enumerate(entries):
        named = _named_address(entry)
        if named:
            name, address = named
            name = name.replace("\\", "\\\\")
            entries[i] = f' "{name}" {address}'
            changed = True
    return ",".join(entries) if changed else value


# A time with fractions of a second, a zone's sign left out, or both
# ("22:23:35.882 0000", as a Java mailer writes): RFC 5322 has neither.
_ODD_TIME = re.compile(r"(\d{1,2}:\d{2}:\d{2})(?:[.,]\d+)?\s*([+-]?)(\d{4})\b")


def _parse_date(raw: str) -> dt.datetime | None:
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None


def header_date(msg: Message, notes: list[str]) -> dt.datetime | None:
    raw = header_text(msg, "date", notes)
    if not raw:
        return None
    value = _parse_date(raw)
    if value is None:
        mended = _ODD_TIME.sub(lambda m: f"{m[1]} {m[2] or '+'}{m[3]}", raw, count=1)
        if mended != raw:
            value = _parse_date(mended)
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


def unspace_field_names(raw: bytes) -> bytes:
    """Header fields written ``Name : value`` made ``Name: value``.

    Whitespace before the colon is RFC 822's syntax, kept in RFC 5322 as
    obsolete (4.5.3): old archives and some mailers (Exchange) write it.
    Python's parser takes such a line for the end of the header block, and
    a message whose first field is written so for no message at all. Only
    lines of the header block (up to its first blank line) that start a
    field are changed."""
    if b" :" not in raw and b"\t:" not in raw:
        return raw
    lines = raw.splitlines(keepends=True)
    changed = False
    for i, line in enumerate(lines):
        if line in (b"\n", b"\r\n"):
            break
        spaced = _SPACED_NAME.match(line)
        if spaced:
            lines[i] = spaced.group(1) + line[spaced.end() - 1 :]
            changed = True
    return b"".join(lines) if changed else raw


def repair_header_block(raw: bytes) -> tuple[bytes, int, int]:
    """Mend header lines that are neither a field nor a continuation.

    Exchange and Outlook sometimes write a folded header's next line without
    its leading space. The parser stops the header block at such a line and
    reads the rest of the headers and the raw MIME as the body. Before the
    last real header field, such a line continues the field above it when
    that field is free text (Subject, Thread-Topic...), and is left out when
    that field is structured (addresses, dates, ids, MIME), which it would
    corrupt (``Name :`` fields are mended before, by
    :func:`unspace_field_names`). Lines after the last field are where the
    body begins without a blank line, and stay. Returns the mended bytes
    and how many lines were joined and left out.
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
        if field_name and field_name not in _STRUCTURED_HEADERS:
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


def looks_like_headers(raw: bytes) -> bool:
    """Whether ``raw`` starts with a header field (after blank lines)."""
    first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_HEADER_LINE.match(first))
