"""Outlook .msg files made in the tests: a small compound file writer
(MS-CFB version 3: 512-byte sectors, a mini stream for streams under 4,096
bytes, no DIFAT) and the MS-OXMSG storages and property tables on top of
it, for what the real files do not show (Exchange addresses beside SMTP
ones, RTF-only bodies, deep nesting, hostile sizes and chains).

``msg_file({tag(0x0037, UNICODE): "Subject"}, recipients=[...],
attachments=[...])``; an attachment may hold ``"embedded": {"props": ...,
"recipients": ..., "attachments": ...}``. :func:`patch_entry` and
:func:`patch_fat` break a written file on purpose.
"""

from __future__ import annotations

import datetime as dt
import struct

UNICODE, STRING8, BINARY, LONG, TIME = 0x001F, 0x001E, 0x0102, 0x0003, 0x0040
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def tag(pid: int, kind: int) -> int:
    return pid << 16 | kind


def filetime(when: dt.datetime) -> int:
    delta = when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10


def _value(kind: int, value) -> bytes:
    if kind == UNICODE:
        return value.encode("utf-16-le")
    if kind in (STRING8, BINARY):
        return bytes(value)
    raise ValueError(kind)


def _object(props: dict, header: int) -> dict:
    """A storage: its property table and a value stream per variable-size
    property."""
    table = bytearray(header)
    tree: dict = {}
    for full, value in props.items():
        kind = full & 0xFFFF
        if kind == LONG:
            table += struct.pack("<IIiI", full, 6, value, 0)
        elif kind == TIME:
            table += struct.pack("<IIQ", full, 6, filetime(value))
        else:
            data = _value(kind, value)
            tree[f"__substg1.0_{full:08X}"] = data
            table += struct.pack("<IIII", full, 6, len(data), 0)
    tree["__properties_version1.0"] = bytes(table)
    return tree


def message_tree(props: dict, recipients=(), attachments=(), header: int = 32):
    tree = _object(props, header)
    for i, recipient in enumerate(recipients):
        tree[f"__recip_version1.0_#{i:08X}"] = _object(recipient, 8)
    for i, attachment in enumerate(attachments):
        attachment = dict(attachment)
        embedded = attachment.pop("embedded", None)
        node = _object(attachment, 8)
        if embedded is not None:
            node["__substg1.0_3701000D"] = message_tree(
                embedded.get("props", {}),
                embedded.get("recipients", ()),
                embedded.get("attachments", ()),
                header=24,
            )
        tree[f"__attach_version1.0_#{i:08X}"] = node
    return tree


def msg_file(props: dict, recipients=(), attachments=(), **options) -> bytes:
    return compound_file(message_tree(props, recipients, attachments), **options)


def props(**values) -> dict:
    """A property table by name: ``props(subject="...", sent=datetime)``."""
    names = {
        "subject": tag(0x0037, UNICODE),
        "body": tag(0x1000, UNICODE),
        "sender_name": tag(0x0C1A, UNICODE),
        "sender_address": tag(0x0C1F, UNICODE),
        "sender_type": tag(0x0C1E, UNICODE),
        "sender_smtp": tag(0x5D01, UNICODE),
        "headers": tag(0x007D, UNICODE),
        "sent": tag(0x0039, TIME),
        "created": tag(0x3007, TIME),
        "rtf": tag(0x1009, BINARY),
        "message_id": tag(0x1035, UNICODE),
    }
    return {names[k]: v for k, v in values.items()}


def recipient(name, address="", kind="SMTP", smtp=None, role=1) -> dict:
    out = {
        tag(0x3001, UNICODE): name,
        tag(0x3003, UNICODE): address,
        tag(0x3002, UNICODE): kind,
        tag(0x0C15, LONG): role,
    }
    if smtp:
        out[tag(0x39FE, UNICODE)] = smtp
    return out


def attachment(name, data, method=1) -> dict:
    return {
        tag(0x3707, UNICODE): name,
        tag(0x3701, BINARY): data,
        tag(0x3705, LONG): method,
    }


# --------------------------------------------------------------------------
# The compound file
# --------------------------------------------------------------------------


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        self.name, self.kind, self.data = name, kind, data
        self.left = self.right = self.child = NOSTREAM
        self.start, self.size = END, 0
        self.kids: list[_Entry] = []


def _entries(tree: dict, root: _Entry, out: list[_Entry]) -> None:
    for name, value in tree.items():
        if isinstance(value, dict):
            entry = _Entry(name, 1)
            _entries(value, entry, out)
        else:
            entry = _Entry(name, 2, value)
        root.kids.append(entry)
    root.kids.sort(key=lambda e: (len(e.name), e.name.upper()))


def _tree(kids: list[_Entry], degenerate: bool) -> int:
    """The sid of the root of a binary search tree of ``kids`` (sorted):
    balanced, or each the right child of the one before."""
    if not kids:
        return NOSTREAM
    if degenerate:
        for a, b in zip(kids, kids[1:], strict=False):
            a.right = b.sid
        return kids[0].sid
    mid = len(kids) // 2
    kids[mid].left = _tree(kids[:mid], degenerate)
    kids[mid].right = _tree(kids[mid + 1 :], degenerate)
    return kids[mid].sid


def compound_file(tree: dict, *, degenerate: bool = False) -> bytes:
    root = _Entry("Root Entry", 5)
    _entries(tree, root, [])
    order: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(order)
        order.append(entry)
        for kid in entry.kids:
            number(kid)

    number(root)
    for entry in order:
        entry.child = _tree(entry.kids, degenerate)
    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        count = (len(data) + 511) // 512
        if not count:
            return END
        first = len(sectors)
        for i in range(count):
            sectors.append(data[i * 512 : (i + 1) * 512].ljust(512, b"\0"))
            fat.append(first + i + 1 if i + 1 < count else END)
        return first

    mini = bytearray()
    minifat: list[int] = []
    for entry in order:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size >= 4096:
            entry.start = allocate(entry.data)
        elif entry.size:
            count = (entry.size + 63) // 64
            entry.start = len(minifat)
            for i in range(count):
                minifat.append(entry.start + i + 1 if i + 1 < count else END)
            mini += entry.data.ljust(count * 64, b"\0")
    root.start, root.size = allocate(bytes(mini)), len(mini)
    minifat_start = allocate(b"".join(struct.pack("<I", n) for n in minifat))
    minifat_sectors = (len(minifat) * 4 + 511) // 512
    directory = b"".join(_direntry(e) for e in order)
    directory += _direntry(None) * (-len(order) % 4)
    dir_start = allocate(directory)
    fat_count = 1
    while len(sectors) + fat_count > fat_count * 128:
        fat_count += 1
    fat_sectors = list(range(len(sectors), len(sectors) + fat_count))
    fat += [FATSECT] * fat_count
    fat += [FREE] * (fat_count * 128 - len(fat))
    table = b"".join(struct.pack("<I", n) for n in fat)
    sectors += [table[i * 512 : (i + 1) * 512] for i in range(fat_count)]
    assert fat_count <= 109
    header = SIGNATURE + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack(
        "<IIIIIIIII",
        0,
        fat_count,
        dir_start,
        0,
        4096,
        minifat_start if minifat else END,
        minifat_sectors,
        END,
        0,
    )
    difat = fat_sectors + [FREE] * (109 - fat_count)
    header += b"".join(struct.pack("<I", n) for n in difat)
    assert len(header) == 512
    return header + b"".join(sectors)


def _direntry(entry: _Entry | None) -> bytes:
    if entry is None:
        empty = struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
        return bytes(64) + empty + bytes(48)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return (
        name.ljust(64, b"\0")
        + struct.pack(
            "<HBBIII", len(name), entry.kind, 1, entry.left, entry.right, entry.child
        )
        + bytes(16 + 4 + 16)
        + struct.pack("<IQ", entry.start if entry.kind != 1 else 0, entry.size)
    )


# --------------------------------------------------------------------------
# Breaking a written file
# --------------------------------------------------------------------------


def _entry_offset(raw: bytes, name: str) -> int:
    (first_dir,) = struct.unpack_from("<I", raw, 48)
    needle = name.encode("utf-16-le") + b"\0\0"
    pos = raw.index(needle, 512 * (first_dir + 1))
    assert pos % 128 == 0
    return pos


def patch_entry(raw: bytes, name: str, *, start: int | None = None, size=None):
    """``raw`` with the directory entry ``name``'s first sector or size
    changed (the first entry of that name)."""
    out = bytearray(raw)
    pos = _entry_offset(raw, name)
    if start is not None:
        struct.pack_into("<I", out, pos + 116, start)
    if size is not None:
        struct.pack_into("<Q", out, pos + 120, size)
    return bytes(out)


def entry_start(raw: bytes, name: str) -> int:
    return struct.unpack_from("<I", raw, _entry_offset(raw, name) + 116)[0]


def patch_fat(raw: bytes, sector: int, value: int) -> bytes:
    """``raw`` with the FAT's entry for ``sector`` set to ``value``."""
    out = bytearray(raw)
    (fat_sector,) = struct.unpack_from("<I", raw, 76 + 4 * (sector // 128))
    struct.pack_into("<I", out, 512 * (fat_sector + 1) + 4 * (sector % 128), value)
    return bytes(out)
