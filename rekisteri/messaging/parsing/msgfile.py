"""The property layer of an Outlook ``.msg`` file (MS-OXMSG 2.1-2.4): its
storages, fixed-size property tables and value streams, and the code pages
of its 8-bit strings, on top of olefile's compound file (MS-CFB).

Written from [MS-OXMSG] and [MS-OXPROPS]; olefile (BSD) reads the compound
file. (extract-msg, the maintained Python .msg library, is GPL-3.0, which
this project cannot ship.)

Hostile files: the header's counts are checked against the file's size
before olefile reads its tables; every stream's size is checked against a
limit and what is left of a budget of twice the file's size before it is
read (an honest file's streams hold its size at most), so sector chains
that are shared or cyclic cannot make it read more; the directory's
entries are bounded. Whatever olefile refuses is a :class:`BrokenMessage`;
a stream that cannot be read is left out, with a note, unless it is the
message's own property table.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from dataclasses import dataclass
from typing import Any

import olefile
from django.utils.translation import gettext as _

from rekisteri.messaging.parsing.text import charset_note, decode_text
from rekisteri.messaging.parsing.values import BrokenMessage

# The signature of an OLE compound file, which an Outlook .msg is.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MAX_ENTRIES = 50_000  # directory entries (9,300 for 1,300 recipients)
MAX_SHORT = 64 * 1024  # bytes of a name, an address, an id, a subject
_MAX_PROPERTIES = 1 << 20  # bytes of one property table (65,000 entries)

PROPERTIES = "__properties_version1.0"
VALUE = "__substg1.0_"
# Bytes before a property table's entries: the top level, an attached
# message, a recipient or attachment (MS-OXMSG 2.4.1).
TOP, NESTED, OBJECT = 32, 24, 8
_UNICODE, _STRING8, BINARY = 0x001F, 0x001E, 0x0102

# Windows code pages Python names otherwise than cpNNN.
_CODEPAGES = {
    65001: "utf-8",
    20127: "ascii",
    20866: "koi8-r",
    21866: "koi8-u",
    50220: "iso2022_jp",
    50221: "iso2022_jp",
    50222: "iso2022_jp",
    51932: "euc_jp",
    51949: "euc_kr",
    52936: "hz",
    54936: "gb18030",
    10000: "mac_roman",
    **{28590 + n: f"iso8859_{n}" for n in range(1, 16)},
}
# The ANSI code page of a Windows locale's language, where it is not
# Windows-1252 (Finnish, Swedish, English and the rest of Western Europe).
_LANGUAGE_CODEPAGES = {
    0x01: 1256, 0x02: 1251, 0x04: 936, 0x05: 1250, 0x08: 1253, 0x0D: 1255,
    0x0E: 1250, 0x11: 932, 0x12: 949, 0x15: 1250, 0x18: 1250, 0x19: 1251,
    0x1A: 1250, 0x1B: 1250, 0x1C: 1250, 0x1E: 874, 0x1F: 1254, 0x20: 1256,
    0x22: 1251, 0x23: 1251, 0x24: 1250, 0x25: 1257, 0x26: 1257, 0x27: 1257,
    0x29: 1256, 0x2A: 1258, 0x2F: 1251, 0x3F: 1251,
}  # fmt: skip
_LOCALE_CODEPAGES = {0x0404: 950, 0x0C04: 950, 0x1404: 950, 0x0C1A: 1251}
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def unreadable(reason: str) -> BrokenMessage:
    return BrokenMessage(
        "msg_unreadable",
        _("The Outlook message file could not be read (%(reason)s).")
        % {"reason": reason},
    )


class _Bounded(olefile.OleFileIO):
    """olefile with bounds of its own on what a hostile file makes it do.

    Its check that no two streams start at the same sector keeps the
    sectors seen in a list, which takes time that grows with the square of
    the entries: a set here. The directory's entries are counted as olefile
    loads them. (Both are olefile 0.47's hooks; the tests exercise them.)
    """

    def __init__(self, data: bytes) -> None:
        self._loaded = 0
        self._starts: tuple[set[int], set[int]] = (set(), set())
        # A file object: olefile would take bytes shorter than 1,536 for
        # the name of a file to open.
        super().__init__(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)

    def _check_duplicate_stream(self, first_sect: int, minifat: bool = False) -> None:
        if not minifat and first_sect in (
            olefile.DIFSECT,
            olefile.FATSECT,
            olefile.ENDOFCHAIN,
            olefile.FREESECT,
        ):
            return
        seen = self._starts[1 if minifat else 0]
        if first_sect in seen:
            self._raise_defect(olefile.DEFECT_INCORRECT, "Stream referenced twice")
        seen.add(first_sect)

    def _load_direntry(self, sid: int) -> Any:
        self._loaded += 1
        if self._loaded > MAX_ENTRIES:
            raise unreadable(_("it has too many parts"))
        return super()._load_direntry(sid)

    def read_entry(self, entry: Any) -> bytes:
        return self._open(entry.isectStart, entry.size).read()


def _check_header(raw: bytes) -> None:
    """Refuse counts in the compound file's header that no file of this
    size has: olefile reads as many FAT sectors as the header says (each
    one copying the table so far), and a cyclic DIFAT repeats them."""
    if len(raw) < 512:
        raise unreadable(_("the file is cut short"))
    (shift,) = struct.unpack_from("<H", raw, 30)
    if shift not in (9, 12):
        raise unreadable(_("the file is damaged"))
    size = 1 << shift
    sectors = (len(raw) + size - 1) // size - 1
    fat, _dir, _sig, _cut, _mini, minifat, _difat, difat = struct.unpack_from(
        "<8I", raw, 44
    )
    if fat > sectors // (size // 4) + 8 or minifat > sectors or difat > sectors:
        raise unreadable(_("the file is damaged"))


def open_compound_file(raw: bytes) -> Any:
    """The compound file of ``raw`` (a context manager), or BrokenMessage."""
    _check_header(raw)
    try:
        return _Bounded(raw)
    except BrokenMessage:
        raise
    except RecursionError:
        raise unreadable(_("its directory is nested too deeply")) from None
    except Exception:  # noqa: BLE001 - olefile raises many kinds
        raise unreadable(_("the file is damaged or cut short")) from None


@dataclass
class Node:
    """A storage of the file: its fixed-size properties (id: (type, 8
    bytes)), its value streams (property tag: entry) and its storages
    (lower-case name: entry)."""

    props: dict[int, tuple[int, bytes]]
    streams: dict[int, Any]
    storages: dict[str, Any]


def _codec(codepage: int | None) -> str | None:
    if not codepage:
        return None
    name = _CODEPAGES.get(codepage) or f"cp{codepage}"
    try:
        b"".decode(name)
    except LookupError:
        return None
    return name


def _filetime(value: bytes) -> dt.datetime | None:
    (ticks,) = struct.unpack("<Q", value)
    try:
        when = _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
    return when if when.year >= 1970 else None


@dataclass
class Codepages:
    """Codecs of a message's 8-bit strings (None: unknown)."""

    general: str | None  # names, subject, headers
    body: str | None  # an 8-bit PR_BODY
    internet: str | None  # PidTagInternetCodepage: an HTML body's


class PropertyReader:
    """Streams and properties of one compound file, within a budget of
    bytes; notes on what was left out."""

    # The fixed-size properties kept from a property table.
    FIXED: frozenset[int] = frozenset()

    def __init__(self, ole: Any, budget: int) -> None:
        self.ole = ole
        self.budget = budget
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def read(self, entry: Any, limit: int, *, required: bool = False) -> bytes | None:
        """A stream's bytes, None when it is over ``limit`` or unreadable
        (BrokenMessage when it is ``required``). Its size is checked before
        it is read, against the budget (twice the file's size: no honest
        file reads more than its own) and ``limit``."""
        if entry.size > self.budget:
            raise unreadable(_("its parts claim more data than the file holds"))
        if entry.size > limit:
            self.note(_("A part of the Outlook file was too large and was left out."))
            return None
        self.budget -= entry.size
        try:
            return self.ole.read_entry(entry)
        except Exception:  # noqa: BLE001 - olefile raises many kinds
            if required:
                raise unreadable(_("the file is damaged or cut short")) from None
            self.note(_("A part of the Outlook file could not be read."))
            return None

    def node(self, entry: Any, header: int) -> Node:
        """The storage ``entry``; ``header``: TOP, NESTED or OBJECT."""
        node = Node({}, {}, {})
        for kid in entry.kids:
            name = kid.name.lower()
            if kid.entry_type == olefile.STGTY_STORAGE:
                node.storages[name] = kid
            elif kid.entry_type != olefile.STGTY_STREAM:
                continue
            elif name.startswith(VALUE):
                try:
                    node.streams[int(name[len(VALUE) :], 16)] = kid
                except ValueError:
                    continue
            elif name == PROPERTIES:
                # The message's own table (its times, code pages, class):
                # a file that has lost it has lost the rest too.
                data = self.read(kid, _MAX_PROPERTIES, required=header == TOP)
                data = data or b""
                if len(data) < header or (len(data) - header) % 16:
                    self.note(_("A property table of the Outlook file is damaged."))
                for pos in range(header, len(data) - 15, 16):
                    tag, _flags, value = struct.unpack_from("<II8s", data, pos)
                    if tag >> 16 in self.FIXED:
                        node.props[tag >> 16] = (tag & 0xFFFF, value)
        return node

    def number(self, node: Node, pid: int) -> int | None:
        kind, value = node.props.get(pid, (0, b""))
        if kind == 0x0003:
            return struct.unpack_from("<i", value)[0]
        if kind == 0x0002:
            return struct.unpack_from("<h", value)[0]
        return None

    def time(self, node: Node, pid: int) -> dt.datetime | None:
        kind, value = node.props.get(pid, (0, b""))
        return _filetime(value) if kind == 0x0040 else None

    def codepages(self, node: Node) -> Codepages:
        """PidTagMessageCodepage (0x3FFD), else the code page of the
        locale (PidTagMessageLocaleId, 0x3FF1), else the internet code page
        (0x3FDE) names the general one. Outlook's 8-bit bodies are in the
        internet code page, except that it names UTF-8 there for 8-bit
        text that is not."""
        internet = self.number(node, 0x3FDE)
        locale = (self.number(node, 0x3FF1) or 0) & 0xFFFF
        general = _codec(self.number(node, 0x3FFD)) or _codec(
            _LOCALE_CODEPAGES.get(locale)
            or (_LANGUAGE_CODEPAGES.get(locale & 0x3FF, 1252) if locale else None)
        )
        if general is None and internet != 65001:
            general = _codec(internet)
        body = _codec(internet) if internet != 65001 else general
        return Codepages(general, body, _codec(internet))

    def text(
        self, node: Node, pid: int, codec: str | None, limit: int = MAX_SHORT
    ) -> str | None:
        """A string property: UTF-16LE, or 8-bit in ``codec`` (unknown:
        UTF-8, else Windows-1252); up to its first NUL."""
        entry = node.streams.get(pid << 16 | _UNICODE)
        if entry is not None:
            data = self.read(entry, limit)
            if data is None:
                return None
            text = data[: len(data) // 2 * 2].decode("utf-16-le", "replace")
            if "\ufffd" in text:
                self.note(_("Some characters could not be decoded and were replaced."))
            return text.split("\x00", 1)[0]
        entry = node.streams.get(pid << 16 | _STRING8)
        if entry is None:
            return None
        data = self.read(entry, limit)
        if data is None:
            return None
        return self.decode(data.split(b"\x00", 1)[0], codec)

    def decode(self, data: bytes, codec: str | None) -> str:
        if codec is None:
            text, problem = decode_text(data, "utf-8")
            if problem:
                text, _problem = decode_text(data, "cp1252")
                self.note(
                    _(
                        "8-bit text of the Outlook file had no code page and is not "
                        "UTF-8; it was read as Windows-1252."
                    )
                )
            return text
        text, problem = decode_text(data, codec)
        if problem:
            self.note(charset_note(codec, problem))
        return text

    def binary(self, node: Node, pid: int, limit: int) -> bytes | None:
        entry = node.streams.get(pid << 16 | BINARY)
        return None if entry is None else self.read(entry, limit)
