"""Files uuencoded inside a plain-text body (no MIME part of their own),
as old mailers and some scripts still send them::

    begin 644 tilaus.pdf
    M)5!$1BTQ+C0*...
    `
    end

:func:`extract_uuencoded` finds each complete block, decodes it and cuts it
out of the text. A block is a ``begin <octal mode> <name>`` line at the
start of a line, data lines, the line of length zero (a backtick, a space,
or an empty line where a server stripped that space; it may be missing)
and an ``end`` line. Every data line must be as long as its length
character says (padding to a group of four is allowed) and hold only
characters of the uuencode alphabet; a block that breaks any of this, or
has no ``end``, is left in the text as it was and counted.

The text is scanned once: a regular expression without backtracking finds
the begin lines that a block's line follows, and Python reads the block's
lines from there; a failed block resumes the scan at the line where it
failed, so no line is read twice and the time is linear in the size of
the text.
Each line is decoded by ``binascii.a2b_uu`` (the ``uu`` module is gone
from Python 3.13).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

_OCTAL = frozenset("01234567")
# The line of length zero: a backtick (or a space, which a server may strip).
_ZERO_LINES = frozenset(("`", ""))


@dataclass
class UUFile:
    name: str  # as written on the begin line: not yet safe to store
    data: bytes


def begin_name(line: str) -> str | None:
    """The file name of a ``begin <octal mode> <name>`` line, else None."""
    if not line.startswith("begin "):
        return None
    mode, space, name = line[6:].partition(" ")
    if not space or not 1 <= len(mode) <= 6 or not _OCTAL.issuperset(mode):
        return None
    name = name.rstrip("\r")
    return name if name[:1].strip() else None


def _data_line(line: str) -> bytes | None:
    """The bytes of one data line, or None when it is not one: a length
    character outside the alphabet, more or fewer characters than that
    length needs, or a character outside the alphabet."""
    first = line[:1]
    if not " " <= first <= "`":
        return None
    size = (ord(first) - 32) & 63  # "`" is zero, as a space is
    chars = len(line) - 1
    # At least the characters that carry the bytes, at most a full last
    # group of four. binascii would read a shorter line as if it ended in
    # zero bits, and hand back a file with a hole in it.
    if not (size * 4 + 2) // 3 <= chars <= (size + 2) // 3 * 4:
        return None
    try:
        return binascii.a2b_uu(line.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        return None


def _line(text: str, start: int) -> tuple[str, int]:
    """The line at ``start`` (without its newline) and where the next begins."""
    end = text.find("\n", start)
    if end < 0:
        return text[start:], len(text)
    return text[start:end], end + 1


def _block(text: str, start: int) -> tuple[bytes | None, int]:
    """Decode the lines of a block from ``start`` (the line after its begin
    line): the data and where the text after its ``end`` line begins, or
    None and where the line that broke it begins."""
    chunks: list[bytes] = []
    pos = start
    while pos < len(text):
        line, after = _line(text, pos)
        line = line.rstrip("\r")
        if line.rstrip(" \t") in _ZERO_LINES:
            if after < len(text):
                end_line, past_end = _line(text, after)
                if end_line.rstrip() == "end":
                    return b"".join(chunks), past_end
            return None, after
        if line.rstrip() == "end":
            return b"".join(chunks), after
        data = _data_line(line)
        if data is None:
            return None, pos
        chunks.append(data)
        pos = after
    return None, len(text)  # no end


# A begin line (its name starts with a character that is not a space), at
# the start of a line: the block's lines are read from there in Python.
# Only fixed, bounded repetition: nothing for the engine to backtrack over.
_BEGIN = re.compile(r"^begin [0-7]{1,6} \S", re.MULTILINE)
# The same line, followed by a line that can go on a block (a length
# character or backtick, "end", a blank line or the end of the text): lines
# after which no block can follow are skipped by the regular expression
# engine, not looked at in Python.
_CANDIDATE = re.compile(
    r"^begin [0-7]{1,6} \S[^\n]*+(?:\n(?=[ -`]|end|\n|\Z)|\Z)", re.MULTILINE
)


def extract_uuencoded(
    text: str, most: int | None = None
) -> tuple[str, list[UUFile], int, bool]:
    """``text`` without its complete uuencoded blocks, the files they hold,
    the number of blocks that did not decode (left in the text), and
    whether the scan stopped at ``most`` files (the rest of the text, and
    any blocks in it, left as it is).

    ``text`` has ``\\n`` line ends. The blank line that set a block apart
    from the text after it goes with the block.
    """
    if "begin " not in text:
        return text, [], 0, False
    kept: list[str] = []
    files: list[UUFile] = []
    keep_from = search = 0
    scanned = len(text)
    stopped = False
    while True:
        match = _CANDIDATE.search(text, search)
        if match is None:
            break
        start, after = match.start(), match.end()
        if most is not None and len(files) >= most:
            stopped, scanned = True, start
            break
        data, stop = _block(text, after)
        if data is None:
            search = max(stop, after)  # the breaking line may begin a block
            continue
        line = text[start:after].rstrip("\n")
        files.append(UUFile(begin_name(line) or "", data))
        blank_before = start == 0 or text[start - 2 : start - 1] in ("\n", "")
        if blank_before and text[stop : stop + 1] == "\n":
            stop += 1
        kept.append(text[keep_from:start])
        keep_from = search = stop
    # Every begin line that is not the first line of a block taken out
    # began one that did not decode.
    failed = len(_BEGIN.findall(text, 0, scanned)) - len(files)
    if not files:
        return text, files, failed, stopped
    kept.append(text[keep_from:])
    return "".join(kept), files, failed, stopped
