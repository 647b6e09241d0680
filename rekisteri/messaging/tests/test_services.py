"""Writes to the message history: validation, keying, threads, deletion and
what erasing one participant does to shared history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.errors import NotFound, ValidationFailed
from rekisteri.keystore import keys
from rekisteri.messaging import services
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.erasure import participation_erase_many
from rekisteri.messaging.models import Attachment, Message, MessageParticipant, Thread
from rekisteri.messaging.services import AttachmentIn, ParticipantIn
from rekisteri.registry.services import person_shred, role_create
from rekisteri.testing import make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def _log(actor, **kwargs):
    defaults = dict(
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        occurred_at=NOW,
        subject="Soitto tukeen",
        body="Asiakas kysyi laskusta.",
    )
    return services.message_create(actor=actor, **{**defaults, **kwargs})


def _raw(table: str, column: str, pk) -> bytes:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex])
        row = cur.fetchone()
        if row is None:
            cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [str(pk)])
            row = cur.fetchone()
    return bytes(row[0])


def test_a_logged_call_is_stored_sealed_under_the_organizations_key():
    staff = make_staff()
    org = make_org()
    msg = _log(staff, organization=org)

    raw = _raw("messaging_message", "body", msg.pk)
    assert b"laskusta" not in raw
    fresh = Message.objects.get(pk=msg.pk)
    assert fresh.body == "Asiakas kysyi laskusta."
    assert fresh.subject == "Soitto tukeen"
    assert fresh.author == staff
    field = Message._meta.get_field("body")
    assert field.subject_id(fresh) == org.pk
    # One thread, counted.
    assert fresh.thread.message_count == 1
    assert fresh.thread.subject == "Soitto tukeen"
    event = AuditEvent.objects.filter(action="message.create").get()
    assert event.target_id == str(msg.pk)
    assert "body" in event.fields and "communication" in event.categories
    assert "laskusta" not in str(event.details)


def test_a_message_with_one_person_and_no_organization_is_keyed_to_the_person():
    person = make_person()
    msg = _log(make_staff(), person=person)
    fresh = Message.objects.get(pk=msg.pk)
    assert Message._meta.get_field("subject").subject_id(fresh) == person.pk
    keys.shred(person.pk, KeyClass.CRM, reason="test")
    fresh = Message.objects.get(pk=msg.pk)
    assert isinstance(fresh.body, Placeholder) and fresh.body.is_erased


def test_shredding_the_relationship_key_erases_the_whole_history():
    org = make_org()
    msg = _log(
        make_staff(),
        organization=org,
        participants=[ParticipantIn(address="a@example.fi", display_name="A")],
        attachments=[AttachmentIn("muistio.txt", b"salainen")],
    )
    keys.shred(org.pk, KeyClass.CRM, reason="retention ended")
    fresh = Message.objects.get(pk=msg.pk)
    assert fresh.body.is_erased and fresh.subject.is_erased
    part = MessageParticipant.objects.select_related("message").get(message=msg)
    assert part.address.is_erased
    att = Attachment.objects.select_related("message").get(message=msg)
    assert isinstance(att.content, Placeholder) and att.filename.is_erased


def test_attachments_round_trip_as_bytes_and_are_sealed():
    data = bytes(range(256)) * 10
    msg = _log(
        make_staff(),
        organization=make_org(),
        attachments=[AttachmentIn("kuva.png", data, "image/png")],
    )
    att = Attachment.objects.select_related("message").get(message=msg)
    assert att.content == data
    assert att.size == len(data)
    assert att.filename == "kuva.png"
    assert data[:64] not in _raw("messaging_attachment", "content", att.pk)


def test_validation_reports_every_problem_at_once_and_saves_nothing():
    with pytest.raises(ValidationFailed) as exc:
        services.message_create(
            actor=make_staff(),
            channel="fax",
            direction="sideways",
            occurred_at=timezone.now() + dt.timedelta(days=2),
            subject=" ",
        )
    fields = exc.value.fields
    assert set(fields) >= {"organization", "channel", "direction", "occurred_at"}
    assert fields["subject"][0][0] == "required"
    assert fields["occurred_at"][0][0] == "future"
    assert not Message.objects.exists() and not Thread.objects.exists()


def test_both_an_organization_and_a_person_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        _log(make_staff(), organization=make_org(), person=make_person())
    assert exc.value.fields["organization"][0][0] == "key_owner"


def test_attachment_limits_come_from_settings_and_refuse_clearly(settings):
    settings.REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES = 10
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENT_BYTES = 15
    with pytest.raises(ValidationFailed) as exc:
        _log(
            make_staff(),
            organization=make_org(),
            attachments=[AttachmentIn("a.bin", b"x" * 11), AttachmentIn("b", b"y" * 9)],
        )
    codes = [c for c, _m in exc.value.fields["attachments"]]
    assert codes == ["attachment_too_large", "attachments_too_large"]
    assert not Message.objects.exists()


def test_more_attachments_than_the_limit_are_refused(settings):
    settings.REKISTERI_MESSAGING_MAX_MESSAGE_ATTACHMENTS = 2
    with pytest.raises(ValidationFailed) as exc:
        _log(
            make_staff(),
            organization=make_org(),
            attachments=[AttachmentIn(f"{n}.txt", b"x") for n in range(3)],
        )
    codes = [c for c, _m in exc.value.fields["attachments"]]
    assert codes == ["too_many_attachments"]
    assert not Message.objects.exists()


def test_a_reply_joins_the_thread_of_the_same_owner_only():
    staff = make_staff()
    org, other = make_org(), make_org()
    first = _log(staff, organization=org)
    reply = _log(staff, organization=org, thread=first.thread, subject="Re: soitto")
    assert reply.thread_id == first.thread_id
    assert Thread.objects.get(pk=first.thread_id).message_count == 2
    with pytest.raises(ValidationFailed) as exc:
        _log(staff, organization=other, thread=first.thread)
    assert exc.value.fields["thread"][0][0] == "other_owner"


def test_delete_removes_the_message_its_rows_and_an_empty_thread():
    staff = make_staff()
    msg = _log(
        staff,
        organization=make_org(),
        participants=[ParticipantIn(address="a@example.fi")],
        attachments=[AttachmentIn("a.txt", b"a")],
    )
    services.message_delete(actor=staff, message=msg)
    assert not Message.objects.exists()
    assert not MessageParticipant.objects.exists()
    assert not Attachment.objects.exists()
    assert not Thread.objects.exists()
    assert AuditEvent.objects.filter(action="message.delete").count() == 1
    with pytest.raises(NotFound):
        services.message_delete(actor=staff, message=msg)


def test_erasing_one_participant_keeps_the_others_history():
    staff = make_staff()
    org = make_org()
    anna = make_person(first_name="Anna", last_name="Aalto", emails=["anna@asiakas.fi"])
    ben = make_person(first_name="Ben", last_name="Berg", emails=["ben@asiakas.fi"])
    for p in (anna, ben):
        role_create(
            actor=staff,
            person=p,
            organization=org,
            kind="contact",
            start_date=NOW.date(),
        )
    headers = (
        "From: Anna Aalto <ANNA@asiakas.fi>\nTo: Ben Berg <ben@asiakas.fi>\n"
        "Subject: Sopimus"
    )
    with keys.ensure_scope():
        msg = services.message_store(
            actor=staff,
            organization=org,
            person=None,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            occurred_at=NOW,
            subject="Sopimus",
            body="Terveisin Anna",
            headers=headers,
            participants=[
                ParticipantIn(
                    role=ParticipantRole.FROM,
                    person=anna,
                    address="ANNA@asiakas.fi",
                    display_name="Anna Aalto",
                ),
                ParticipantIn(
                    role=ParticipantRole.TO, person=ben, address="ben@asiakas.fi"
                ),
                # An unmatched copy of Anna's address (imported before she existed).
                ParticipantIn(role=ParticipantRole.CC, address="anna@asiakas.fi"),
            ],
        )
    # A message with Anna alone, keyed to her, goes entirely.
    own = _log(staff, person=anna)

    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=anna,
        reason="erasure request",
    )

    fresh = Message.objects.get(pk=msg.pk)
    assert fresh.subject == "Sopimus"  # the relationship's history stays
    assert "anna@asiakas.fi" not in fresh.headers.lower()
    assert "Anna Aalto" not in fresh.headers
    assert "ben@asiakas.fi" in fresh.headers
    left = list(
        MessageParticipant.objects.filter(message=msg).select_related("message")
    )
    assert [p.address for p in left] == ["ben@asiakas.fi"]
    assert not Message.objects.filter(pk=own.pk).exists()
    event = AuditEvent.objects.get(action="message.participation_erase")
    assert event.subject_id == anna.pk
    assert event.details == {
        "participations": 2,
        "headers_scrubbed": 1,
        "messages_deleted": 1,
    }


def test_erasure_is_not_repeated_for_an_already_erased_person():
    anna = make_person()
    _log(make_staff(), person=anna)
    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=anna, reason="first"
    )
    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=anna, reason="again"
    )
    event = AuditEvent.objects.get(action="message.participation_erase")
    assert event.details["messages_deleted"] == 1


def test_a_person_in_no_message_gets_no_participation_event():
    """Nothing written, nothing recorded: the erasure's own events say the
    rest (its receipt counts the messages: none)."""
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    anna, ben = make_person(), make_person()
    _log(make_staff(), person=ben)
    assert services.person_participation_erase(actor=officer, person=anna) == {
        "participations": 0,
        "headers_scrubbed": 0,
        "messages_deleted": 0,
    }
    assert not AuditEvent.objects.filter(action="message.participation_erase").exists()
    # The batch form records the one person whose history changed.
    with keys.ensure_scope():
        counts = participation_erase_many(actor=officer, persons=[anna, ben])
    assert counts[anna.pk]["messages_deleted"] == 0
    assert counts[ben.pk]["messages_deleted"] == 1
    events = AuditEvent.objects.filter(action="message.participation_erase")
    assert [e.subject_id for e in events] == [ben.pk]
    assert AuditEvent.objects.filter(action="person.shred").count() == 0


def test_normalise_address_tells_emails_phones_and_names_apart():
    assert services.normalise_address(" Matti@Example.FI ") == (
        "email",
        "matti@example.fi",
    )
    assert services.normalise_address("040 123 4567") == ("phone", "+358401234567")
    assert services.normalise_address("Matti") == ("name", "Matti")


def _contract(org, code: str = "CRM"):
    from rekisteri.contracts.services import contract_create, product_create

    return contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code=code, name="CRM-palvelu"),
        start_date=NOW.date(),
    )


def test_a_message_may_name_the_organizations_contract_and_no_other():
    staff = make_staff()
    org, other = make_org(), make_org()
    contract = _contract(org)
    msg = _log(staff, organization=org, contract=contract)
    assert Message.objects.get(pk=msg.pk).contract_id == contract.pk
    with pytest.raises(ValidationFailed) as exc:
        _log(staff, organization=other, contract=contract)
    assert exc.value.fields["contract"][0][0] == "other_customer"
    with pytest.raises(ValidationFailed):
        _log(staff, person=make_person(), contract=contract)
