"""The MIME body: the text parts that make the body, and the attachments
with safe file names."""

from __future__ import annotations

import mimetypes
import posixpath
import re
from email.message import Message
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rekisteri.messaging.conf import setting
from rekisteri.messaging.parsing.headers import (
    decode_words,
)
from rekisteri.messaging.parsing.text import (
    charset_note,
    decode_text,
    html_to_text,
    safe_text,
    unflow,
)
from rekisteri.messaging.parsing.uuencode import extract_uuencoded
from rekisteri.messaging.parsing.values import (
    ParsedAttachment,
)

# Labels that say nothing of 8-bit text: read as UTF-8, else Windows-1252.
_UNLABELLED = frozenset(("us-ascii", "ascii", "unknown-8bit", "x-unknown"))


def _part_text(part: Message, notes: list[str]) -> str:
    """The decoded text of a text/* part (transfer encoding, then charset).

    No charset, or US-ASCII, is read as UTF-8 (its superset; unlabelled
    8-bit mail is UTF-8 far more often than not), and when the bytes are
    not UTF-8, as Windows-1252 with a note (as 8-bit headers are,
    parsing/headers.py); a label that mailers put on a larger set, as the
    larger set (ISO-8859-1 as Windows-1252, parsing/text.py); bytes that
    are not in the labelled set but are UTF-8, as UTF-8 with a note. An
    unknown charset, or bytes that are in neither, are decoded with
    replacement characters and a note.
    """
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    declared = (part.get_content_charset() or "").strip().lower()
    unlabelled = not declared or declared in _UNLABELLED
    charset = "utf-8" if unlabelled else declared
    text, problem = decode_text(payload, charset)
    if problem == "replaced" and unlabelled:
        text, _problem = decode_text(payload, "iso-8859-1")  # Windows-1252
        notes.append(
            _(
                "A text part had 8-bit text and no character set, and it is "
                "not UTF-8; it was read as Windows-1252."
            )
        )
    elif problem:
        notes.append(charset_note(charset, problem))
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
    return safe_filename(name)


# C0 and C1 control characters and DEL: never part of a name to store.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_filename(name: str) -> str:
    """A file name fit to store: no path (``/`` and ``\\`` become ``_``),
    no control characters (``_``), no surrounding whitespace, at most 255
    characters."""
    name = safe_text(name).strip().replace("/", "_").replace("\\", "_")
    return _CONTROL.sub("_", name)[:255]


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


def extension_of_type(ctype: str) -> str:
    """The file name extension of a content type (``.bin`` when unknown)."""
    ext = _EXTENSIONS.get(ctype) or _MIME_TYPES.guess_extension(ctype) or ""
    if not ext:
        ext = ".txt" if ctype.startswith(("text/", "message/")) else ".bin"
    return ext


def _derived_name(part: Message, ctype: str, n: int) -> str:
    """A name for a part that has none: the last segment of its
    Content-Location (MHTML names its parts so), else ``part-N``, with the
    extension of its content type."""
    ext = extension_of_type(ctype)
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


def type_of_name(name: str) -> str:
    """The content type of a file name's extension, from the standard
    library's table; application/octet-stream when it has none."""
    ext = posixpath.splitext(name)[1]
    found = _MIME_TYPES.guess_type("x" + ext)[0] if ext else None
    return found or "application/octet-stream"


# Content-Transfer-Encoding values the standard library decodes as uuencode.
_UU_ENCODINGS = frozenset(("x-uuencode", "uuencode", "uue", "x-uue"))


def _with_uu_files(text: str, attachments: list, notes: list[str]) -> str:
    """``text`` without its uuencoded blocks, which become attachments
    (parsing/uuencode.py); blocks that do not decode stay, with a note.

    No more are taken out than a message keeps attachments
    (``REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS``, counting those before
    them): 40 MB of empty files would be millions of them. The rest stay in
    the text, with a note.
    """
    most = setting("REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS")
    text, files, failed, stopped = extract_uuencoded(
        text, max(most - len(attachments), 0)
    )
    if stopped:
        notes.append(
            _(
                "More uuencoded files were left in the text: a message keeps at "
                "most %(most)s attachments."
            )
            % {"most": most}
        )
    for f in files:
        name = safe_filename(f.name)
        attachments.append(ParsedAttachment(name, type_of_name(name), f.data))
    if failed:
        notes.append(
            ngettext(
                "%(n)s uuencoded file in the text could not be decoded and was "
                "left in the text.",
                "%(n)s uuencoded files in the text could not be decoded and were "
                "left in the text.",
                failed,
            )
            % {"n": failed}
        )
    return text


def _uu_part(part: Message, n: int, notes: list[str]) -> tuple[bytes, str]:
    """The bytes of a part whose transfer encoding is uuencode, and the name
    on its begin line. The standard library decodes the encoding, and hands
    back the part as sent when it cannot: that is kept, with a note."""
    raw = part.get_payload()
    raw = raw if isinstance(raw, str) else ""
    text = raw.replace("\r\n", "\n")
    rest, files, _failed, _stopped = extract_uuencoded(text, 1)
    if len(files) == 1 and not rest.strip():
        return files[0].data, files[0].name
    data = _part_bytes(part)
    try:
        sent = raw.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        sent = raw.encode("raw-unicode-escape")  # as the standard library does
    if data == sent:
        notes.append(
            _(
                "Part %(n)s is marked as uuencoded but could not be decoded; it "
                "was stored as sent."
            )
            % {"n": n}
        )
    return data, ""


def _is_attachment(part: Message, name: str) -> bool:
    disposition = str(part.get("content-disposition") or "").split(";")[0]
    return bool(name) or disposition.strip().lower() == "attachment"


def body_and_attachments(msg: Message, notes: list[str]):
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
            if ctype == "text/plain":
                text = _with_uu_files(text, attachments, notes)
            texts.append(html_to_text(text) if ctype == "text/html" else text)
            continue
        if ctype.startswith("text/") and not _is_attachment(part, name):
            if body_alt and alt == body_alt:
                continue  # another rendering of the body (its HTML twin)
            if ctype == "text/plain":  # an inline text part
                texts.append(
                    _with_uu_files(_part_text(part, notes), attachments, notes)
                )
                continue
        if ctype.startswith("multipart/"):
            continue  # an empty or malformed container
        cte = str(part.get("content-transfer-encoding") or "").strip().lower()
        try:
            if cte in _UU_ENCODINGS and not part.is_multipart():
                data, uu_name = _uu_part(part, n, notes)
                name = name or safe_filename(uu_name)
            else:
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
