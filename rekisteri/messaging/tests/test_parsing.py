"""Reading real email into plain values: every sample file, charsets,
transfer encodings, format=flowed, broken input, and round trips."""

from __future__ import annotations

import base64
import io
import re
import time
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekisteri.messaging.mailfiles import iter_eml, iter_mbox, iter_raw_messages
from rekisteri.messaging.parsing import (
    BrokenMessage,
    headers,
    html_to_text,
    parse_message,
    unflow,
)

DATA = Path(__file__).parent / "data"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_quoted_printable_flowed_latin1_body_is_unwrapped_without_gluing_words():
    parsed = parse_message(_read("mimekit_issue1130_iso-8859-1_qp_flowed.eml"))
    assert parsed.subject == "Test of text body with format=flowed; delsp=yes"
    assert 'but now there is a "You do not currently have access' in parsed.body
    assert "at the bottom of the record" in parsed.body
    assert "https://example.com/" in parsed.body
    assert (
        parsed.date is not None and parsed.date.utcoffset().total_seconds() == -5 * 3600
    )
    assert [(p.role, p.address) for p in parsed.participants] == [
        ("from", "unit-tests@mimekit.net"),
        ("to", "unit-tests@mimekit.net"),
    ]


def test_base64_attachment_is_decoded_and_preamble_is_not_the_body():
    parsed = parse_message(_read("mimekit_simple-multipart_base64-attachment.eml"))
    assert parsed.body == "This is the message body."
    assert parsed.message_id == (
        "54AD68C9E3B0184CAC6041320424FD1B5B81E74D@localhost.localdomain"
    )
    [att] = parsed.attachments
    assert att.filename == "attachment.txt"
    assert att.data == b"This is the base64 encoded attachment."


def test_delivery_report_keeps_its_text_and_stores_the_report_parts():
    parsed = parse_message(_read("spamscope_mail_malformed_2_dsn-report.eml"))
    assert "mailbox quota exceeded" in parsed.body
    names = [a.filename for a in parsed.attachments]
    assert names[0] == "DSN57BAC498.txt"
    assert parsed.attachments[0].content_type == "message/delivery-status"
    assert b"Final-Recipient" in parsed.attachments[0].data
    assert parsed.attachments[1].content_type == "message/rfc822-headers"


def test_html_twin_is_dropped_and_an_inline_latin1_text_part_is_kept():
    parsed = parse_message(_read("spamscope_mail_test_3_utf8-qp_iso-8859-1-part.eml"))
    assert parsed.body.startswith("I am sending you the bills")
    assert "<p" not in parsed.body
    [att] = parsed.attachments
    assert att.filename == "message.txt"
    assert b"WatchGuard" in att.data
    assert parsed.sender.display_name == "Ava Oneil"


def test_mbox_is_split_into_messages_with_offsets():
    raw = _read("mimekit_issue1189_utf8_multipart.mbox")
    items = list(iter_mbox(io.BytesIO(raw)))
    assert len(items) >= 2
    assert items[0].index == 1 and items[0].offset == 0
    for item in items:
        assert raw[item.offset :].startswith(b"From ")
        assert item.error is None
    parsed = [parse_message(i.data) for i in items]
    assert parsed[0].subject == "Message 1"
    assert parsed[0].body == "Body of message 1."
    assert parsed[1].attachments[0].filename == "Attachment.zip"


def test_a_byte_order_mark_before_the_first_line_is_skipped():
    # Windows tools save .eml and mbox files with a UTF-8 byte order mark.
    bom = b"\xef\xbb\xbf"
    eml = bom + b"From: <abuse@example.com>\nSubject: FW: Earn money\n\nx\n"
    fmt, items = iter_raw_messages(io.BytesIO(eml))
    (item,) = list(items)
    assert fmt == "eml"
    assert parse_message(item.data).subject == "FW: Earn money"

    mbox = bom + _read("mimekit_issue1189_utf8_multipart.mbox")
    fmt, items = iter_raw_messages(io.BytesIO(mbox))
    items = list(items)
    assert fmt == "mbox"
    assert items[0].error is None and items[0].offset == len(bom)
    for item in items:
        assert mbox[item.offset :].startswith(b"From ")
    assert parse_message(items[0].data).subject == "Message 1"


def test_an_unquoted_body_from_line_without_an_envelope_date_does_not_split():
    raw = _read("mimekit_unmunged_bom.mbox.txt")
    fmt, items = iter_raw_messages(io.BytesIO(raw))
    items = list(items)
    assert fmt == "mbox"
    first = parse_message(items[0].data)
    assert first.subject == "This is a test message with an unmunged From line"
    # "From Russia with love" after a blank line, text after it, no date:
    # the body's own line.
    assert first.body.endswith("From Russia with love\n\nWhat does Thunderbird do?")
    second = parse_message(items[1].data)
    assert second.subject == "Another test message with an unmunged From line"
    # Here a line that reads as a header follows it: that is a message's
    # start, whatever its envelope says, and it splits (as mbox readers do).
    assert len(items) == 3


def test_mbox_from_quoting_is_undone_and_a_body_from_line_does_not_split():
    raw = (
        b"From a@x Thu Jan  1 00:00:00 2026\n"
        b"From: a@example.fi\nSubject: one\n\n"
        b">From the start\nFrom here on\n\n"
        b"From b@x Thu Jan  1 00:00:00 2026\n"
        b"From: b@example.fi\nSubject: two\n\nsecond\n"
    )
    items = list(iter_mbox(io.BytesIO(raw)))
    assert [i.index for i in items] == [1, 2]
    first = parse_message(items[0].data)
    assert first.body.splitlines()[:2] == ["From the start", "From here on"]
    assert items[1].offset == raw.index(b"From b@x")
    assert items[0].envelope_date is not None


def test_oversized_message_is_reported_and_not_held_in_memory():
    big = b"x" * 5000 + b"\n"
    raw = (
        b"From a@x Thu Jan  1 00:00:00 2026\nFrom: a@example.fi\n\n"
        + big * 10
        + b"\nFrom b@x Thu Jan  1 00:00:00 2026\nFrom: b@example.fi\n\nok\n"
    )
    items = list(iter_mbox(io.BytesIO(raw), max_bytes=10_000))
    assert items[0].error[0] == "too_large" and items[0].data == b""
    assert items[1].error is None and b"ok" in items[1].data
    [eml] = list(iter_eml(io.BytesIO(big * 3), max_bytes=10_000))
    assert eml.error[0] == "too_large"


def test_text_before_the_first_from_line_is_reported_as_its_own_message():
    raw = b"garbage\n\nFrom a@x Thu Jan  1 00:00:00 2026\nFrom: a@example.fi\n\nok\n"
    items = list(iter_mbox(io.BytesIO(b"From x\n" + raw[0:0] + raw)))
    assert items[0].error is None  # "From x" starts a (broken) message
    items = list(iter_mbox(io.BytesIO(b"\n" + raw)))
    assert items[0].error[0] == "no_separator"
    assert items[1].index == 2 and items[1].error is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"\x00\x01\x02 binary garbage", "no_headers"),
        (b"just some words\nand more\n", "no_headers"),
        (b"X-Nothing: here\n\nbody\n", "no_envelope"),
        # An OLE compound file's signature (an Outlook .msg's) and no file.
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "msg_unreadable"),
    ],
)
def test_broken_messages_raise_with_a_code(raw, code):
    with pytest.raises(BrokenMessage) as exc:
        parse_message(raw)
    assert exc.value.code == code


def test_unknown_charset_is_degraded_with_a_note():
    raw = (
        b"From: a@example.fi\nSubject: =?x-klingon?q?qapla=27?=\n"
        b"Content-Type: text/plain; charset=x-klingon\n"
        b"Content-Transfer-Encoding: 8bit\n\nHyv\xc3\xa4\xe4 p\xe4iv\xe4\xe4\n"
    )
    parsed = parse_message(raw)
    assert parsed.body.startswith("Hyvä")
    assert "\ufffd" in parsed.body  # the Latin-1 bytes could not be UTF-8
    assert any("x-klingon" in n for n in parsed.notes)
    parsed.subject.encode("utf-8")  # storable


def test_8bit_latin1_and_rfc2047_headers_are_decoded():
    raw = (
        b"From: =?iso-8859-1?q?J=E4rvinen?= <j@example.fi>\n"
        b"To: =?utf-8?b?w4RpdGk=?= <aiti@example.fi>\n"
        b"Subject: =?iso-8859-1?q?P=E4iv=E4=E4?=\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\nT\xe4m\xe4 on viesti.\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Päivää"
    assert parsed.body == "Tämä on viesti.\n".strip() or parsed.body.startswith("Tämä")
    assert [p.display_name for p in parsed.participants] == ["Järvinen", "Äiti"]


def test_windows_1252_text_labelled_iso_8859_1_keeps_its_euro_sign_and_quotes():
    # Outlook labels Windows-1252 text ISO-8859-1; read as Latin-1, its
    # euro sign, dashes and quotes would be invisible control characters.
    raw = (
        b"From: a@example.fi\n"
        b"Subject: =?iso-8859-1?Q?Hinta_100_=80_=96_=94tarjous=94?=\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b"Hinta 100 \x80 \x96 \x94tarjous\x94 p\xe4\xe4tt\xe4\xe4\n"
    )
    parsed = parse_message(raw)
    price = "Hinta 100 \u20ac \u2013 \u201dtarjous\u201d"
    assert parsed.subject == price
    assert parsed.body == price + " p\u00e4\u00e4tt\u00e4\u00e4"
    assert parsed.notes == []


def test_a_byte_windows_1252_leaves_undefined_is_read_as_latin_1():
    raw = (
        b"From: a@example.fi\nContent-Type: text/plain; charset=latin1\n"
        b"Content-Transfer-Encoding: 8bit\n\nA\x81 \xe4\n"
    )
    parsed = parse_message(raw)
    assert parsed.body == "A\x81 \u00e4"


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        # Each label's text in the larger set mailers write under it.
        ("gb2312", "gb18030", "\u4ee3\u5f00\u9555"),
        ("ks_c_5601-1987", "cp949", "\uac02\ud55c"),
        ("big5", "big5hkscs", "\u4e2d\u6587\u43f0"),
        ("shift_jis", "cp932", "\u2460\u65e5\u672c"),
    ],
)
def test_a_label_is_read_as_the_larger_set_its_mailers_write(label, codec, text):
    data = text.encode(codec)
    with pytest.raises(UnicodeDecodeError):
        data.decode(label)
    encoded = base64.b64encode(data).decode()
    raw = (
        f"From: a@example.fi\nSubject: =?{label}?B?{encoded}?=\n"
        f"Content-Type: text/plain; charset={label}\n"
        "Content-Transfer-Encoding: base64\n\n"
        f"{encoded}\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.subject == text
    assert parsed.body == text
    assert parsed.notes == []


def test_bytes_outside_a_known_set_are_replaced_with_a_note():
    raw = (
        b"From: a@example.fi\nSubject: =?utf-8?Q?P=E4iv=E4=E4?=\n"
        b"Content-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\nP\xe4iv\xe4\xe4\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "P\ufffdiv\ufffd\ufffd"
    assert parsed.body == "P\ufffdiv\ufffd\ufffd"
    assert any("could not be decoded" in n for n in parsed.notes), parsed.notes


def test_html_only_body_becomes_text():
    raw = (
        b"From: a@example.fi\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p{}</style></head><body><p>Hei &amp; tervetuloa"
        b"</p><script>x()</script><p>Rivi 2</p></body></html>"
    )
    assert parse_message(raw).body == "Hei & tervetuloa\n\nRivi 2"
    assert html_to_text("<p>a<br>b</p>") == "a\nb"


def test_unflow_rules():
    assert unflow("one \ntwo\nthree") == "one two\nthree"
    assert unflow("> quoted \n> more\nplain") == "> quoted more\nplain"
    assert unflow(" >stuffed") == ">stuffed"
    assert unflow("-- \nsig") == "-- \nsig"
    # delsp removes the generator's space, but not between two words.
    assert unflow("日本 \n語", delsp=True) == "日本語"
    assert unflow("word \nword", delsp=True) == "word word"


# Text parts need an ASCII-compatible charset (RFC 2046 4.1.2), so no UTF-16.
CHARSETS = ["utf-8", "iso-8859-1", "iso-8859-15", "windows-1252", "koi8-r", "big5"]
CTES = ["quoted-printable", "base64", "8bit"]
text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\r\n"
    ),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=text,
    name=text,
    body_lines=st.lists(text, min_size=1, max_size=5),
    charset=st.sampled_from(CHARSETS),
    cte=st.sampled_from(CTES),
)
def test_header_and_body_round_trip_through_any_charset_and_encoding(
    subject, name, body_lines, charset, cte
):
    body = "\n".join(body_lines)
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = Address(display_name=name, addr_spec="sender@example.fi")
    msg["To"] = "to@example.fi"
    msg["Subject"] = subject
    msg["Message-ID"] = "<round@trip.example>"
    msg.set_content(body + "\n", charset=charset, cte=cte)
    parsed = parse_message(msg.as_bytes())
    assert parsed.subject == subject
    assert parsed.body.rstrip("\n") == body
    assert parsed.message_id == "round@trip.example"
    assert parsed.participants[0].address == "sender@example.fi"
    # Python's generator may fold a long display name with a space between
    # encoded words; whitespace is all that may differ.
    got = parsed.participants[0].display_name
    assert "".join(got.split()) == "".join(name.split())


# --------------------------------------------------------------------------
# Real-world defects: each test holds a file or message like the one found.
# --------------------------------------------------------------------------


def test_raw_8bit_utf8_headers_are_read_as_utf8_without_a_note():
    raw = (
        "From: Jürgen Müller <juergen@example.de>\n"
        "To: Päivi Äijälä <paivi@example.fi>\n"
        "Subject: Grüße aus Köln\n"
        "Date: Mon, 1 Jun 2026 10:00:00 +0200\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\nHallo\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße aus Köln"
    assert [p.display_name for p in parsed.participants] == [
        "Jürgen Müller",
        "Päivi Äijälä",
    ]
    assert "Subject: Grüße aus Köln" in parsed.headers
    assert "\ufffd" not in parsed.headers
    assert parsed.notes == []


def test_raw_8bit_headers_that_are_not_utf8_are_read_as_windows_1252_with_a_note():
    raw = (
        "From: Jürgen <juergen@example.de>\n"
        "Subject: Grüße – aus Köln\n"
        "Date: Mon, 1 Jun 2026 10:00:00 +0200\n\nHallo\n"
    ).encode("cp1252")
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße – aus Köln"
    assert parsed.sender.display_name == "Jürgen"
    assert any("Windows-1252" in n for n in parsed.notes)


def test_a_broken_header_line_is_left_out_and_the_rest_are_still_headers():
    # go-mail's fixture: a line that is no header field between To and Subject.
    parsed = parse_message(_read("gomail_invalid-header-line.eml"))
    assert parsed.subject == "Saying Hello"
    assert parsed.message_id == "1234@local.machine.example"
    assert parsed.date is not None and parsed.date.year == 1997
    assert parsed.body == 'This is a message just to say hello.\nSo, "Hello".'
    assert [(p.role, p.address) for p in parsed.participants] == [
        ("from", "jdoe@machine.example"),
        ("to", "mary@example.net"),
    ]
    assert any("left out" in n for n in parsed.notes)


def test_an_exchange_style_unfolded_header_is_joined_and_the_mime_is_parsed():
    raw = (
        b"From: Asiakas <asiakas@example.fi>\r\n"
        b"To: tuki@toimittaja.fi\r\n"
        b"Thread-Topic: Tilauksen 4711 toimitus ja laskutus\r\n"
        b"viivastyy\r\n"
        b"Thread-Index : AdlQ2Ww1234==\r\n"
        b"Subject: Tilaus 4711\r\n"
        b"Date: Tue, 3 Mar 2026 09:15:00 +0000\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n'
        b"\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTeksti\r\n"
        b'--b1\r\nContent-Type: application/pdf; name="tilaus.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Tilaus 4711"
    assert parsed.body == "Teksti"
    assert [a.filename for a in parsed.attachments] == ["tilaus.pdf"]
    assert "Thread-Topic: Tilauksen 4711 toimitus ja laskutus viivastyy" in (
        parsed.headers
    )
    assert "Thread-Index: AdlQ2Ww1234==" in parsed.headers
    assert any("joined" in n for n in parsed.notes)


def test_headers_without_a_blank_line_before_the_body_are_noted():
    parsed = parse_message(b"From: a@example.fi\nSubject: x\nHello there\n")
    assert parsed.body == "Hello there"
    assert any("blank line" in n for n in parsed.notes)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "myynti@acme.fi <myynti@acme.fi>",
            [("myynti@acme.fi", "myynti@acme.fi")],
        ),
        ("Matti @ Acme <matti@acme.fi>", [("matti@acme.fi", "Matti @ Acme")]),
        (
            "matti@acme.fi via Lista <lista@example.org>, b@example.fi",
            [("lista@example.org", "matti@acme.fi via Lista"), ("b@example.fi", "")],
        ),
        ('"x@y.fi" <b@c.fi>', [("b@c.fi", "x@y.fi")]),
        # The older form's comment is the name; in the newer, none is.
        ("matti@acme.fi (Matti Meikäläinen)", [("matti@acme.fi", "Matti Meikäläinen")]),
        (
            'Matti (myynti) <matti@acme.fi> (via Lista), "A (B)" <b@example.fi>',
            [("matti@acme.fi", "Matti"), ("b@example.fi", "A (B)")],
        ),
    ],
)
def test_a_display_name_with_an_at_sign_stays_one_participant(header, expected):
    raw = f"From: {header}\nDate: Mon, 1 Jun 2026 10:00:00 +0000\n\nx\n".encode()
    parsed = parse_message(raw)
    assert [(p.address, p.display_name) for p in parsed.participants] == expected


_NOTE_ADDRESSES = "could not be read as addresses"


@pytest.mark.parametrize(
    "cc",
    [
        "Undisclosed recipients:;",
        "undisclosed-recipients: ;",
        '"Undisclosed recipients": ;',
        # RFC 5322, appendix A.5: comments around an empty group.
        "(Empty list)(start)Undisclosed recipients  :(nobody(that I know))  ;",
        "",
        "   ",
    ],
)
def test_an_empty_group_or_an_empty_header_names_nobody_and_is_not_noted(cc):
    raw = (
        "From: Pete <pete@silly.example>\n"
        "To: A Group:Chris Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n"
        f"Cc: {cc}\n"
        "Date: Thu, 13 Feb 1969 23:32:54 -0330\n\nTesting.\n"
    ).encode()
    parsed = parse_message(raw)
    assert [(p.role, p.address) for p in parsed.participants] == [
        ("from", "pete@silly.example"),
        ("to", "c@a.test"),
        ("to", "joe@where.test"),
        ("to", "jdoe@one.test"),
    ]
    assert not any(_NOTE_ADDRESSES in n for n in parsed.notes), parsed.notes


def test_rfc_2822s_example_of_comments_and_an_empty_group_is_read():
    parsed = parse_message(
        _read("mikel_rfc2822_example10_comments_and_empty_group.eml")
    )
    assert [(p.role, p.address, p.display_name) for p in parsed.participants] == [
        ("from", "pete@silly.test", "Pete"),
        ("to", "c@public.example", "Chris Jones"),
        ("to", "joe@example.org", ""),
        ("to", "jdoe@one.test", "John"),
    ]
    assert parsed.date is not None and parsed.date.year == 1969
    assert parsed.body.strip() == "Testing."
    assert not any(_NOTE_ADDRESSES in n for n in parsed.notes), parsed.notes


_EMPTY_GROUPS_ORACLE = re.compile(r'(?:"(?:[^"\\]|\\.)*"|[^":;,<>@])*:\s*;')


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='ab @<>:;,"\\() \t', max_size=30))
def test_naming_nobody_is_what_the_grammar_says(value):
    # The oracle: comments out, then only empty groups, commas and blanks.
    rest = _EMPTY_GROUPS_ORACLE.sub("", headers._without_comments(value))
    assert headers._names_nobody(value) == (not rest.replace(",", "").strip())


_NAMED_ORACLE = re.compile(r"^\s*([^\"<>():;]*@[^\"<>():;]*?)\s*(<[^<>]*>\s*)$")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='ab @<>:;"() \t', max_size=24))
def test_a_named_address_is_what_the_grammar_says(entry):
    match = _NAMED_ORACLE.match(entry)
    expected = (match.group(1), match.group(2)) if match else None
    assert headers._named_address(entry) == expected


def test_a_long_address_header_is_read_in_linear_time():
    # A regular expression that backtracks took 5 s for 20,000 characters;
    # 400,000 would take half an hour.
    value = "a" * 400_000
    started = time.perf_counter()
    assert headers._names_nobody(value) is False
    # A run of "@" before an unclosed "<": the same for the named entries.
    assert headers._quote_names("a@" * 200_000 + " <") == "a@" * 200_000 + " <"
    assert time.perf_counter() - started < 5


def test_an_empty_group_beside_addresses_leaves_the_addresses():
    raw = (
        b"From: a@example.fi\nTo: b@example.fi, Undisclosed recipients:;\n"
        b"Cc: Friends: c@example.fi, d@example.fi;, e@example.fi\n\nx\n"
    )
    parsed = parse_message(raw)
    assert [p.address for p in parsed.participants] == [
        "a@example.fi",
        "b@example.fi",
        "c@example.fi",
        "d@example.fi",
        "e@example.fi",
    ]
    assert not any(_NOTE_ADDRESSES in n for n in parsed.notes), parsed.notes


@pytest.mark.parametrize("cc", ["::::", ",:::,"])
def test_an_address_header_that_cannot_be_read_is_kept_as_text_with_a_note(cc):
    parsed = parse_message(f"From: a@example.fi\nCc: {cc}\n\nx\n".encode())
    assert [(p.role, p.address) for p in parsed.participants][1:] == [("cc", cc)]
    assert any(_NOTE_ADDRESSES in n for n in parsed.notes), parsed.notes


def test_a_headers_only_mhtml_file_is_kept_with_a_note_and_named_parts():
    # MimeKit's fixture: MIME-Version and Content-Type only, no envelope.
    parsed = parse_message(_read("mimekit_multipart-related-mhtml_headers-only.mht"))
    assert parsed.participants == [] and parsed.date is None
    assert any("no sender" in n for n in parsed.notes)
    [image] = parsed.attachments
    assert image.content_type == "image/png"
    assert image.filename == "image1.png"  # Content-Location "image1" + type
    assert image.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("ctype", "name"),
    [
        ("image/png", "part-2.png"),
        ("image/jpeg", "part-2.jpg"),
        ("application/pdf", "part-2.pdf"),
        ("text/calendar", "part-2.ics"),
        ("application/x-unknown-thing", "part-2.bin"),
    ],
)
def test_an_unnamed_attachment_gets_the_extension_of_its_type(ctype, name):
    raw = (
        b"From: a@example.fi\nContent-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nText\n"
        b"--b\nContent-Type: " + ctype.encode() + b"\n"
        b"Content-Disposition: attachment\n"
        b"Content-Transfer-Encoding: base64\n\nAAEC\n--b--\n"
    )
    [att] = parse_message(raw).attachments
    assert att.filename == name


def test_content_location_names_never_carry_paths_or_odd_characters():
    raw = (
        b"Subject: page\nContent-Type: multipart/related; boundary=b\n\n"
        b"--b\nContent-Type: image/gif\n"
        b"Content-Location: https://example.com/a/b/../kuva%20%C3%A4.gif?x=1\n\n"
        b"GIF89a\n--b--\n"
    )
    [att] = parse_message(raw).attachments
    assert att.filename == "kuva_ä.gif"


# --------------------------------------------------------------------------
# mbox variants
# --------------------------------------------------------------------------


def test_from_lines_without_a_blank_line_before_them_still_split():
    raw = (
        b"From a@x Thu Jan  1 00:00:00 2026\n"
        b"From: a@example.fi\nSubject: one\n\nfirst\n"
        b"From b@x Thu Jan  1 00:00:00 2026\n"
        b"From: b@example.fi\nSubject: two\n\nsecond\n"
        b"From here the text goes on\nand on\n"
    )
    items = list(iter_mbox(io.BytesIO(raw)))
    assert [parse_message(i.data).subject for i in items] == ["one", "two"]
    assert items[1].offset == raw.index(b"From b@x")
    assert parse_message(items[1].data).body.endswith("and on")


def test_mboxrd_quoting_is_undone_one_level():
    raw = (
        b"From a@x Thu Jan  1 00:00:00 2026\n"
        b"From: a@example.fi\nSubject: rd\n\n>>From quoted twice\n>From once\n"
    )
    [item] = list(iter_mbox(io.BytesIO(raw)))
    assert parse_message(item.data).body == ">From quoted twice\nFrom once"


def test_a_content_length_that_matches_keeps_unquoted_from_lines_in_the_body():
    body = b"Hello\n\nFrom the minutes: agreed.\n"
    raw = (
        b"From a@x Thu Jan  1 00:00:00 2026\n"
        b"From: a@example.fi\nSubject: cl2\n"
        b"Content-Length: " + str(len(body)).encode() + b"\n\n" + body + b"\n"
        b"From b@x Thu Jan  1 00:00:00 2026\n"
        b"From: b@example.fi\nSubject: next\n\nsecond\n"
    )
    items = list(iter_mbox(io.BytesIO(raw)))
    assert [parse_message(i.data).subject for i in items] == ["cl2", "next"]
    assert parse_message(items[0].data).body.endswith("From the minutes: agreed.")
    assert items[0].notes == [] and items[1].offset == raw.index(b"From b@x")


def test_a_content_length_that_does_not_match_is_reported_and_from_lines_split():
    # MimeKit's Netscape mbox: "From - " lines straight after the previous
    # message, and Content-Length values that do not match its bytes.
    raw = _read("mimekit_content-length_first4.mbox")
    items = list(iter_mbox(io.BytesIO(raw)))
    assert [i.offset for i in items] == [
        m.start() for m in re.finditer(rb"^From ", raw, re.M)
    ]
    subjects = [parse_message(i.data).subject for i in items]
    assert subjects == [
        "Re: mailusr1@navstar1 3.0b6gold #1",
        "attached image cache test (test 2: inline disposition)",
        "attached image cache test (test 1: attachment disposition)",
        "RE[4]: your generated HTML",
    ]
    assert all("Content-Length" in i.notes[0] for i in items[:3])
    assert items[3].notes == []  # its Content-Length is right


def test_fields_written_with_a_space_before_the_colon_are_read():
    # RFC 822's "Name : value" (obsolete in RFC 5322, 4.5.3), the first
    # field included.
    raw = (
        b"From : Matti <matti@example.fi>\n"
        b"To\t:  b@example.fi\n"
        b"Subject  : Hei : kuulumisia\n"
        b"Date : Mon, 7 Dec 2026 10:00:00 +0200\n"
        b"\n"
        b"Note : the body keeps its own colons\n"
    )
    for message in (raw, b"\r\n" + raw.replace(b"\n", b"\r\n")):
        parsed = parse_message(message)
        assert parsed.subject == "Hei : kuulumisia"
        assert [(p.role, p.address) for p in parsed.participants] == [
            ("from", "matti@example.fi"),
            ("to", "b@example.fi"),
        ]
        assert parsed.date is not None and parsed.date.day == 7
        assert parsed.body == "Note : the body keeps its own colons"
        assert parsed.notes == []


def test_an_mbox_message_whose_from_field_has_a_space_before_the_colon():
    # "From : Matti" is a header field in RFC 822's form, not the next
    # message's envelope line, though it starts with "From ".
    raw = (
        b"From matti@example.fi Mon Dec  7 10:00:00 2026\n"
        b"From : Matti <matti@example.fi>\n"
        b"To: b@example.fi\n"
        b"Subject : Eka\n"
        b"\n"
        b"Ensimmainen\n"
        b"\n"
        b"From b@example.fi Mon Dec  7 11:00:00 2026\n"
        b"From: b@example.fi\n"
        b"Subject: Toka\n"
        b"\n"
        b"Toinen\n"
    )
    items = list(iter_mbox(io.BytesIO(raw)))
    assert [i.error for i in items] == [None, None]
    first, second = (parse_message(i.data) for i in items)
    assert (first.subject, first.body) == ("Eka", "Ensimmainen")
    assert first.sender.address == "matti@example.fi"
    assert (second.subject, second.body) == ("Toka", "Toinen")
