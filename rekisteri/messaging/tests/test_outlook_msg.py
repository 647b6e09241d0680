"""Outlook .msg files (parsing/outlook.py, parsing/msgfile.py, parsing/rtf.py).

Apache POI's real files (data/outlook/SOURCES.md), each asserted with the
facts POI's own tests state for it (the test class is named at each test);
files made here (outlook_files.py) for what the real ones do not show;
POI's fuzzer cases; and an upload through the staff page into a person's
history. Hostile files made here are test_outlook_hostile.py's.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rekisteri.messaging.choices import ImportSource
from rekisteri.messaging.importing import import_messages, iter_raw_messages
from rekisteri.messaging.models import Attachment, Message, MessageParticipant
from rekisteri.messaging.parsing import BrokenMessage, outlook, parse_message
from rekisteri.messaging.parsing.rtf import decompress_rtf, rtf_text
from rekisteri.messaging.tests.outlook_files import (
    BINARY,
    LONG,
    STRING8,
    attachment,
    msg_file,
    patch_entry,
    props,
    recipient,
    tag,
)
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

DATA = Path(__file__).parent / "data" / "outlook"
UTC = dt.UTC


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _parse(name: str):
    return parse_message(_read(name))


def _roles(parsed):
    return [(p.role, p.address, p.display_name) for p in parsed.participants]


def _files(parsed):
    return [(a.filename, a.content_type, len(a.data)) for a in parsed.attachments]


EXCHANGE_NOTE = (
    "1 participant had an Exchange address and no email address; only the name "
    "was kept."
)


# --------------------------------------------------------------------------
# Apache POI's files
# --------------------------------------------------------------------------


def test_quick_exchange_sender_and_recipient_with_smtp_address():
    # TestBasics, TestPOIFSChunkParser.testFindsCore/testFindsRecips,
    # TestOutlookTextExtractor.testQuick: the recipient's address is an
    # Exchange DN (/O=HOSTEDSERVICE2/...) with its SMTP address beside it;
    # the sender has the DN alone.
    parsed = _parse("quick.msg")
    assert parsed.subject == "Test the content transformer"
    assert _roles(parsed) == [
        ("from", "", "Kevin Roast"),
        ("to", "kevin.roast@alfresco.org", "Kevin Roast"),
    ]
    assert parsed.body == "The quick brown fox jumps over the lazy dog"
    assert parsed.attachments == []
    # PR_CLIENT_SUBMIT_TIME (POI's 09:42:55 is the submission id's time).
    assert parsed.date == dt.datetime(2007, 6, 14, 9, 42, 53, tzinfo=UTC)
    assert parsed.message_id == (
        "B17B1CFF4282214AB8BAADDDC20711220E0C025E@THHS2EXBE1X.hostedservice2.net"
    )
    assert parsed.notes == [EXCHANGE_NOTE]
    assert "/O=" not in parsed.headers


def test_transport_headers_are_the_received_messages_header_block():
    # TestBasics.testHeaders: 26 header lines, the second "Envelope-to:
    # travis@overwrittenstack.com", the last "X-Antivirus-Scanner: Clean...";
    # TestSimpleFileRead, TestOutlookTextExtractor.testSimple.
    parsed = _parse("simple_test_msg.msg")
    assert parsed.subject == "test message"
    assert parsed.body == "This is a test message."
    assert _roles(parsed) == [
        ("from", "travis@overwrittenstack.com", "Travis Ferguson"),
        ("to", "travis@overwrittenstack.com", ""),
    ]
    assert parsed.date == dt.datetime(2007, 7, 6, 5, 27, 17, tzinfo=UTC)
    lines = parsed.headers.splitlines()
    assert lines[0] == "Return-path: <travis@overwrittenstack.com>"
    assert lines[1] == "Envelope-to: travis@overwrittenstack.com"
    assert "X-Antivirus-Scanner: Clean mail though you should still use" in (
        parsed.headers
    )
    assert parsed.message_id == (
        "PGEFIIKPGDMKMJKEOPLDIEBICAAA.travis@overwrittenstack.com"
    )
    assert parsed.notes == []


RECEIVED_TO = [
    ("to", "ashutosh.dandavate@alfresco.com", "'Ashutosh Dandavate'"),
    ("to", "paul.hh@alfresco.com", "'Paul Holmes-Higgin'"),
    ("to", "mikef@alfresco.com", "'Mike Farman'"),
]


def test_received_message_takes_its_participants_from_the_transport_headers():
    # TestOutlookTextExtractor.testReceivedWithMultipleRecipients: To the
    # three, CC "nickb@alfresco.com; nick.burch@alfresco.com; 'Roy
    # Wetherall' <roy.wetherall@alfresco.com>", no BCC, Date 11 Jan 2010 16:2x.
    parsed = _parse("example_received_regular.msg")
    assert parsed.subject == "This is a test message please ignore"
    assert _roles(parsed) == [
        ("from", "mike.farman@alfresco.com", "Mike Farman"),
        *RECEIVED_TO,
        ("cc", "nickb@alfresco.com", ""),
        ("cc", "nick.burch@alfresco.com", ""),
        ("cc", "roy.wetherall@alfresco.com", "'Roy Wetherall'"),
    ]
    assert "Bcc" not in parsed.headers
    assert parsed.date == dt.datetime(2010, 1, 11, 16, 25, 7, tzinfo=UTC)
    assert "The quick brown fox jumps over the lazy dog" in parsed.body
    assert _files(parsed) == [("alfresco.gif", "image/gif", 16174)]


def test_sent_message_takes_its_recipients_from_the_recipient_table():
    # TestOutlookTextExtractor.testSentWithMulipleRecipients (the Unicode
    # file): no transport headers; To the three, CC the three, BCC David
    # Caruana and Vonka Jan. Bcc stays in the headers and names no
    # participant, as an .eml's does.
    parsed = _parse("example_sent_unicode.msg")
    assert _roles(parsed) == [
        ("from", "mike.farman@alfresco.com", "Mike Farman"),
        *RECEIVED_TO,
        ("cc", "nickb@alfresco.com", "'nickb@alfresco.com'"),
        ("cc", "nick.burch@alfresco.com", "'nick.burch@alfresco.com'"),
        ("cc", "roy.wetherall@alfresco.com", "'Roy Wetherall'"),
    ]
    assert (
        "Bcc: \"'David Caruana'\" <dave.caruana@alfresco.com>, "
        "\"'Vonka Jan'\" <jan.vonka@alfresco.com>"
    ) in parsed.headers
    assert parsed.subject == "This is a test message please ignore"
    assert "The quick brown fox jumps over the lazy dog" in parsed.body
    assert parsed.notes == []


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        # Test7BitCodepage: Windows-1251 named only by the internet code
        # page and the Russian locale; the text body wins over the HTML.
        (
            "ASCII_CP1251_LCID1049.msg",
            "Subject автоматически Subject",
            "Body автоматически Body",
        ),
        # Windows-1252 (German locale) where the internet code page says UTF-8.
        ("ASCII_UTF-8_CP1252_LCID1031.msg", "Subject öäü Subject", "Body öäü Body"),
        (
            "ASCII_UTF-8_CP1252_LCID1031_HTML.msg",
            "Subject öäü Subject",
            "Body öäü Body",
        ),
        # A binary HTML body in Windows-1251 (its meta tag says UTF-8).
        ("HTMLBodyBinary_CP1251.msg", "Subject öäü Subject", "HTML автоматически"),
    ],
)
def test_8bit_strings_are_read_in_the_messages_code_page(name, subject, body):
    parsed = _parse(name)
    assert (parsed.subject, parsed.body) == (subject, body)
    assert parsed.participants == []
    assert parsed.notes == [
        "The message has no sender, recipients, date or Message-ID header."
    ]


def test_cp1251_received_message():
    # TestBasics.testEncoding: two recipients, their names in Cp1251.
    parsed = _parse("cyrillic_message.msg")
    assert parsed.subject == (
        'Автоматический ответ подсистемы обмена данными ФГУП "Почта России".'
    )
    assert parsed.body.startswith('Ваше сообщение с темой "FW: RTM" было успешно')
    assert [p.role for p in parsed.participants] == ["from", "to", "cc"]
    assert parsed.sender.address == "no-reply@niips.ru"
    assert "\ufffd" not in parsed.body + parsed.subject


def test_big5_strings_and_an_exchange_sender():
    # TestOutlookTextExtractor.testEncodings: "From: Tests Chang@FT",
    # "(\u5f35\u6bd3\u502b)", "( MSG \u683c\u5f0f\u6e2c\u8a66 )".
    parsed = _parse("chinese-traditional.msg")
    assert parsed.sender.display_name == "Tests Chang@FT (\u5f35\u6bd3\u502b)"
    assert "( MSG \u683c\u5f0f\u6e2c\u8a66 )" in parsed.subject
    assert ("to", "tests.chang@fengttt.com", "Tests Chang@FT (張毓倫)") in _roles(
        parsed
    )
    assert EXCHANGE_NOTE in parsed.notes


def test_attachments_keep_their_long_names_and_bytes():
    # TestFileWithAttachmentsRead.testReadAttachments: "test-unicode.doc"
    # (short name TEST-U~1.DOC) of 24,064 bytes and "pj1.txt" of 89, no
    # MIME tag; TestBasics: subject "test pi\u00e8ce jointe 1", body
    # "contenu...", recipient nicolas1.23456@free.fr.
    parsed = _parse("attachment_test_msg.msg")
    assert parsed.subject == "test pi\u00e8ce jointe 1"
    assert parsed.body.startswith("contenu")
    assert _files(parsed) == [
        ("test-unicode.doc", "application/msword", 24064),
        ("pj1.txt", "text/plain", 89),
    ]
    assert _roles(parsed) == [
        ("from", "nicolas1.23456@free.fr", "Nicolas1 23456"),
        ("to", "nicolas1.23456@free.fr", "'nicolas1.23456@free.fr'"),
    ]
    assert parsed.date == dt.datetime(2009, 4, 22, 14, 36, 33, tzinfo=UTC)


def test_an_attached_outlook_message_is_stored_as_an_eml_file():
    # TestFileWithAttachmentsRead.testReadMsgAttachments and
    # TestExtractEmbeddedMSG: a nested message "Test Attachment" to Nick
    # Booth, dated 2010-06-17 23:52:19 GMT, and smbprn.00009008.KdcPjl.pdf
    # of 13,539 bytes.
    parsed = _parse("attachment_msg_pdf.msg")
    (eml, pdf) = parsed.attachments
    assert (pdf.filename, pdf.content_type, len(pdf.data)) == (
        "smbprn.00009008.KdcPjl.pdf",
        "application/pdf",
        13539,
    )
    assert (eml.filename, eml.content_type) == ("Test Attachment.eml", "message/rfc822")
    nested = parse_message(eml.data)
    assert nested.subject == "Test Attachment"
    assert [p.display_name for p in nested.participants if p.role == "to"] == [
        "Nick Booth"
    ]
    assert nested.date == dt.datetime(2010, 6, 17, 23, 52, 19, tzinfo=UTC)
    assert "An attached Outlook message was stored as an .eml file." in parsed.notes


def test_an_attached_message_is_named_by_its_subject_and_kept_out_of_the_body():
    # TestOutlookTextExtractor.testWithAttachedMessage: the master's text
    # has "Master mail" and "ante in lacinia euismod", not the attached
    # message's "Test mail attachment" nor "Lorem ipsum dolor sit" (Outlook
    # named that attachment "Untitled Attachment").
    parsed = _parse("58214_with_attachment.msg")
    assert parsed.subject == "Master mail"
    assert "ante in lacinia euismod" in parsed.body
    assert "Lorem ipsum dolor sit" not in parsed.body
    (eml,) = parsed.attachments
    assert eml.filename == "Test mail attachment.eml"
    nested = parse_message(eml.data)
    alone = _parse("58214_extracted_attachment.msg")
    assert nested.subject == alone.subject == "Test mail attachment"
    assert nested.body.startswith("Lorem ipsum dolor sit")
    assert nested.body == alone.body
    assert (
        nested.message_id == alone.message_id == "003601d0cf76$8236bba0$86a432e0$@c6.eu"
    )


@pytest.mark.parametrize(
    ("name", "when"),
    [
        # TestFixedSizedProperties: "Date: Thu, 21 Jun 2012 14:14:04 +0000".
        ("53784_fails.msg", dt.datetime(2012, 6, 21, 14, 14, 4, tzinfo=UTC)),
        # TestMessageSubmissionChunkY2KRead: POI reads the two-digit year of
        # the submission id (79, 80, 81: 2079, 2080, 1981); the submit time
        # and the Date header say 1999 in all three.
        ("message_1979.msg", dt.datetime(1999, 8, 16, 11, 23, 16, tzinfo=UTC)),
        ("message_1980.msg", dt.datetime(1999, 8, 16, 11, 23, 16, tzinfo=UTC)),
        ("message_1981.msg", dt.datetime(1999, 8, 16, 11, 23, 16, tzinfo=UTC)),
    ],
)
def test_dates(name, when):
    assert _parse(name).date == when


def test_many_properties_and_a_long_transport_header_block():
    # TestFileRead.bug66335: 151 properties.
    parsed = _parse("bug66335.msg")
    assert parsed.subject == "Deine Bestellbestätigung vom 13-09-2018"
    assert parsed.sender.address == "udemy@email.udemy.com"
    assert parsed.date == dt.datetime(2018, 9, 13, 14, 25, 24, tzinfo=UTC)
    assert parsed.body.startswith("[https://email.udemy.com/")
    assert len(parsed.headers) > 10_000


def test_a_white_space_body_and_an_rtf_of_nothing_give_no_text():
    # TestNameIdChunks: subject "Test Keywords"; its RTF body holds one
    # &nbsp; and its text body " \r\n".
    parsed = _parse("keywords.msg")
    assert parsed.subject == "Test Keywords"
    assert parsed.body == ""
    assert not any("RTF" in n for n in parsed.notes)


def test_an_outlook_note_is_imported_with_a_note_that_it_is_no_email():
    parsed = _parse("msgClassStickyNote.msg")
    assert parsed.subject == parsed.body == "This is a note about the quick brown fox"
    assert parsed.notes[0].startswith("The Outlook item is not an email message")


FUZZED = "clusterfuzz-testcase-minimized-POIHSMFFuzzer-%s.msg"


@pytest.mark.parametrize("case", ["4735011465854976", "5336473854148608"])
def test_fuzzer_files_that_olefile_refuses_are_refused(case):
    # POI's TestAllFiles lists them as failures: a directory entry
    # referenced twice; an unknown storage type and a name over 64 bytes.
    with pytest.raises(BrokenMessage) as exc:
        _parse(FUZZED % case)
    assert exc.value.code == "msg_unreadable"
    assert exc.value.message.startswith("The Outlook message file could not be read")


def test_a_fuzzer_file_poi_refuses_is_a_message_here():
    # TestPOIFSChunkParser.testInvalidChunk: IllegalArgumentException in POI.
    parsed = _parse(FUZZED % "4848576776503296")
    assert parsed.subject == "QuickBrownFox"
    assert parsed.notes == [EXCHANGE_NOTE]


# --------------------------------------------------------------------------
# Files made here
# --------------------------------------------------------------------------


SENT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_exchange_addresses_use_the_smtp_address_else_the_name_alone():
    raw = msg_file(
        props(
            subject="Tarjous",
            sender_name="Myyjä, Matti",
            sender_address="/O=TOIMITTAJA/OU=EXCHANGE/CN=RECIPIENTS/CN=MATTI",
            sender_type="EX",
            sender_smtp="matti@toimittaja.fi",
            sent=SENT,
        ),
        recipients=[
            recipient("Asiakas, Anna", "/O=ASIAKAS/CN=ANNA", "EX", "anna@asiakas.fi"),
            recipient("Erkki Exchange", "/O=ASIAKAS/CN=ERKKI", "EX", role=2),
            recipient("Bertta", "bertta@asiakas.fi", role=3),
        ],
    )
    parsed = parse_message(raw)
    assert _roles(parsed) == [
        ("from", "matti@toimittaja.fi", "Myyjä, Matti"),
        ("to", "anna@asiakas.fi", "Asiakas, Anna"),
        ("cc", "", "Erkki Exchange"),
    ]
    assert 'Bcc: "Bertta" <bertta@asiakas.fi>' in parsed.headers
    assert "/O=" not in parsed.headers
    assert parsed.date == SENT
    assert parsed.notes == [EXCHANGE_NOTE]


def test_transport_headers_win_over_the_properties():
    headers = (
        "Received: from mx.asiakas.fi\r\n\tby mx.toimittaja.fi; Mon, 2 Mar 2026\r\n"
        "From: Anna Asiakas <anna@asiakas.fi>\r\n"
        "To: myynti@toimittaja.fi\r\n"
        "Subject: =?utf-8?q?Vastaus_tarjoukseen?=\r\n"
        "Date: Mon, 2 Mar 2026 12:00:00 +0200\r\n"
        "Message-ID: <vastaus@asiakas.fi>\r\n"
        "In-Reply-To: <tarjous@toimittaja.fi>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed;\r\n\tboundary="raja"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
    )
    raw = msg_file(
        props(
            subject="RE: Tarjous",
            body="Kiitos, hyvältä näyttää.",
            headers=headers,
            sender_name="Joku Muu",
            sender_address="joku@muu.fi",
            sent=SENT,
            message_id="<muu@muu.fi>",
        ),
        recipients=[recipient("Ei tämä", "ei@muu.fi")],
    )
    parsed = parse_message(raw)
    assert _roles(parsed) == [
        ("from", "anna@asiakas.fi", "Anna Asiakas"),
        ("to", "myynti@toimittaja.fi", ""),
    ]
    assert parsed.date == dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert parsed.message_id == "vastaus@asiakas.fi"
    assert parsed.parent_ids == ["tarjous@toimittaja.fi"]
    assert parsed.subject == "RE: Tarjous"  # PR_SUBJECT
    # The body is the properties', not the sent MIME structure's.
    assert parsed.body == "Kiitos, hyvältä näyttää."
    assert "raja" not in parsed.headers
    assert parsed.headers.startswith("Received: from mx.asiakas.fi")


def test_an_item_never_sent_is_dated_by_its_creation_with_a_note():
    raw = msg_file(props(subject="Luonnos", created=SENT))
    parsed = parse_message(raw)
    assert parsed.date == SENT
    assert parsed.notes[0].startswith("The message has no time of sending or delivery")


# [MS-OXRTFCP] 3.1.1.1.2: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
SPEC_RTF = bytes.fromhex(
    "2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232"
    "0af32068656c090020627705b06c647d0a800fa0"
)


def test_lzfu_decompression_follows_the_specifications_example():
    assert decompress_rtf(SPEC_RTF, 1000) == (
        b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n",
        False,
    )
    assert decompress_rtf(SPEC_RTF, 10) == (b"{\\rtf1\\ans", True)
    assert (
        rtf_text(
            b"{\\rtf1\\ansi\\ansicpg1251{\\fonttbl{\\f0 Arial;}}"
            b"\\'cf\\'f0\\'e8\\'e2\\'e5\\'f2\\par \\u228?iti\\tab x{\\*\\htmltag <b>}}",
            100,
        )
        == "Привет\näiti\tx"
    )


def test_an_rtf_only_body_is_decompressed_and_noted():
    parsed = parse_message(msg_file(props(subject="RTF", rtf=SPEC_RTF, sent=SENT)))
    assert parsed.body == "hello world"
    assert parsed.notes == [
        "The message's text was only in RTF; its plain text was kept, without "
        "formatting."
    ]
    broken = parse_message(msg_file(props(subject="RTF", rtf=b"x" * 40, sent=SENT)))
    assert broken.body == ""
    assert broken.notes == [
        "The message's text was only in RTF, which could not be read."
    ]


def _nested(depth: int) -> dict:
    inner = {"props": props(subject=f"Taso {depth}", body=f"Teksti {depth}")}
    for level in range(depth - 1, 0, -1):
        inner = {
            "props": props(subject=f"Taso {level}", body=f"Teksti {level}"),
            "attachments": [{tag(0x3705, LONG): 5, "embedded": inner}],
        }
    return inner


def test_nesting_of_attached_messages_is_bounded():
    raw = msg_file(
        props(subject="Ulompi", sent=SENT),
        attachments=[{tag(0x3705, LONG): 5, "embedded": _nested(9)}],
    )
    parsed = parse_message(raw)
    levels = []
    while parsed.attachments:
        (eml,) = parsed.attachments
        assert eml.content_type == "message/rfc822"
        parsed = parse_message(eml.data)
        levels.append(parsed.subject)
    assert levels == [f"Taso {n}" for n in range(1, outlook.MAX_NESTING + 1)]
    outer = parse_message(raw)
    assert (
        f"An attached message nested more than {outlook.MAX_NESTING} levels deep "
        "was not stored." in outer.notes
    )


def test_recipients_are_bounded(monkeypatch):
    monkeypatch.setattr(outlook, "MAX_RECIPIENTS", 3)
    raw = msg_file(
        props(subject="Lista", sent=SENT),
        recipients=[recipient(f"R{n}", f"r{n}@asiakas.fi") for n in range(5)],
    )
    parsed = parse_message(raw)
    assert [p.address for p in parsed.participants] == [
        "r0@asiakas.fi",
        "r1@asiakas.fi",
        "r2@asiakas.fi",
    ]
    assert "Only the first 3 recipients of the Outlook file were read." in parsed.notes


def test_attachment_limits_are_applied_before_the_bytes_are_read(settings):
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS = 2
    settings.REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES = 100
    raw = msg_file(
        props(subject="Liitteet", sent=SENT),
        attachments=[
            attachment("a.txt", b"a" * 10),
            attachment("iso.bin", b"b" * 500),
            attachment("c.txt", b"c" * 20),
            attachment("d.txt", b"d" * 30),
        ],
    )
    parsed = parse_message(raw)
    assert _files(parsed) == [("a.txt", "text/plain", 10), ("c.txt", "text/plain", 20)]
    assert parsed.notes == [
        "Attachment 2 (500 bytes) is over the size limit and was not stored.",
        "1 more attachment was not stored: a message keeps at most 2.",
    ]


def test_names_are_made_safe_and_unnamed_parts_named():
    raw = msg_file(
        props(subject="Nimet\r\nBcc: x@evil.fi", sent=SENT),
        recipients=[recipient('Pilkku, "Lainaus" \\ <x>\x01', "p@asiakas.fi")],
        attachments=[
            attachment("../../etc/pass\x01wd\r\n.txt", b"x"),
            {tag(0x3701, BINARY): b"%PDF", tag(0x370E, STRING8): b"application/pdf"},
        ],
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Nimet Bcc: x@evil.fi"
    assert "Bcc" not in parsed.headers.split("Subject:")[0]
    assert _roles(parsed)[0] == ("to", "p@asiakas.fi", 'Pilkku, "Lainaus" \\ <x>')
    assert [a.filename for a in parsed.attachments] == [
        ".._.._etc_pass_wd__.txt",
        "attachment-2.pdf",
    ]


def test_a_damaged_property_table_is_noted_and_the_rest_read():
    raw = msg_file(props(subject="Taulukko", sent=SENT))
    # The top-level table: 32 bytes of header and two entries, cut to the
    # first (the subject's) and 5 bytes of the second.
    raw = patch_entry(raw, "__properties_version1.0", size=32 + 16 + 5)
    parsed = parse_message(raw)
    assert parsed.subject == "Taulukko"
    assert "A property table of the Outlook file is damaged." in parsed.notes


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------


def test_a_msg_file_is_one_message_of_its_own_format():
    raw = _read("quick.msg")
    fmt, items = iter_raw_messages(io.BytesIO(raw))
    (item,) = list(items)
    assert fmt == "msg" and item.data == raw and item.error is None


@pytest.mark.django_db
def test_upload_page_imports_a_msg_into_a_persons_history():
    staff = make_staff()
    client = client_as(staff)
    org = make_org()
    person = make_person(emails=["nicolas1.23456@free.fr"])
    role_create(actor=staff, person=person, organization=org, kind="contact")
    url = reverse("messaging:import_upload", args=[org.id])
    data = _read("attachment_test_msg.msg")
    response = client.post(url, {"file": SimpleUploadedFile("viesti.msg", data)})
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.organization_id == org.pk
    assert message.source == ImportSource.MSG
    assert message.subject == "test pi\u00e8ce jointe 1"
    assert message.occurred_at == dt.datetime(2009, 4, 22, 14, 36, 33, tzinfo=UTC)
    assert sorted(a.filename for a in Attachment.objects.filter(message=message)) == [
        "pj1.txt",
        "test-unicode.doc",
    ]
    assert (
        MessageParticipant.objects.filter(message=message, person=person).count() == 2
    )
    timeline = client.get(reverse("messaging:person_timeline", args=[person.id]))
    assert "test pi\u00e8ce jointe 1" in timeline.content.decode()
    again = client.post(url, {"file": SimpleUploadedFile("viesti.msg", data)})
    assert again.status_code == 200 and Message.objects.count() == 1


@pytest.mark.django_db
def test_a_broken_msg_is_reported_and_nothing_is_stored():
    org = make_org()
    name = "clusterfuzz-testcase-minimized-POIHSMFFuzzer-4735011465854976.msg"
    report = import_messages(
        actor=make_staff(), stream=io.BytesIO(_read(name)), organization=org
    )
    assert report.format == "msg" and report.created == 0
    assert [(e.index, e.offset, e.code) for e in report.errors] == [
        (1, 0, "msg_unreadable")
    ]
    assert not Message.objects.exists()
