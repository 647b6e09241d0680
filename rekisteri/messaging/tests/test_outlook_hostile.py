"""Hostile Outlook .msg files (parsing/msgfile.py): files that are not
messages, streams that claim more than the file holds, cyclic sector chains,
absurd header counts, deep or huge directories, unreadable streams,
truncations and flipped bytes give BrokenMessage or a message with notes,
never another exception (test_outlook_msg.py reads the well-formed ones)."""

from __future__ import annotations

import datetime as dt
import random
import struct
import sys
import time
from pathlib import Path

import pytest

from rekisteri.messaging.parsing import BrokenMessage, msgfile, parse_message
from rekisteri.messaging.tests.outlook_files import (
    END,
    attachment,
    compound_file,
    entry_start,
    msg_file,
    patch_entry,
    patch_fat,
    props,
    recipient,
)

DATA = Path(__file__).parent / "data" / "outlook"
SENT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_another_office_file_is_no_outlook_message():
    with pytest.raises(BrokenMessage) as exc:
        parse_message(compound_file({"WordDocument": b"x" * 5000}))
    assert exc.value.code == "msg_not_message"


def _broken(raw: bytes) -> BrokenMessage:
    started = time.monotonic()
    with pytest.raises(BrokenMessage) as exc:
        parse_message(raw)
    assert time.monotonic() - started < 2
    assert exc.value.code == "msg_unreadable"
    return exc.value


def test_a_stream_claiming_more_than_the_file_is_refused():
    raw = msg_file(props(subject="x", body="y" * 5000, sent=SENT))
    _broken(patch_entry(raw, "__substg1.0_1000001F", size=0xFFFFFFFF))


def test_streams_sharing_a_cyclic_chain_cannot_read_more_than_the_file():
    # Three 5,000-byte attachments, each chain a loop on its own first
    # sector and each claiming nearly the whole file: olefile reads the
    # sector again and again; the budget (twice the file) stops it.
    raw = msg_file(
        props(subject="Kehä", sent=SENT),
        attachments=[attachment(f"{n}.bin", bytes([n]) * 5000) for n in range(3)],
    )
    starts = []
    pos = 0
    needle = "__substg1.0_37010102".encode("utf-16-le")
    while (pos := raw.find(needle, pos + 1)) > 0:
        starts.append(struct.unpack_from("<I", raw, pos + 116)[0])
        raw = raw[: pos + 120] + struct.pack("<Q", len(raw) - 2048) + raw[pos + 128 :]
    assert len(starts) == 3
    for first in starts:
        raw = patch_fat(raw, first, first)
    _broken(raw)


def test_absurd_header_counts_are_refused_before_olefile_reads_them():
    raw = bytearray(_read("quick.msg"))
    struct.pack_into("<I", raw, 44, 0x7FFFFFFF)  # FAT sectors
    _broken(bytes(raw))
    raw = bytearray(_read("quick.msg"))
    struct.pack_into("<I", raw, 64, 0x7FFFFFFF)  # MiniFAT sectors
    _broken(bytes(raw))


def test_a_directory_nested_too_deeply_or_too_large_is_refused(monkeypatch):
    # The recipients' storages hang in a list deeper than Python recurses.
    deep = sys.getrecursionlimit() + 100
    recipients = [recipient(f"R{n}", f"r{n}@x.fi") for n in range(deep)]
    raw = msg_file({}, recipients=recipients, degenerate=True)
    assert "nested too deeply" in _broken(raw).message
    monkeypatch.setattr(msgfile, "MAX_ENTRIES", 20)
    assert "too many parts" in _broken(_read("quick.msg")).message


def test_a_stream_that_cannot_be_read_is_left_out_with_a_note():
    raw = msg_file(props(subject="", body="Teksti", sent=SENT))
    assert entry_start(raw, "__substg1.0_0037001F") == END  # empty
    parsed = parse_message(patch_entry(raw, "__substg1.0_0037001F", start=5))
    assert (parsed.subject, parsed.body) == ("", "Teksti")
    assert parsed.notes == ["A part of the Outlook file could not be read."]


def test_truncated_files_give_a_refusal_or_a_message():
    raw = _read("attachment_test_msg.msg")
    for length in (8, 100, 511, 512, 513, 2048, 4096, len(raw) // 2, len(raw) - 1):
        try:
            parsed = parse_message(raw[:length])
        except BrokenMessage as exc:
            assert exc.code == "msg_unreadable", length
        else:
            assert parsed.subject == "test pi\u00e8ce jointe 1", length


def test_flipped_bytes_give_a_refusal_or_a_message():
    raw = _read("quick.msg")
    rng = random.Random(2026)
    outcomes = {"broken": 0, "parsed": 0}
    started = time.monotonic()
    for _ in range(300):
        data = bytearray(raw)
        for _flip in range(rng.randint(1, 8)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)
        try:
            parsed = parse_message(bytes(data))
        except BrokenMessage as exc:
            assert exc.code in ("msg_unreadable", "msg_not_message")
            outcomes["broken"] += 1
        else:
            parsed.subject.encode("utf-8")  # storable
            assert all(
                "\n" not in p.display_name and "\x00" not in p.address
                for p in parsed.participants
            )
            outcomes["parsed"] += 1
    assert outcomes["broken"] and outcomes["parsed"]
    assert time.monotonic() - started < 5
