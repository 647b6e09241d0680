"""Text helpers: characters safe to store, RFC 3676 ``format=flowed``
unwrapping, HTML to plain text, and charset names fit for a note."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")


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


def charset_label(charset: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "", charset or "")[:40] or "?"


# Labels that mailers put on text written in a larger character set, read as
# that set: the mapping of the WHATWG Encoding Standard, which browsers and
# mail clients follow. Outlook labels Windows-1252 text (its euro sign,
# dashes and typographic quotes) ISO-8859-1, where Latin-1 would read them
# as invisible control characters; GB2312, EUC-KR, Big5 and Shift_JIS
# labels carry GBK/GB18030, Windows-949, HKSCS and Windows-31J characters.
# Keyed by Python's name for the label's own codec.
_LARGER_SET = {
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
}
# Labels mailers use that Python does not know, for sets it has.
_LABELS = {
    "x-gbk": "gbk",
    "gb_2312-80": "gb2312",
    "cn-big5": "big5",
    "x-x-big5": "big5",
    "windows-31j": "cp932",
    "x-sjis": "shift_jis",
    "csshiftjis": "shift_jis",
}


def _codec(charset: str | None) -> str | None:
    label = (charset or "utf-8").strip().lower()
    try:
        return codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None


def is_utf8_label(charset: str | None) -> bool:
    """Whether ``charset`` names UTF-8 (any spelling Python knows)."""
    return _codec(charset) == "utf-8"


def _read(data: bytes, codec: str) -> tuple[str, str] | None:
    """``data`` read by the larger set mailers write under ``codec``'s label
    (``_LARGER_SET``), else by the label's own set, which is where the
    larger one leaves a byte undefined (Windows-1252 leaves five): the text
    and the codec that read it; None when neither reads every byte."""
    for name in (_LARGER_SET.get(codec), codec):
        if name is None:
            continue
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    return None


def _utf8(data: bytes) -> str | None:
    """``data`` as UTF-8, or None when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def readable_charset(data: bytes, charset: str | None) -> str | None:
    """The codec that reads ``data`` as the character set ``charset``
    labels (see :func:`_read`), else ``"utf-8"`` when the bytes are UTF-8
    (a label the mailer put on UTF-8 text, see :func:`decode_text`); None
    when the label is unknown or no codec reads every byte."""
    codec = _codec(charset)
    found = _read(data, codec) if codec is not None else None
    if found is not None:
        return found[1]
    if codec is not None and _utf8(data) is not None:
        return "utf-8"
    return None


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """``data`` as text in the character set ``charset`` labels (see
    :func:`_read`), and what went wrong: ``""``; ``"unknown"`` (a label no
    codec has: read as UTF-8 with replacement characters); ``"utf-8"``
    (bytes not in the set that are UTF-8, as webmail and phones send under
    their default label, GB2312 or ISO-8859-x: read as UTF-8); or
    ``"replaced"`` (bytes not in the set, nor UTF-8: read in the label's
    own set with replacement characters)."""
    codec = _codec(charset)
    if codec is None:
        return data.decode("utf-8", "replace"), "unknown"
    found = _read(data, codec)
    if found is not None:
        return found[0], ""
    text = _utf8(data)
    if text is not None:
        return text, "utf-8"
    return data.decode(codec, "replace"), "replaced"


def charset_note(charset: str | None, problem: str) -> str:
    """The import note for :func:`decode_text`'s ``problem``."""
    if problem == "unknown":
        return _("Unknown or wrong character set %(charset)s: decoded as UTF-8.") % {
            "charset": charset_label(charset)
        }
    if problem == "utf-8":
        return _(
            "Text labelled %(charset)s was not in that character set but in "
            "UTF-8, and was read as UTF-8."
        ) % {"charset": charset_label(charset)}
    return _("Some characters could not be decoded and were replaced.")
