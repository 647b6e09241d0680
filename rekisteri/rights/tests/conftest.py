"""A customer with a bit of everything, for the rights tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.contracts.services import (
    contract_create,
    contract_party_add,
    product_create,
)
from rekisteri.keystore import keys
from rekisteri.messaging import services as messaging
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.services import AttachmentIn, ParticipantIn
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person, make_staff
from rekisteri.testing.billing import make_invoice

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Customer:
    org: Any
    person: Any
    colleague: Any
    invoice: Any
    shared: Any  # message of the organization with both people
    own: Any  # message keyed to the person alone
    contract: Any
    officer: Any


@pytest.fixture
def customer(db) -> Customer:
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    org = make_org(name="Asiakas Oy")
    person = make_person(
        first_name="Anna",
        last_name="Aalto",
        emails=["anna@asiakas.fi"],
        phones=["040 123 4567"],
        street="Annankatu 1",
        postal_code="00100",
        city="Helsinki",
    )
    colleague = make_person(
        first_name="Ben", last_name="Berg", emails=["ben@asiakas.fi"]
    )
    for p in (person, colleague):
        role_create(
            actor=None,
            person=p,
            organization=org,
            kind="contact",
            start_date=dt.date(2025, 1, 1),
            title="Ostopäällikkö",
        )
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="billing_contact",
        start_date=dt.date(2025, 1, 1),
    )
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "00100",
        "Espoo",
    )
    org.save()
    invoice = make_invoice(
        organization=org, contact=person, invoice_date=dt.date(2026, 1, 15)
    )
    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="CRM", name="CRM Pro"),
        start_date=dt.date(2025, 1, 1),
        terms="Ehdot: Annan allekirjoittama",
    )
    contract_party_add(actor=None, contract=contract, person=person, kind="signatory")
    with keys.ensure_scope():
        shared = messaging.message_store(
            actor=None,
            organization=org,
            person=None,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            occurred_at=NOW,
            subject="Sopimus",
            body="Terveisin Anna",
            headers="From: Anna Aalto <anna@asiakas.fi>\nTo: Ben Berg <ben@asiakas.fi>",
            participants=[
                ParticipantIn(
                    role=ParticipantRole.FROM,
                    person=person,
                    address="anna@asiakas.fi",
                    display_name="Anna Aalto",
                ),
                ParticipantIn(
                    role=ParticipantRole.TO, person=colleague, address="ben@asiakas.fi"
                ),
            ],
        )
    own = messaging.message_create(
        actor=None,  # the system: the officer may not write message content
        person=person,
        channel="phone",
        direction="in",
        occurred_at=NOW,
        subject="Soitto Annalle",
        body="Anna soitti",
        attachments=[AttachmentIn("muistio.txt", b"muistiinpano")],
    )
    return Customer(org, person, colleague, invoice, shared, own, contract, officer)
