"""Reminders, penalty interest, collection cases and the legal hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.billing.choices import CollectionStatus
from rekisteri.billing.collection import (
    collection_case_close,
    collection_case_hand_over,
    collection_case_open,
    penalty_interest,
    reminder_create,
)
from rekisteri.billing.models import CollectionAgency
from rekisteri.billing.payments import payment_record
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.core.holds import holds_for_person
from rekisteri.keystore import keys
from rekisteri.registry.services import person_shred
from rekisteri.testing.billing import make_invoice

D = dt.date


def test_penalty_interest_per_day():
    # 1000 € at 11.5 % for 30 days: 1000 × 0.115 × 30 / 365 = 9.452… → 9.45
    assert penalty_interest(
        Decimal("1000.00"), Decimal("11.5"), D(2026, 1, 1), D(2026, 1, 31)
    ) == Decimal("9.45")
    assert penalty_interest(
        Decimal("1000.00"), Decimal("11.5"), D(2026, 1, 1), D(2026, 1, 1)
    ) == Decimal("0.00")


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(min_value=1, max_value=10**6, places=2),
    st.integers(min_value=1, max_value=2000),
)
def test_penalty_interest_grows_with_days_and_is_in_cents(amount, days):
    due = D(2026, 1, 1)
    one = penalty_interest(amount, Decimal("8"), due, due + dt.timedelta(days=days))
    two = penalty_interest(amount, Decimal("8"), due, due + dt.timedelta(days=days + 1))
    assert one.as_tuple().exponent == -2
    assert Decimal(0) <= one <= two


@pytest.mark.django_db
def test_reminders_carry_fee_and_interest_and_wait_for_their_due_date():
    invoice = make_invoice(invoice_date=D(2026, 1, 1))  # due 2026-01-15
    with pytest.raises(Conflict) as exc:
        reminder_create(actor=None, invoice=invoice, on=D(2026, 1, 15))
    assert exc.value.code == "not_overdue"
    first = reminder_create(actor=None, invoice=invoice, on=D(2026, 2, 14))
    assert first.sequence == 1 and first.fee == Decimal("5.00")
    assert first.outstanding == Decimal("125.50")
    # 125.50 × 11.5 % × 30 / 365 = 1.186… → 1.19
    assert first.interest == Decimal("1.19")
    assert first.new_due_date == D(2026, 2, 28)
    with pytest.raises(Conflict):
        reminder_create(actor=None, invoice=invoice, on=D(2026, 2, 20))
    second = reminder_create(actor=None, invoice=invoice, on=D(2026, 3, 1))
    assert second.sequence == 2


@pytest.mark.django_db
def test_a_paid_invoice_gets_no_reminder():
    invoice = make_invoice(invoice_date=D(2026, 1, 1))
    payment_record(
        actor=None, invoice=invoice, amount=invoice.total_gross, paid_on=D(2026, 1, 2)
    )
    with pytest.raises(Conflict) as exc:
        reminder_create(actor=None, invoice=invoice, on=D(2026, 3, 1))
    assert exc.value.code == "nothing_due"


@pytest.mark.django_db
def test_collection_case_lifecycle_and_agency_as_recipient():
    invoice = make_invoice(invoice_date=D(2026, 1, 1))
    with pytest.raises(Conflict) as exc:
        collection_case_open(actor=None, invoice=invoice, on=D(2026, 3, 1))
    assert exc.value.code == "no_reminder"
    reminder_create(actor=None, invoice=invoice, on=D(2026, 2, 1))
    case = collection_case_open(actor=None, invoice=invoice, on=D(2026, 3, 1))
    assert case.status == CollectionStatus.OPEN
    with pytest.raises(Conflict):
        collection_case_open(actor=None, invoice=invoice, on=D(2026, 3, 2))
    with pytest.raises(ValidationFailed) as exc:
        collection_case_hand_over(
            actor=None, case=case, agency_name="Offshore Debt Ltd", agency_country="US"
        )
    assert exc.value.fields["agency_country"][0][0] == "outside_eea"
    assert not CollectionAgency.objects.exists()
    collection_case_hand_over(
        actor=None,
        case=case,
        agency_name="Perintä Oy",
        agency_business_id="0112038-9",
        agency_country="FI",
    )
    agency = CollectionAgency.objects.get()
    assert (agency.name, agency.business_id, agency.country) == (
        "Perintä Oy",
        "0112038-9",
        "FI",
    )
    assert case.status == CollectionStatus.AT_AGENCY
    collection_case_close(actor=None, case=case, status=CollectionStatus.PAID)
    with pytest.raises(Conflict):
        collection_case_close(actor=None, case=case, status=CollectionStatus.PAID)


@pytest.mark.django_db
def test_an_open_collection_case_stops_erasure_and_says_why():
    invoice = make_invoice(invoice_date=D(2026, 1, 1))
    contact = invoice.billing_contact
    reminder_create(actor=None, invoice=invoice, on=D(2026, 2, 1))
    case = collection_case_open(actor=None, invoice=invoice, on=D(2026, 3, 1))
    assert [h.code for h in holds_for_person(contact.pk)] == ["collection_case_open"]
    with pytest.raises(Conflict) as exc, translation.override("en"):
        person_shred(actor=None, person=contact, key_class=KeyClass.CRM, reason="x")
    assert exc.value.code == "legal_hold"
    assert "Open collection case" in exc.value.message
    assert not keys.is_destroyed(contact.pk, KeyClass.CRM)

    collection_case_close(actor=None, case=case, status=CollectionStatus.CANCELLED)
    assert holds_for_person(contact.pk) == []
    assert person_shred(actor=None, person=contact, key_class=KeyClass.CRM, reason="x")
    assert keys.is_destroyed(contact.pk, KeyClass.CRM)
