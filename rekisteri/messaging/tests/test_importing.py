"""Importing .eml files and mboxes into the history: every sample, broken
messages reported by position, idempotency, matching and threading."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from rekisteri.audit.models import AuditEvent
from rekisteri.messaging.choices import Direction, ImportSource
from rekisteri.messaging.importing import import_messages
from rekisteri.messaging.models import Attachment, Message, MessageParticipant, Thread
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person, make_staff

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
SAMPLES = sorted(
    p.name for p in DATA.iterdir() if p.suffix in (".eml", ".mbox", ".mht")
)


def _import(actor, data: bytes, **kwargs):
    return import_messages(actor=actor, stream=io.BytesIO(data), **kwargs)


def _mbox(*messages: bytes) -> bytes:
    return b"".join(
        b"From sender@example.fi Mon Mar  2 10:00:00 2026\n" + m.rstrip(b"\n") + b"\n\n"
        for m in messages
    )


def _email(n: int, sender: str = "asiakas@example.fi", extra: bytes = b"") -> bytes:
    return (
        (
            f"From: Asiakas <{sender}>\nTo: tuki@toimittaja.fi\n"
            f"Subject: Viesti {n}\nMessage-ID: <m{n}@example.fi>\n"
            f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0200\n"
        ).encode()
        + extra
        + f"\nTeksti {n}\n".encode()
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_imports_and_a_second_import_adds_nothing(name):
    staff = make_staff()
    org = make_org()
    data = (DATA / name).read_bytes()
    report = _import(staff, data, organization=org)
    assert report.errors == []
    assert report.created >= 1
    assert Message.objects.filter(organization=org).count() == report.created
    again = _import(staff, data, organization=org)
    assert again.created == 0 and again.duplicates == report.created
    assert Message.objects.count() == report.created


def test_an_mbox_with_a_byte_order_mark_and_unquoted_from_lines_imports():
    staff = make_staff()
    org = make_org()
    data = (DATA / "mimekit_unmunged_bom.mbox.txt").read_bytes()
    report = _import(staff, data, organization=org)
    assert report.format == "mbox"
    # Two messages; the second's body line "From Russia with love", followed
    # by "Year: 1963", reads as a separator and a header: that piece is
    # reported, not stored.
    assert report.created == 2
    assert [e.index for e in report.errors] == [3]
    bodies = {m.subject: m.body for m in Message.objects.all()}
    assert bodies["This is a test message with an unmunged From line"].endswith(
        "From Russia with love\n\nWhat does Thunderbird do?"
    )
    assert bodies["Another test message with an unmunged From line"] == (
        "This is my favourite James Bond movie:"
    )


def test_imported_message_keeps_text_participants_attachments_and_headers():
    staff = make_staff()
    org = make_org()
    data = (DATA / "mimekit_simple-multipart_base64-attachment.eml").read_bytes()
    report = _import(staff, data, organization=org)
    assert report.format == "eml"
    msg = Message.objects.get()
    assert msg.source == ImportSource.EML
    assert msg.subject == "this is a simple multipart message"
    assert msg.body == "This is the message body."
    assert msg.occurred_at == dt.datetime(2013, 11, 12, 14, 12, 42, tzinfo=dt.UTC)
    assert "X-Mailer: Microsoft Office Outlook 12.0" in msg.headers
    att = Attachment.objects.select_related("message").get()
    assert att.filename == "attachment.txt"
    assert att.content == b"This is the base64 encoded attachment."
    roles = list(
        MessageParticipant.objects.filter(message=msg).values_list("role", flat=True)
    )
    assert roles == ["from", "to"]
    event = AuditEvent.objects.get(action="message.import")
    assert event.details["created"] == 1 and event.target_id == str(org.pk)


def test_a_broken_message_is_reported_by_position_and_the_rest_are_stored():
    staff = make_staff()
    org = make_org()
    broken = b"this is not an email at all\n"
    data = _mbox(_email(1), broken, _email(3), b"X-Only: header\n\nbody\n", _email(5))
    report = _import(staff, data, organization=org)
    assert report.total == 5
    assert report.created == 3
    assert [(e.index, e.code) for e in report.errors] == [
        (2, "no_headers"),
        (4, "no_envelope"),
    ]
    assert report.errors[0].offset == data.index(b"From sender", 10)
    assert data[report.errors[1].offset :].startswith(b"From ")
    assert "not an email" not in report.errors[0].reason  # never quotes input
    # Re-importing: the good ones are duplicates, the broken ones reported again.
    again = _import(staff, data, organization=org)
    assert again.created == 0 and again.duplicates == 3 and len(again.errors) == 2
    assert Message.objects.count() == 3


def test_an_oversized_attachment_is_not_stored_and_is_noted(settings):
    settings.REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES = 10
    staff = make_staff()
    org = make_org()
    data = (DATA / "mimekit_simple-multipart_base64-attachment.eml").read_bytes()
    report = _import(staff, data, organization=org)
    assert report.created == 1
    assert not Attachment.objects.exists()
    assert len(report.warnings) == 1 and "size limit" in report.warnings[0].reason
    assert "size limit" in Message.objects.get().notes


def test_attachments_past_the_count_limit_are_not_stored_and_are_noted(settings):
    # A message of tens of thousands of tiny parts fits the byte limits; its
    # attachments would each be a row and a sealed file.
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS = 3
    parts = b"".join(
        b'--b\nContent-Type: application/octet-stream; name="f%d.bin"\n\nx\n' % i
        for i in range(5)
    )
    data = _email(
        1,
        extra=b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n',
    ).replace(b"\nTeksti 1\n", b"\n" + parts + b"--b--\n")
    report = _import(make_staff(), data, organization=make_org())
    assert report.created == 1
    assert sorted(a.filename for a in Attachment.objects.all()) == [
        "f0.bin",
        "f1.bin",
        "f2.bin",
    ]
    note = Message.objects.get().notes
    assert "2" in note and "3" in note and "not stored" in note


def test_participants_are_matched_and_the_organization_derived_from_their_role():
    staff = make_staff()
    org = make_org()
    person = make_person(emails=["asiakas@example.fi"])
    role_create(actor=staff, person=person, organization=org, kind="contact")
    report = _import(staff, _mbox(_email(1, "Asiakas@Example.fi")))
    assert report.errors == [] and report.created == 1
    msg = Message.objects.get()
    assert msg.organization_id == org.pk
    sender = MessageParticipant.objects.get(message=msg, role="from")
    assert sender.person_id == person.pk
    assert msg.direction == Direction.INBOUND


def test_one_matched_person_without_organization_keys_the_message_to_them():
    person = make_person(emails=["yksin@example.fi"])
    report = _import(make_staff(), _mbox(_email(1, "yksin@example.fi")))
    assert report.created == 1
    assert Message.objects.get().person_id == person.pk


def test_no_match_and_ambiguous_organizations_are_reported_not_guessed():
    staff = make_staff()
    person = make_person(emails=["kaksi@example.fi"])
    for org in (make_org(), make_org()):
        role_create(actor=staff, person=person, organization=org, kind="contact")
    report = _import(
        staff, _mbox(_email(1, "tuntematon@example.fi"), _email(2, "kaksi@example.fi"))
    )
    assert [(e.index, e.code) for e in report.errors] == [
        (1, "no_match"),
        (2, "ambiguous_organization"),
    ]
    assert not Message.objects.exists()


def test_replies_join_the_thread_of_the_message_they_answer(settings):
    settings.REKISTERI_MESSAGING_OWN_DOMAINS = ["toimittaja.fi"]
    staff = make_staff()
    org = make_org()
    reply = _email(2, "tuki@toimittaja.fi", b"In-Reply-To: <m1@example.fi>\n")
    other = _email(3)
    report = _import(staff, _mbox(_email(1), reply, other), organization=org)
    assert report.created == 3
    first, second, third = Message.objects.order_by("occurred_at")
    assert first.thread_id == second.thread_id != third.thread_id
    assert Thread.objects.get(pk=first.thread_id).message_count == 2
    assert second.direction == Direction.OUTBOUND


def test_a_big_mbox_streams_in_chunks_with_progress():
    staff = make_staff()
    org = make_org()
    data = _mbox(*(_email(n) for n in range(1, 451)))
    seen = []
    report = _import(
        staff, data, organization=org, progress=lambda r: seen.append(r.total)
    )
    assert report.created == 450
    assert seen == [200, 400, 450]


def test_a_message_that_fails_to_store_leaves_nothing_half_saved(monkeypatch):
    staff = make_staff()
    org = make_org()
    from rekisteri.messaging import services

    real = services.Attachment.objects.bulk_create

    def flaky(objs, *args, **kwargs):
        if objs:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(services.Attachment.objects, "bulk_create", flaky)
    with_file = (DATA / "mimekit_simple-multipart_base64-attachment.eml").read_bytes()
    data = _mbox(_email(1), with_file, _email(3))
    report = _import(staff, data, organization=org)
    assert [(e.index, e.code) for e in report.errors] == [(2, "store_failed")]
    assert "RuntimeError" in report.errors[0].reason
    assert "disk full" not in report.errors[0].reason
    assert report.created == 2
    # The failed message left no thread, message or participant behind.
    assert Message.objects.count() == 2
    assert Thread.objects.count() == 2
    assert MessageParticipant.objects.count() == 4


def test_an_interrupted_import_leaves_no_message_without_its_audit_event(
    monkeypatch,
):
    from rekisteri.messaging import importing

    staff = make_staff()
    org = make_org()
    monkeypatch.setattr(importing, "CHUNK", 2)
    original = importing._store_one
    calls = {"n": 0}

    def killed_on_the_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped mid-import
        return original(**kwargs)

    monkeypatch.setattr(importing, "_store_one", killed_on_the_third)
    data = _mbox(_email(1), _email(2), _email(3), _email(4))
    with pytest.raises(KeyboardInterrupt):
        _import(staff, data, organization=org)
    assert Message.objects.count() == 2
    event = AuditEvent.objects.get(action="message.import")
    assert event.details["created"] == 2


def test_a_headers_only_mhtml_file_is_stored_with_a_note_and_a_named_image():
    staff = make_staff()
    org = make_org()
    data = (DATA / "mimekit_multipart-related-mhtml_headers-only.mht").read_bytes()
    report = _import(staff, data, organization=org)
    assert report.errors == [] and report.created == 1
    msg = Message.objects.get()
    assert "no sender" in msg.notes and "import time" in msg.notes
    [image] = Attachment.objects.select_related("message")
    assert (image.filename, image.content_type) == ("image1.png", "image/png")
    assert any("no sender" in w.reason for w in report.warnings)


def test_an_mbox_without_blank_lines_before_from_splits_and_notes_reach_the_report():
    staff = make_staff()
    org = make_org()
    data = (DATA / "mimekit_content-length_first4.mbox").read_bytes()
    report = _import(staff, data, organization=org)
    assert report.total == 4 and report.created == 4 and report.errors == []
    noted = sorted({w.index for w in report.warnings if "Content-Length" in w.reason})
    assert noted == [1, 2, 3]
    assert sum("Content-Length" in (m.notes or "") for m in Message.objects.all()) == 3


def test_8bit_headers_and_an_at_sign_display_name_are_stored_as_sent():
    staff = make_staff()
    org = make_org()
    data = (
        "From: myynti@acme.fi <myynti@acme.fi>\n"
        "To: Jürgen Müller <juergen@example.de>\n"
        "Subject: Grüße aus Köln\nMessage-ID: <k1@acme.fi>\n"
        "Date: Mon, 1 Jun 2026 10:00:00 +0200\n\nHallo\n"
    ).encode()
    _import(staff, data, organization=org)
    msg = Message.objects.get()
    assert msg.subject == "Grüße aus Köln" and not msg.notes
    people = MessageParticipant.objects.filter(message=msg).order_by("role")
    assert [(p.role, p.address, p.display_name) for p in people] == [
        ("from", "myynti@acme.fi", "myynti@acme.fi"),
        ("to", "juergen@example.de", "Jürgen Müller"),
    ]


def test_a_recipient_named_without_an_address_is_stored_as_a_name():
    data = (
        b"From: Asiakas <asiakas@example.fi>\n"
        b"To: Matti Meikalainen, tuki@example.fi\n"
        b"Subject: Nimi ilman osoitetta\n"
        b"Date: Mon, 7 Dec 2026 10:00:00 +0200\n"
        b"\n"
        b"Teksti\n"
    )
    report = _import(make_staff(), data, organization=make_org())
    assert report.errors == [] and report.created == 1
    message = Message.objects.get()
    named = [
        (p.address, p.display_name)
        for p in message.participants.filter(role="to").order_by("position")
    ]
    assert named == [(None, "Matti Meikalainen"), ("tuki@example.fi", None)]
