"""Real, hostile mail from other mail libraries' test data (data/SOURCES.md):
mislabelled and multibyte charsets, encoded words the address parser
choked on, odd dates, nested and empty MIME structures, TNEF and PGP parts.
Each test asserts what the file says, read off the file by hand."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest

from rekisteri.messaging.importing import iter_raw_messages
from rekisteri.messaging.parsing import parse_message

DATA = Path(__file__).parent / "data"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _only_message(name: str) -> bytes:
    """The one message of an mbox file (its ``From `` line taken off)."""
    fmt, items = iter_raw_messages(io.BytesIO(_read(name)))
    (item,) = list(items)
    assert fmt == "mbox" and item.error is None
    return item.data


def _roles(parsed):
    return [(p.role, p.address, p.display_name) for p in parsed.participants]


# --------------------------------------------------------------------------
# Charsets
# --------------------------------------------------------------------------


def test_iso_2022_jp_subject_over_two_encoded_words_and_7bit_body():
    parsed = parse_message(_read("mimekit_japanese_iso-2022-jp.eml"))
    assert parsed.subject == "日本語メールテスト (testing Japanese emails)"
    assert parsed.body == (
        "Let's see if both subject and body works fine...\n\n"
        "日本語が\n正常に\n送れているか\nテスト."
    )
    assert parsed.date == dt.datetime(
        2015, 7, 22, 1, 2, 29, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert _roles(parsed) == [
        ("from", "x@x.com", "Atsushi Eno"),
        ("to", "x@x.com", "Jeffrey Stedfast"),
    ]
    assert parsed.message_id == "55AE6D15.4010805@veritas-vos-liberabit.com"
    assert parsed.notes == []


def test_utf8_body_labelled_gb2312_is_read_as_utf8_with_a_note():
    # Outlook Express labelled the body GB2312; its bytes are UTF-8. Read
    # as GB2312 (or GB18030) it was mojibake with replacement characters.
    parsed = parse_message(_read("spamscope_mail_test_12_utf8-labelled-gb2312.eml"))
    assert parsed.body.startswith("你好！我公司可代开各类增值税发票，17%专用发票")
    assert "电话：13662615434张经理 （微信同号13662615434）" in parsed.body
    assert "\ufffd" not in parsed.body
    # The headers' encoded words really are GB2312.
    assert parsed.subject == "代开各地增值税发票"
    # To is raw 8-bit UTF-8 ("ü"), no encoded word.
    assert _roles(parsed) == [
        ("from", "baoguan@hotmail.com", "张先生"),
        ("to", "danglüe@email.com", ""),
    ]
    assert parsed.date is not None and parsed.date.utcoffset() == dt.timedelta(hours=8)
    assert parsed.notes == [
        "Text labelled gb2312 was not in that character set but in UTF-8, "
        "and was read as UTF-8."
    ]


def test_an_encoded_word_labelled_wrongly_is_read_as_utf8_with_a_note():
    raw = (
        b"From: =?gb2312?B?5byg5YWI55Sf?= <a@example.cn>\n"  # UTF-8 bytes
        b"Subject: =?iso-8859-8?Q?=D7=A9=D7=9C=D7=95=D7=9D?=\n\nx\n"
    )
    parsed = parse_message(raw)
    assert parsed.sender.display_name == "张先生"
    assert parsed.subject == "שלום"
    assert any("labelled gb2312" in n for n in parsed.notes), parsed.notes


def test_koi8_r_body_with_a_tnef_winmail_dat_kept_as_a_file():
    parsed = parse_message(_read("mimekit_ukr_koi8-r_tnef-winmail.eml"))
    assert parsed.subject == "rr test 7"
    assert parsed.body.startswith("шостий\n")
    assert parsed.body.endswith("RR Test 1")
    [tnef] = parsed.attachments
    assert (tnef.filename, tnef.content_type) == ("winmail.dat", "application/ms-tnef")
    assert len(tnef.data) == 9566
    assert tnef.data[:4] == b'x\x9f>"'  # the TNEF signature 0x223E9F78
    assert parsed.notes == []


def test_russian_html_body_keeps_its_text_and_replaces_the_one_bad_byte():
    # The sender's quoted-printable has "=D1=66" in "т.к.": 0x66 cannot
    # follow 0xD1 in UTF-8. That one character is replaced, with a note.
    parsed = parse_message(_read("spamscope_mail_test_6_russian-html-qp-bad-byte.eml"))
    assert parsed.subject == "Быстрее вкладывайте в золото!"
    assert parsed.sender.display_name == "Время пришло"
    assert parsed.body.startswith("Профиль\n\nСообщения\n\nКонтакты")
    assert "Не пересылайте данное письмо, \ufffdf.к. в нем" in parsed.body
    assert parsed.body.count("\ufffd") == 1
    assert parsed.body.endswith("© 2008-2017, Профессионалы.ru, Все права защищены")
    assert "<p" not in parsed.body and "&copy;" not in parsed.body
    assert [(a.filename, len(a.data)) for a in parsed.attachments] == [
        ("part-2.png", 1546),
        ("part-3.png", 118622),
        ("part-4.png", 1410),
        ("part-5.png", 1532),
    ]
    assert all(a.data.startswith(b"\x89PNG") for a in parsed.attachments)
    assert parsed.notes == ["Some characters could not be decoded and were replaced."]


# --------------------------------------------------------------------------
# Headers: addresses, dates, encoded file names
# --------------------------------------------------------------------------


def test_thousands_of_encoded_words_with_colons_keep_the_real_address():
    # MimeKit's stack-overflow test: To is one address and 2,700 encoded
    # words whose text has unencoded ":" (10:08:28). The address parser
    # read each ":" as a group and recursed into it until the stack ran
    # out; the whole 130 kB header became one "address", with a note.
    started = time.perf_counter()
    parsed = parse_message(
        _read("mimekit_stack-overflow_encoded-words-with-colons.eml")
    )
    assert time.perf_counter() - started < 5
    assert parsed.subject == "Message Subject"
    assert parsed.body == "Message Body"
    # The words after the comma are a name with no address: kept as a name
    # (its first 998 characters), not its first word as an address.
    roles = _roles(parsed)
    assert roles[:2] == [
        ("from", "test@test.com", "test"),
        ("to", "test@test.com", "test"),
    ]
    assert len(roles) == 3
    role, address, name = roles[2]
    assert (role, address) == ("to", "")
    assert name.startswith("date>2017-08-20T10:08:28.617</prdate>") and len(name) == 998
    assert parsed.notes == ["A name in the to header was cut to 998 characters."]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?utf-8?Q?Re:_Matti?= <m@example.fi>", [("m@example.fi", "Re: Matti")]),
        (
            "=?iso-8859-1?Q?M=FCller,_Hans?= <h@example.de>, b@example.fi",
            [("h@example.de", "Müller, Hans"), ("b@example.fi", "")],
        ),
        ("=?utf-8?Q?a<b>?= <c@example.fi>", [("c@example.fi", "a<b>")]),
        # Already quoted, or in a comment: as before.
        (
            '"=?utf-8?Q?M=C3=BCller,_H?=" <h@example.de>',
            [("h@example.de", "Müller, H")],
        ),
        ("c@example.fi (=?utf-8?Q?a:b?=)", [("c@example.fi", "a:b")]),
    ],
)
def test_specials_inside_an_encoded_word_stay_in_the_display_name(header, expected):
    parsed = parse_message(f"From: {header}\nSubject: x\n\nx\n".encode())
    assert [(p.address, p.display_name) for p in parsed.participants] == expected
    assert parsed.notes == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # A name without an address: the whole name, and no address.
        ("Matti Meikäläinen", [("", "Matti Meikäläinen")]),
        (
            "Matti Meikäläinen, b@example.fi",
            [("", "Matti Meikäläinen"), ("b@example.fi", "")],
        ),
        ('"Meikäläinen, Matti"', [("", "Meikäläinen, Matti")]),
        ("=?utf-8?Q?Matti_Meik=C3=A4l=C3=A4inen?=", [("", "Matti Meikäläinen")]),
        # An address without a domain, alone or with a comment: as before.
        ("root (Charlie Root)", [("root", "Charlie Root")]),
        ("Matti <m@example.fi>", [("m@example.fi", "Matti")]),
    ],
)
def test_a_name_without_an_address_is_kept_as_a_name(header, expected):
    raw = f"From: a@example.fi\nTo: {header}\nSubject: x\n\nx\n".encode()
    parsed = parse_message(raw)
    to = [(p.address, p.display_name) for p in parsed.participants if p.role == "to"]
    assert to == expected


def test_a_date_with_milliseconds_and_an_unsigned_zone_is_read():
    # "Tue, 17 Jul 2012 22:23:35.882 0000" (Apache James MIME4J-219), and
    # an unlabelled body with Latin-1 "®" bytes.
    parsed = parse_message(_only_message("mime4j_219_odd-date_unlabelled-8bit.mbox"))
    assert parsed.date == dt.datetime(2012, 7, 17, 22, 23, 35, tzinfo=dt.UTC)
    assert parsed.subject == "[Vm-dev] VM Maker: VMMaker.oscog-eem.186.mcz"
    assert _roles(parsed) == [
        ("from", "commits@source.squeak.org", ""),
        ("to", "vm-dev@lists.squeakfoundation.org", ""),
    ]
    assert "Eliot Miranda uploaded a new version of VMMaker" in parsed.body
    assert '"Table B-1 Intel® 64 and IA-32 Architectures' in parsed.body
    assert "IA-32 Intel® Architecture Software Develo" in parsed.body
    assert "\ufffd" not in parsed.body
    assert parsed.notes == [
        "A text part had 8-bit text and no character set, and it is not UTF-8; "
        "it was read as Windows-1252."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 17 Jul 2012 22:23:35.882 0000", "2012-07-17T22:23:35+00:00"),
        ("Tue, 17 Jul 2012 22:23:35,5 -0800", "2012-07-17T22:23:35-08:00"),
        ("Tue, 17 Jul 2012 22:23:35 0300", "2012-07-17T22:23:35+03:00"),
    ],
)
def test_odd_time_formats_in_a_date_are_read(value, expected):
    parsed = parse_message(f"From: a@example.fi\nDate: {value}\n\nx\n".encode())
    assert parsed.date is not None and parsed.date.isoformat() == expected
    assert parsed.notes == []


def test_japanese_file_name_in_encoded_words_split_over_folded_lines():
    # Apple Mail split the name's UTF-8 between encoded words ("LnR4" is
    # ".tx", the next word's "dA==" the "t") and the subject over four.
    parsed = parse_message(_read("mikel_japanese_attachment_long_name_split-words.eml"))
    assert parsed.subject == "まみむめも" * 10
    [att] = parsed.attachments
    assert att.filename == "かきくけこ" * 5 + ".txt"
    assert att.content_type == "text/plain"
    assert att.data == b"this is the data\r\n"
    assert parsed.body == ""
    assert parsed.notes == []


# --------------------------------------------------------------------------
# MIME structure
# --------------------------------------------------------------------------


def test_message_parts_nested_several_levels_are_kept_whole():
    # RFC 3501's (2060's) sample structure: message/rfc822 parts with
    # multiparts inside, one in a multipart/mixed inside the outer one.
    parsed = parse_message(_read("mimekit_rfc2060_nested-rfc822.eml"))
    assert parsed.body == "This part specifier should be: 1"
    assert parsed.date is None
    names = [(a.filename, a.content_type) for a in parsed.attachments]
    assert names == [
        ("part-2.bin", "application/octet-stream"),
        ("part-3.eml", "message/rfc822"),
        ("part-4.gif", "image/gif"),
        ("part-5.eml", "message/rfc822"),
    ]
    inner = parse_message(parsed.attachments[3].data)
    assert inner.subject == "This part specifier should be: 4.2"
    # 4.2.1, then the plain text of the alternative 4.2.2 (an inline part).
    assert inner.body == (
        "This part specifier should be: 4.2.1\n\nThis part specifier should be: 4.2.2.1"
    )
    [richtext] = inner.attachments
    assert (richtext.filename, richtext.content_type) == ("part-3.rtx", "text/richtext")
    assert richtext.data == b"This part specifier should be: 4.2.2.2\n"
    third = parse_message(parsed.attachments[1].data)
    assert third.body == "This part specifier should be: 3.1"
    assert third.attachments[0].data == b"This part specifier should be: 3.2\n"


def test_an_empty_multipart_alternative_does_not_swallow_the_next_part():
    parsed = parse_message(_read("mimekit_empty-multipart-alternative.eml"))
    assert parsed.subject == "test of empty multipart/alternative"
    assert parsed.body == (
        "This part should be on the same level as the multipart/alternative "
        "and not a child."
    )
    assert parsed.attachments == []
    assert parsed.notes == []


def test_a_message_that_is_only_a_forwarded_digest_keeps_it_as_a_file():
    parsed = parse_message(_only_message("mimekit_multipart-digest_in-rfc822.mbox"))
    assert _roles(parsed) == [("from", "user@domain.org", "")]
    assert parsed.date == dt.datetime(
        2007, 3, 24, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    assert parsed.body == ""
    [att] = parsed.attachments
    assert (att.filename, att.content_type) == ("part-1.eml", "message/rfc822")
    inner = parse_message(att.data)
    assert inner.subject == "submsg"
    assert inner.sender.address == "sub@domain.org"
    # A digest's parts are message/rfc822 unless they say otherwise.
    digest = [parse_message(a.data) for a in inner.attachments]
    assert [(m.subject, m.body) for m in digest] == [
        ("m1", "m1 body"),
        ("m2", "m2 body"),
    ]


def test_a_pgp_signed_message_keeps_its_text_and_the_signature_as_a_file():
    parsed = parse_message(_read("mikel_sig_only_email_pgp-signed.eml"))
    assert parsed.subject == "Re: Testing multipart/signed"
    assert parsed.body == (
        "This is random text, not what has been signed below, ie, this sig\n"
        "email is not signed correctly."
    )
    [sig] = parsed.attachments
    assert (sig.filename, sig.content_type) == (
        "signature.asc",
        "application/pgp-signature",
    )
    assert sig.data.startswith(b"-----BEGIN PGP SIGNATURE-----\r\n")
    assert sig.data.rstrip().endswith(b"-----END PGP SIGNATURE-----")
    assert len(sig.data) == 197


@pytest.mark.parametrize("label", ["", "; charset=us-ascii", "; charset=x-unknown"])
def test_unlabelled_8bit_text_that_is_not_utf8_is_read_as_windows_1252(label):
    head = (
        f"From: a@example.fi\nContent-Type: text/plain{label}\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    ).encode()
    parsed = parse_message(head + b"Hyv\xe4\xe4 p\xe4iv\xe4\xe4 \x96 100 \x80\n")
    assert parsed.body == "Hyvää päivää – 100 €"
    assert any("Windows-1252" in n for n in parsed.notes), parsed.notes
    # UTF-8 stays UTF-8, with no note.
    utf8 = parse_message(head + "Hyvää päivää – 100 €\n".encode())
    assert utf8.body == "Hyvää päivää – 100 €"
    assert utf8.notes == []


def test_a_header_of_megabytes_is_cut_and_read_in_time():
    """The standard library decodes encoded words in time that grows with
    the square of their number: a Subject of 200,000 of them (4 MB, well
    within a message's 40 MB) took minutes. Only its first 256 KiB are
    read, with one note, however often the header is looked at."""
    from rekisteri.messaging.parsing.headers import MAX_HEADER_CHARS

    words = " ".join(["=?utf-8?q?abc=C3=A4?="] * 200_000)
    raw = (
        b"From: Aino <aino@example.fi>\r\nTo: b@example.fi\r\n"
        b"Subject: " + words.encode() + b"\r\n"
        b"Date: Mon, 7 Dec 2026 10:00:00 +0200\r\n\r\nHei\r\n"
    )
    started = time.perf_counter()
    parsed = parse_message(raw)
    assert time.perf_counter() - started < 10
    assert parsed.subject.startswith("abcäabcä")
    assert len(parsed.subject) < MAX_HEADER_CHARS
    cut = [n for n in parsed.notes if "header was longer" in n]
    assert len(cut) == 1, parsed.notes
    assert parsed.body == "Hei"
