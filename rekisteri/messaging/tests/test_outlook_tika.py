"""Apache Tika's real Outlook .msg files (data/outlook/tika/SOURCES.md)
read by parse_message: what each one is, as Outlook shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rekisteri.messaging.choices import ParticipantRole
from rekisteri.messaging.parsing import parse_message

DATA = Path(__file__).parent / "data" / "outlook" / "tika"


def _parse(name: str):
    return parse_message((DATA / name).read_bytes())


def _people(message, role):
    return [(p.display_name, p.address) for p in message.participants if p.role == role]


@pytest.mark.parametrize(
    ("name", "subject", "sender", "body_start"),
    [
        (
            "testMSG.msg",
            "MIME registry use cases",
            ("Jukka Zitting", "jukka.zitting@gmail.com"),
            "Hi,\n\nAs discussed, I've been working",
        ),
        (
            "test-outlook.msg",
            "Microsoft Outlook Express 6",
            ("L'Équipe Microsoft Outlook Express", "msoe@microsoft.com"),
            None,
        ),
        (
            "test-outlook2003.msg",
            "Welcome to Microsoft Office Outlook 2003",
            ("Microsoft Outlook 2003 Team", "olteam@microsoft.com"),
            None,
        ),
        (
            "testMSG_att_doc.msg",
            "test pièce jointe 1",
            ("Nicolas1 23456", "nicolas1.23456@free.fr"),
            "contenu",
        ),
        (
            "testMSG_forwarded.msg",
            "FW: Testing",
            ("Paul Allan Hill", "paul@metajure.com"),
            "Forwarded Body",
        ),
    ],
)
def test_emails(name, subject, sender, body_start):
    message = _parse(name)
    assert message.subject == subject
    assert _people(message, ParticipantRole.FROM) == [sender]
    assert message.date is not None
    if body_start:
        assert message.body.startswith(body_start)
    assert not message.notes


def test_received_message_keeps_its_ids_and_recipient():
    message = _parse("testMSG.msg")
    assert message.message_id.startswith(
        "510143ac0901291116s5f368dfby9d6423ce61acc36a@"
    )
    assert _people(message, ParticipantRole.TO) == [("", "tika-dev@lucene.apache.org")]


def test_attachments():
    doc = _parse("testMSG_att_doc.msg")
    assert [(a.filename, len(a.data)) for a in doc.attachments] == [
        ("test-unicode.doc", 24064),
        ("pj1.txt", 89),
    ]
    welcome = _parse("test-outlook2003.msg")
    # The welcome message's eleven inline images (it has no 11.jpg).
    assert [a.filename for a in welcome.attachments] == [
        f"{n}.jpg" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12)
    ]
    assert all(a.data[:3] == b"\xff\xd8\xff" for a in welcome.attachments)
    nested = _parse("testMSG_att_msg.msg")
    assert [(a.filename, a.content_type) for a in nested.attachments] == [
        ("Test Attachment.eml", "message/rfc822"),
        ("smbprn.00009008.KdcPjl.pdf", "application/pdf"),
    ]
    assert nested.attachments[1].data.startswith(b"%PDF")


def test_chinese_text_and_an_exchange_sender():
    message = _parse("testMSG_chinese.msg")
    assert message.subject == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert "中文測試" in message.body
    # The sender has only an Exchange address: the name is kept, noted.
    assert _people(message, ParticipantRole.FROM) == [("Tests Chang@FT (張毓倫)", "")]
    assert len(message.notes) == 1


@pytest.mark.parametrize(
    ("name", "subject", "not_an_email"),
    [
        ("testMSG_Appointment.msg", "Quick brown fox", True),
        ("testMSG_Contact.msg", "Quick Brown Fox Jr", True),
        ("testMSG_Task.msg", "Must jump over the lazy dog", True),
        ("testMSG_StickyNote.msg", "This is a note about the quick brown fox", True),
        ("testMSG_Post.msg", "QuickBrownFox", False),
    ],
)
def test_outlook_items_that_are_not_emails(name, subject, not_an_email):
    message = _parse(name)
    assert message.subject == subject
    assert message.body.strip()
    assert message.date is not None
    # A meeting, contact, task or note is imported with a note saying so.
    assert (len(message.notes) >= 1) and (
        any("calendar" in n or "kalenteri" in n for n in message.notes) == not_an_email
    )
