"""Files uuencoded inline in a plain-text body, and MIME parts whose
transfer encoding is uuencode (docs/messaging.md, parsing/uuencode.py)."""

from __future__ import annotations

import binascii
import io
import time
from pathlib import Path

import pytest

from rekisteri.messaging.importing import import_messages
from rekisteri.messaging.models import Attachment, Message
from rekisteri.messaging.parsing import parse_message
from rekisteri.testing import make_org, make_staff

DATA = Path(__file__).parent / "data"

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
HEAD = (
    "From: Aino Asiakas <aino@example.fi>\nTo: tuki@toimittaja.fi\n"
    "Subject: Tilaus\nMessage-ID: <uu-{n}@example.fi>\n"
    "Date: Mon, 7 Dec 2026 10:00:00 +0200\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n\n"
)
UU_NOTE = "in the text could not be decoded"


def _uu(data: bytes, name: str = "tilaus.pdf", mode: str = "644") -> str:
    """A block as uuencode(1) writes it: 45 bytes a line, backtick, end."""
    lines = [f"begin {mode} {name}"]
    lines += [
        binascii.b2a_uu(data[i : i + 45], backtick=True).decode().rstrip("\n")
        for i in range(0, len(data), 45)
    ]
    return "\n".join([*lines, "`", "end"]) + "\n"


def _message(body: str, n: int = 1, newline: str = "\n") -> bytes:
    return (HEAD.format(n=n) + body).replace("\n", newline).encode("utf-8")


def _notes(parsed) -> list[str]:
    return [note for note in parsed.notes if UU_NOTE in note]


# --------------------------------------------------------------------------
# Inline blocks
# --------------------------------------------------------------------------


def test_one_block_becomes_an_attachment_and_leaves_the_text():
    parsed = parse_message(_message(f"Tässä liite.\n\n{_uu(PDF)}\nTerveisin Aino\n"))
    assert parsed.body == "Tässä liite.\n\nTerveisin Aino"
    [att] = parsed.attachments
    assert (att.filename, att.content_type, att.data) == (
        "tilaus.pdf",
        "application/pdf",
        PDF,
    )
    assert parsed.notes == []


def test_two_blocks_are_two_attachments_in_order():
    photo = bytes(range(200)) * 7
    body = f"Kaksi liitettä:\n\n{_uu(PDF)}\n{_uu(photo, 'kuva.JPG', '600')}\nHei\n"
    parsed = parse_message(_message(body))
    assert parsed.body == "Kaksi liitettä:\n\nHei"
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("tilaus.pdf", "application/pdf", PDF),
        ("kuva.JPG", "image/jpeg", photo),
    ]
    assert parsed.notes == []


def test_a_block_in_crlf_text_is_decoded():
    parsed = parse_message(_message(f"Liite:\n{_uu(PDF)}Hei\n", newline="\r\n"))
    assert parsed.body == "Liite:\nHei"
    [att] = parsed.attachments
    assert att.data == PDF
    assert parsed.notes == []


def test_an_unknown_extension_is_octet_stream_and_an_empty_file_is_kept():
    body = "Tyhjä:\n\nbegin 644 tyhja.zzq\n`\nend\n"
    parsed = parse_message(_message(body))
    assert parsed.body == "Tyhjä:"
    [att] = parsed.attachments
    assert (att.filename, att.content_type, att.data) == (
        "tyhja.zzq",
        "application/octet-stream",
        b"",
    )
    assert parsed.notes == []


def test_a_block_in_an_inline_text_part_is_decoded_but_not_in_an_attached_one():
    # A text part that is an attachment is the sender's file: kept as sent,
    # uuencoded text and all.
    block = _uu(b"data\n", "muistio.txt").encode()
    raw = (
        b"From: a@example.fi\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nEnsimmainen\n"
        b"--b\nContent-Type: text/plain\nContent-Disposition: inline\n\n"
        + block
        + b'--b\nContent-Type: text/plain; name="koodattu.txt"\n\n'
        + block
        + b"--b--\n"
    )
    parsed = parse_message(raw)
    assert parsed.body == "Ensimmainen"
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("muistio.txt", "text/plain", b"data\n"),
        ("koodattu.txt", "text/plain", block[:-1]),  # the newline is the boundary's
    ]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("C:\\Windows\\win.ini", "C:_Windows_win.ini"),
        ("a\x1b[31mb\x07.txt", "a_[31mb_.txt"),
        ("välilyönti ja ä.pdf  ", "välilyönti ja ä.pdf"),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_the_file_name_is_made_safe_as_other_attachment_names_are(name, safe):
    parsed = parse_message(_message(f"Liite:\n{_uu(b'abc', name)}"))
    [att] = parsed.attachments
    assert att.filename == safe
    assert "/" not in att.filename and "\\" not in att.filename
    assert parsed.body == "Liite:"


def _lines(change):
    """A change to the lines of a block of 96 bytes: begin, two full lines,
    one of 6 bytes ("&" and eight characters), backtick, end."""

    def broken(block: str) -> str:
        lines = block.split("\n")
        change(lines)
        return "\n".join(lines)

    return broken


def _set(i, value):
    return _lines(lambda lines: lines.__setitem__(i, value(lines[i])))


@pytest.mark.parametrize(
    "broken",
    [
        # The last line lost characters (it says 6 bytes and carries 4).
        pytest.param(_set(3, lambda line: line[:-3]), id="truncated-last-line"),
        pytest.param(_set(1, lambda line: line[:30] + line[40:]), id="cut-line"),
        pytest.param(_set(2, lambda line: line + "MMMM"), id="long-line"),
        pytest.param(_lines(lambda lines: lines.__delitem__(slice(4, 6))), id="no-end"),
        pytest.param(_set(5, lambda line: ""), id="no-end-after-backtick"),
        pytest.param(_set(1, lambda line: line[:9] + "ö" + line[10:]), id="not-ascii"),
        pytest.param(_set(2, lambda line: line[:9] + "b" + line[10:]), id="bad-char"),
        pytest.param(_set(2, lambda line: line[:9] + "\t" + line[10:]), id="tab"),
        pytest.param(_lines(lambda lines: lines.insert(2, "")), id="blank-inside"),
    ],
)
def test_a_block_that_does_not_decode_stays_in_the_text_with_a_note(broken):
    good = _uu(PDF[:93] + b"abc")
    block = broken(good)
    assert block != good
    parsed = parse_message(_message(f"Liite:\n\n{block}\nHei\n"))
    assert parsed.attachments == []
    assert parsed.body == f"Liite:\n\n{block}\nHei".strip("\n")
    assert _notes(parsed) == [
        "1 uuencoded file in the text could not be decoded and was left in the text."
    ]


def test_a_broken_block_does_not_hide_a_good_one_after_it():
    body = f"begin 644 rikki.bin\nM!!!\n{_uu(PDF)}loppu\n"
    parsed = parse_message(_message(body))
    assert parsed.body == "begin 644 rikki.bin\nM!!!\nloppu"
    assert [a.data for a in parsed.attachments] == [PDF]
    assert len(_notes(parsed)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Aloitetaan: begin 644 x kesken rivin\n`\nend\n",
        "begin 9 x\n`\nend\n",  # no octal mode
        "begin 644\n`\nend\n",  # no name
        "beginning 644 x\n`\nend\n",
    ],
)
def test_text_that_only_looks_like_a_block_is_left_alone_without_a_note(text):
    parsed = parse_message(_message(text + "\n" + _uu(b"abc", "oikea.txt")))
    assert parsed.body == text.strip()
    assert [a.filename for a in parsed.attachments] == ["oikea.txt"]
    assert parsed.notes == []


def test_forty_megabytes_of_junk_begin_lines_are_read_in_linear_time():
    line = b"begin 644 x" + b"M" * 49 + b"\n"  # 61 bytes, as a data line is
    raw = _message("") + line * (40 * 1024 * 1024 // len(line))
    started = time.perf_counter()
    parsed = parse_message(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, elapsed
    assert parsed.attachments == []
    assert len(parsed.body) > 40_000_000
    assert _notes(parsed) == [
        f"{len(raw.splitlines()) - 8} uuencoded files in the text could not be "
        "decoded and were left in the text."
    ]


def test_forty_megabytes_of_data_lines_without_an_end_are_read_in_time():
    junk = ("M" + "!" * 60 + "\n") * (20 * 1024 * 1024 // 62)
    raw = _message("begin 644 x.bin\n" + junk + "begin 644 y.bin\n" + junk)
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 10
    assert parsed.attachments == []
    assert len(_notes(parsed)) == 1


# --------------------------------------------------------------------------
# The limits: an inline file is an attachment like any other
# --------------------------------------------------------------------------


def _import(data: bytes):
    return import_messages(
        actor=make_staff(), stream=io.BytesIO(data), organization=make_org()
    )


@pytest.mark.django_db
def test_no_more_inline_files_are_taken_than_a_message_keeps(settings):
    # 40 MB of empty files would be millions of attachments: past the limit
    # the blocks stay in the text, with a note, and the scan stops.
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS = 2
    rest = _uu(b"2", "f2.txt") + _uu(b"3", "f3.txt")
    blocks = _uu(b"0", "f0.txt") + _uu(b"1", "f1.txt") + rest
    report = _import(_message(f"Neljä:\n{blocks}"))
    assert report.created == 1 and report.errors == []
    assert sorted(a.filename for a in Attachment.objects.all()) == ["f0.txt", "f1.txt"]
    message = Message.objects.get()
    assert message.body == "Neljä:\n" + rest.rstrip("\n")
    assert message.notes == (
        "More uuencoded files were left in the text: a message keeps at most 2 "
        "attachments."
    )


def test_forty_megabytes_of_empty_files_stop_at_the_limit():
    raw = _message("begin 644 x\n`\nend\n" * (40 * 1024 * 1024 // 18))
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 20
    assert len(parsed.attachments) == 200
    assert parsed.notes == [
        "More uuencoded files were left in the text: a message keeps at most 200 "
        "attachments."
    ]


@pytest.mark.django_db
def test_inline_files_over_the_size_limits_are_not_stored_and_are_noted(settings):
    settings.REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES = 1000
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES = 1500
    body = "".join(
        [
            _uu(b"a" * 1001, "iso.bin"),
            _uu(b"b" * 900, "b.bin"),
            _uu(b"c" * 900, "c.bin"),
        ]
    )
    report = _import(_message(body, n=2))
    assert report.created == 1
    assert [a.filename for a in Attachment.objects.all()] == ["b.bin"]
    notes = Message.objects.get().notes
    assert "Attachment 1 (1001 bytes) is over the size limit" in notes
    assert "Attachment 3 would exceed the limit for one message" in notes


# --------------------------------------------------------------------------
# Content-Transfer-Encoding: x-uuencode and its aliases
# --------------------------------------------------------------------------


def _uu_part(cte: str, block: str, name: str = 'name="liite.pdf"') -> bytes:
    return (
        "From: a@example.fi\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nHei\n"
        f"--b\nContent-Type: application/pdf; {name}\n"
        f"Content-Transfer-Encoding: {cte}\n\n{block}--b--\n"
    ).encode()


@pytest.mark.parametrize("cte", ["x-uuencode", "uuencode", "x-uue", "uue", "X-UUE"])
def test_a_part_in_uuencode_transfer_encoding_is_decoded(cte):
    # The standard library's email package decodes these (Python 3.11's
    # Message.get_payload(decode=True)); this keeps that true.
    parsed = parse_message(_uu_part(cte, _uu(PDF, "muu-nimi.pdf")))
    assert parsed.body == "Hei"
    [att] = parsed.attachments
    assert (att.filename, att.content_type, att.data) == (
        "liite.pdf",
        "application/pdf",
        PDF,
    )
    assert parsed.notes == []


def test_a_uuencoded_part_without_a_name_is_named_by_its_begin_line():
    parsed = parse_message(_uu_part("x-uuencode", _uu(PDF, "../tilaus.pdf"), ""))
    [att] = parsed.attachments
    assert (att.filename, att.data) == (".._tilaus.pdf", PDF)


def test_a_uuencoded_part_that_does_not_decode_is_stored_as_sent_with_a_note():
    block = "begin 644 liite.pdf\nthis is not uuencode\n`\nend\n"
    parsed = parse_message(_uu_part("x-uuencode", block))
    [att] = parsed.attachments
    assert att.data == block.encode()[:-1]  # the newline is the boundary's
    assert parsed.notes == [
        "Part 2 is marked as uuencoded but could not be decoded; it was stored as sent."
    ]


def test_an_enron_message_with_an_empty_x_uuencode_part():
    # Eudora sent the Word file's part with its headers and no content.
    raw = (
        DATA / "mikel_content_transfer_encoding_x_uuencode_empty-part.eml"
    ).read_bytes()
    parsed = parse_message(raw)
    assert parsed.subject == "PGP Comments on RTO West Release of Dec. 14"
    assert parsed.body.startswith("Attached are the comments of the Public Generating")
    [att] = parsed.attachments
    assert (att.filename, att.content_type) == (
        "PGP_Cmts_on_12-14-01_Pkg.doc",
        "application/msword",
    )
    assert att.data.strip() == b""
    assert parsed.notes == [
        "Part 2 is marked as uuencoded but could not be decoded; it was stored as sent."
    ]
