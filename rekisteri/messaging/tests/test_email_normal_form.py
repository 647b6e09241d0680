"""A participant's address is compared in the register's one canonical form:
``erasure.normal_form`` and ``services.normalise_address`` agree with
``core.formats.normalise_email`` for every spelling of an address."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.accounts.choices import StaffRole
from rekisteri.core import keyring
from rekisteri.core.formats import FormatError, normalise_email
from rekisteri.core.tests.test_email_normal_form import _spellings, addresses
from rekisteri.messaging import importing, services
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.erasure import normal_form
from rekisteri.messaging.models import Message, MessageParticipant
from rekisteri.messaging.services import ParticipantIn, normalise_address
from rekisteri.registry.services import person_shred
from rekisteri.testing import make_org, make_person, make_staff

FAST = settings(max_examples=200, deadline=None)


@FAST
@given(address=addresses)
def test_normal_form_is_normalise_email_for_every_spelling(address):
    normal = normalise_email(address)
    for spelling in _spellings(address):
        assert normal_form(spelling) == normal
        assert normalise_address(spelling) == ("email", normal)


@FAST
@given(value=st.text(max_size=30).map(lambda t: t + "@" if "@" not in t else t))
def test_normal_form_answers_for_what_does_not_validate(value):
    try:
        expected = normalise_email(value)
    except FormatError:
        expected = value.strip().lower()
    assert normal_form(value) == expected == normalise_address(value)[1]


@pytest.mark.django_db
def test_erasure_finds_and_scrubs_an_appearance_typed_in_punycode():
    """The register holds the Unicode form; mail headers carry punycode."""
    staff = make_staff()
    org = make_org()
    matti = make_person(emails=["matti@pörssi.fi"])
    headers = "From: Matti <MATTI@xn--prssi-jua.fi>\nTo: tuki@example.fi"
    with keyring.ensure_scope():
        msg = services.message_store(
            actor=staff,
            organization=org,
            person=None,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            occurred_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
            subject="Kysymys",
            body="Terveisin",
            headers=headers,
            participants=[
                # Imported before Matti was in the register: not matched.
                ParticipantIn(
                    role=ParticipantRole.FROM, address="MATTI@xn--prssi-jua.fi"
                ),
                ParticipantIn(role=ParticipantRole.TO, address="tuki@example.fi"),
            ],
        )
    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=matti, reason="pyyntö"
    )
    left = MessageParticipant.objects.filter(message=msg).select_related("message")
    assert [p.address for p in left] == ["tuki@example.fi"]
    fresh = Message.objects.get(pk=msg.pk)
    assert "prssi" not in fresh.headers.lower()
    assert "tuki@example.fi" in fresh.headers


@pytest.mark.django_db
def test_the_migration_recomputes_a_participant_digest_of_the_old_rule(capsys):
    staff = make_staff()
    with keyring.ensure_scope():
        msg = services.message_store(
            actor=staff,
            organization=make_org(),
            person=None,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            occurred_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
            subject="Kysymys",
            body="Terveisin",
            participants=[
                ParticipantIn(
                    role=ParticipantRole.FROM, address="Olli@XN--PRSSI-JUA.fi"
                ),
                ParticipantIn(role=ParticipantRole.TO, address="tuki@example.fi"),
                ParticipantIn(role=ParticipantRole.CC, address="040 123 4567"),
            ],
        )
    rows = {p.position: p for p in MessageParticipant.objects.filter(message=msg)}
    # As the rule before wrote it: the digest of the address lowercased.
    old = services.address_digest("olli@xn--prssi-jua.fi")
    MessageParticipant.objects.filter(pk=rows[0].pk).update(address_digest=old)
    before = {p: r.address_digest for p, r in rows.items() if p}

    import_module(
        "rekisteri.messaging.migrations.0005_email_canonical_form"
    ).renormalise(apps, None)

    after = {
        p.position: p.address_digest
        for p in MessageParticipant.objects.filter(message=msg)
    }
    assert after[0] == services.address_digest("olli@pörssi.fi") != old
    assert {p: after[p] for p in before} == before
    assert "1 message participants' address digests" in capsys.readouterr().out
    # The person who holds the address now finds the row by it.
    olli = make_person(emails=["olli@pörssi.fi"])
    _addresses, found = services.person_participant_rows(olli)
    assert [r.pk for r in found] == [rows[0].pk]


@pytest.mark.parametrize(
    ("own", "sender", "direction"),
    [
        (["pörssi.fi"], "myynti@xn--prssi-jua.fi", Direction.OUTBOUND),
        (["XN--PRSSI-JUA.FI"], "myynti@Pörssi.fi", Direction.OUTBOUND),
        (["pörssi.fi"], "asiakas@example.fi", Direction.INBOUND),
    ],
)
def test_own_domains_are_compared_in_their_canonical_form(
    settings, own, sender, direction
):
    settings.REKISTERI_MESSAGING_OWN_DOMAINS = own
    parsed = SimpleNamespace(sender=SimpleNamespace(address=sender))
    assert importing._direction(parsed) == direction
