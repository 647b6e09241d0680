"""Reading mail files: ``.eml`` and Outlook ``.msg`` files and mboxes, one
message at a time, in constant memory.

:func:`iter_raw_messages` streams a file line by line and yields each
message's bytes with its position (1-based index and the byte offset of its
``From `` line), holding one message at a time; a message over the size
limit is skipped to its end and reported, not read into memory.
:mod:`rekisteri.messaging.importing` parses and stores what it yields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _

from rekisteri.core.bom import skip_bom
from rekisteri.messaging.conf import setting
from rekisteri.messaging.parsing.msgfile import OLE_SIGNATURE

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
