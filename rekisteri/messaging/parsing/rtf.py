"""Outlook's compressed RTF bodies: LZFu decompression (MS-OXRTFCP) and the
readable text of the RTF.

Written from the specifications: [MS-OXRTFCP] for the compression, the RTF
1.9.1 specification for the markup. The text reader keeps what a reader
of the message sees (paragraphs, tabs, characters in the document's code
page and ``\\uN`` escapes) and skips the destinations that are no text
(font and colour tables, style sheets, pictures, objects, and every
``{\\*\\...}`` group, among them the HTML tags of RTF-encapsulated HTML).
Both are bounded: at most ``limit`` bytes of RTF are decompressed and at
most ``limit`` characters of text are read.
"""

from __future__ import annotations

import re
import struct

# [MS-OXRTFCP] 2.1.3.1.1: the dictionary's initial contents.
_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
    b"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
    b"RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
assert len(_PREBUF) == 207
_COMPRESSED = 0x75465A4C  # "LZFu"
_UNCOMPRESSED = 0x414C454D  # "MELA"


class RTFError(ValueError):
    """The compressed RTF is not in a form [MS-OXRTFCP] describes."""


def decompress_rtf(data: bytes, limit: int) -> tuple[bytes, bool]:
    """The RTF of a PR_RTF_COMPRESSED value and whether it was cut at
    ``limit`` bytes. Raises :class:`RTFError` for a header it does not know.

    The header (16 bytes) gives the compressed and raw sizes, the kind
    (``LZFu`` or ``MELA``, stored as is) and a CRC, which is not checked: a
    wrong CRC with a readable body is still the body.
    """
    if len(data) < 16:
        raise RTFError("short header")
    _comp_size, raw_size, kind, _crc = struct.unpack_from("<IIII", data)
    body = data[16:]
    if kind == _UNCOMPRESSED:
        out = body[: min(raw_size, limit)]
        return out, raw_size > limit
    if kind != _COMPRESSED:
        raise RTFError("unknown compression")
    want = min(raw_size, limit)
    window = bytearray(4096)
    window[: len(_PREBUF)] = _PREBUF
    write = len(_PREBUF)
    out = bytearray()
    pos, end = 0, len(body)
    while pos < end and len(out) < want:
        control = body[pos]
        pos += 1
        for bit in range(8):
            if pos >= end or len(out) >= want:
                break
            if not control & (1 << bit):
                byte = body[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) & 0xFFF
                continue
            if pos + 2 > end:
                pos = end
                break
            ref = (body[pos] << 8) | body[pos + 1]
            pos += 2
            offset, length = ref >> 4, (ref & 0xF) + 2
            if offset == write:
                return bytes(out), False  # the end marker
            for _i in range(length):
                byte = window[offset]
                offset = (offset + 1) & 0xFFF
                out.append(byte)
                window[write] = byte
                write = (write + 1) & 0xFFF
    return bytes(out[:want]), raw_size > limit


# Destinations whose contents are no text of the message.
_SKIP = frozenset(
    (
        "fonttbl",
        "colortbl",
        "stylesheet",
        "listtable",
        "listoverridetable",
        "revtbl",
        "rsidtbl",
        "info",
        "pict",
        "object",
        "objdata",
        "themedata",
        "colorschememapping",
        "datastore",
        "latentstyles",
        "header",
        "footer",
        "headerl",
        "headerr",
        "headerf",
        "footerl",
        "footerr",
        "footerf",
        "xmlnstbl",
        "generator",
        "fldinst",
    )
)
_BREAKS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n"}
_CHARS = {
    "tab": "\t",
    "cell": "\t",
    "emdash": "\u2014",
    "endash": "\u2013",
    "emspace": "\u2003",
    "enspace": "\u2002",
    "bullet": "\u2022",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
}
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # a control word and its parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the document's code page
    rb"|\\([^a-zA-Z'])"  # a control symbol
    rb"|([{}])"
    rb"|[\r\n]+"
    rb"|([^\\{}\r\n]+)"
)


def rtf_text(rtf: bytes, limit: int) -> str:
    """The readable text of an RTF document, at most ``limit`` characters."""
    out: list[str] = []
    size = 0
    pending = bytearray()  # bytes of \'hh escapes, decoded together
    codepage = "cp1252"
    # (skipping, characters a \uN escape stands for) of each open group.
    stack: list[tuple[bool, int]] = []
    skip, uc = False, 1
    to_drop = 0  # fallback characters still to skip after a \uN
    star = False

    def flush() -> None:
        nonlocal size
        if pending:
            text = _decode(bytes(pending), codepage)
            pending.clear()
            out.append(text)
            size += len(text)

    def emit(text: str) -> None:
        nonlocal size
        flush()
        out.append(text)
        size += len(text)

    for m in _TOKEN.finditer(rtf):
        if size >= limit:
            break
        word, param, hexbyte, symbol, brace, text = m.groups()
        if brace == b"{":
            flush()
            stack.append((skip, uc))
            star = False
            if len(stack) > 1000:  # an absurd nesting: the rest is no text
                break
            continue
        if brace == b"}":
            flush()
            skip, uc = stack.pop() if stack else (False, 1)
            to_drop = 0
            continue
        if to_drop and (hexbyte or text):
            if hexbyte:
                to_drop -= 1
                continue
            dropped = min(to_drop, len(text))
            to_drop -= dropped
            text = text[dropped:]
            if not text:
                continue
        if word:
            name = word.decode("ascii")
            if name == "ansicpg" and param:
                codepage = _codepage(int(param), codepage)
            elif name == "uc" and param:
                uc = max(0, min(int(param), 10))
            if skip:
                continue
            if name in _SKIP or star:
                skip = True
                star = False
            elif name == "u" and param:
                value = int(param)
                emit(chr(value + 65536 if value < 0 else value % 0x110000))
                to_drop = uc
            elif name in _BREAKS:
                emit(_BREAKS[name])
            elif name in _CHARS:
                emit(_CHARS[name])
            continue
        if symbol:
            if symbol == b"*":
                star = True
            elif not skip and symbol in (b"\\", b"{", b"}"):
                emit(symbol.decode("ascii"))
            elif not skip and symbol == b"~":
                emit("\xa0")
            elif not skip and symbol in (b"\n", b"\r"):
                emit("\n")
            continue
        if skip:
            continue
        if hexbyte:
            pending.append(int(hexbyte, 16))
        elif text:
            emit(_decode(text, codepage))
    flush()
    text = "".join(out)[:limit]
    return re.sub(r"\n{3,}", "\n\n", text.replace("\x00", "")).strip()


def _decode(data: bytes, codepage: str) -> str:
    """Bytes of the document's code page; Windows-1252 where UTF-8 (which
    Outlook names for encapsulated HTML) does not read them."""
    try:
        return data.decode(codepage)
    except UnicodeDecodeError:
        fallback = "cp1252" if codepage == "utf-8" else codepage
        return data.decode(fallback, "replace")


def _codepage(number: int, current: str) -> str:
    name = f"cp{number}" if number != 65001 else "utf-8"
    try:
        b"".decode(name)
    except LookupError:
        return current
    return name
