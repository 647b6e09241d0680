"""Invoicing services: VAT by date, seller, drafts, issuing, immutability,
credit notes, and that the voucher outlives erasure of the CRM data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from rekisteri.audit.models import AuditEvent
from rekisteri.billing.choices import InvoiceState
from rekisteri.billing.models import Invoice, InvoiceLine, InvoiceSeries
from rekisteri.billing.seller import seller_update
from rekisteri.billing.services import (
    credit_note_issue,
    invoice_create,
    invoice_delete,
    invoice_issue,
    invoice_reference,
    invoice_update,
)
from rekisteri.billing.totals import compute_totals
from rekisteri.billing.vat import vat_rate_for
from rekisteri.core import formats
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.registry.models import Person
from rekisteri.registry.services import person_shred
from rekisteri.testing import make_org, make_person
from rekisteri.testing.billing import (
    SELLER,
    line,
    make_billing_contact,
    make_invoice,
    make_seller,
)

pytestmark = pytest.mark.django_db


def field_codes(exc: ValidationFailed) -> dict[str, set[str]]:
    return {name: {code for code, _m in errs} for name, errs in exc.fields.items()}


# --- VAT rates -----------------------------------------------------------------


@pytest.mark.parametrize(
    "code, on, rate",
    [
        ("general", dt.date(2024, 8, 31), "24.00"),
        ("general", dt.date(2024, 9, 1), "25.50"),
        ("general", dt.date(2012, 12, 31), "23.00"),
        ("reduced_1", dt.date(2025, 12, 31), "14.00"),
        ("reduced_1", dt.date(2026, 1, 1), "13.50"),
        ("reduced_2", dt.date(2026, 1, 1), "10.00"),
        ("zero", dt.date(2026, 1, 1), "0.00"),
    ],
)
def test_vat_rate_is_looked_up_by_code_and_date(code, on, rate):
    assert vat_rate_for(code, on).rate == Decimal(rate)


def test_unknown_vat_rate_is_a_clear_error():
    with pytest.raises(ValidationFailed) as exc:
        vat_rate_for("luxury", dt.date(2026, 1, 1))
    assert field_codes(exc.value) == {"vat_code": {"vat_rate_unknown"}}
    with pytest.raises(ValidationFailed):
        vat_rate_for("general", dt.date(2000, 1, 1))  # before any seeded period


# --- Totals --------------------------------------------------------------------


def test_totals_round_line_nets_then_vat_per_rate_group():
    class L:
        def __init__(self, net, rate, cat="S"):
            self.net_amount, self.vat_rate, self.vat_category = (
                Decimal(net),
                Decimal(rate),
                cat,
            )

    # Three lines of 0.10 at 25.5 %: per-line VAT would be 3 × 0.03 = 0.09;
    # per group it is round(0.30 × 0.255) = 0.08.
    totals = compute_totals([L("0.10", "25.5"), L("0.10", "25.5"), L("0.10", "25.5")])
    assert totals.net == Decimal("0.30")
    assert totals.vat == Decimal("0.08")
    assert totals.gross == Decimal("0.38")
    # Half up: 0.02 × 25 % = 0.005 → 0.01.
    assert compute_totals([L("0.02", "25")]).vat == Decimal("0.01")
    mixed = compute_totals([L("810.00", "25.5"), L("50.00", "13.5"), L("12", "25.5")])
    assert [(g.rate, g.base, g.vat) for g in mixed.groups] == [
        (Decimal("25.5"), Decimal("822.00"), Decimal("209.61")),
        (Decimal("13.5"), Decimal("50.00"), Decimal("6.75")),
    ]
    assert mixed.gross == Decimal("1088.36")  # the Finvoice sample's total


def test_line_net_is_rounded_half_up_to_cents():
    invoice = make_invoice(
        issue=False, lines=[line(quantity="3", unit_price="0.3350")]
    )  # 1.005 → 1.01
    assert invoice.lines.get().net_amount == Decimal("1.01")


# --- Seller --------------------------------------------------------------------


def test_seller_settings_are_validated_together():
    with pytest.raises(ValidationFailed) as exc:
        seller_update(
            actor=None,
            **{
                **SELLER,
                "iban": "FI21 1234 5600 0007 86",
                "bic": "XX",
                "business_id": "1234567-8",
                "payment_terms_days": "-1",
            },
        )
    assert set(field_codes(exc.value)) == {
        "iban",
        "bic",
        "business_id",
        "payment_terms_days",
    }
    seller = make_seller()
    assert seller.iban == "FI2112345600000785"
    assert seller.vat_number == "FI23456780"
    assert AuditEvent.objects.filter(action="seller.update").exists()


# --- Drafts and bad input ------------------------------------------------------


def test_a_draft_has_no_number_and_is_audited():
    make_seller()
    org, contact = make_billing_contact()
    invoice = invoice_create(
        actor=None, organization=org, billing_contact=contact, lines=[line()]
    )
    assert invoice.state == InvoiceState.DRAFT
    assert invoice.number is None and invoice.reference is None
    assert invoice.total_gross == Decimal("125.50")
    event = AuditEvent.objects.get(action="invoice.create")
    assert event.subject_id == contact.pk
    assert "contact_name" in event.fields


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"lines": []}, {"lines": {"no_lines"}}),
        ({"lines": [line(quantity="-1")]}, {"lines.0.quantity": {"negative_quantity"}}),
        (
            {"lines": [line(vat_code="luxury")]},
            {"lines.0.vat_code": {"vat_rate_unknown"}},
        ),
        (
            {"lines": [line(unit_price="abc")]},
            {"lines.0.unit_price": {"number_invalid"}},
        ),
        ({"lines": [line(description="")]}, {"lines.0.description": {"required"}}),
        (
            {
                "lines": [line()],
                "invoice_date": dt.date(2026, 3, 1),
                "due_date": dt.date(2026, 2, 1),
            },
            {"due_date": {"due_before_invoice_date"}},
        ),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_saved(kwargs, expected):
    make_seller()
    org, contact = make_billing_contact()
    persons = Person.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(actor=None, organization=org, billing_contact=contact, **kwargs)
    assert field_codes(exc.value) == expected
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    assert Person.objects.count() == persons


def test_all_errors_are_reported_at_once():
    make_seller()
    org, contact = make_billing_contact()
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(
            actor=None,
            organization=org,
            billing_contact=contact,
            lines=[line(quantity="-2", vat_code="x"), line(description="")],
        )
    assert set(field_codes(exc.value)) == {
        "lines.0.quantity",
        "lines.0.vat_code",
        "lines.1.description",
    }


def test_the_contact_must_be_a_billing_contact_of_the_organization():
    make_seller()
    org = make_org()
    stranger = make_person()
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(
            actor=None, organization=org, billing_contact=stranger, lines=[line()]
        )
    assert field_codes(exc.value) == {"billing_contact": {"not_billing_contact"}}


def test_a_typed_in_contact_becomes_a_billing_contact_person():
    make_seller()
    org = make_org()
    invoice = invoice_create(
        actor=None,
        organization=org,
        contact={
            "first_name": "Olli",
            "last_name": "Ostaja",
            "street": "Testitie 2",
            "postal_code": "02100",
            "city": "Espoo",
        },
        lines=[line()],
    )
    assert invoice.contact_name == "Olli Ostaja"
    assert invoice.contact_city == "ESPOO"
    assert invoice.billing_contact.roles.get().kind == "billing_contact"


def test_a_typed_in_contact_with_errors_saves_nothing():
    make_seller()
    org = make_org()
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(
            actor=None,
            organization=org,
            contact={"first_name": "Olli", "last_name": "", "postal_code": "1"},
            lines=[],
        )
    assert {"contact_last_name", "contact_postal_code", "lines"} <= set(
        field_codes(exc.value)
    )
    assert not Person.objects.exists()


def test_a_draft_can_be_edited_and_deleted():
    invoice = make_invoice(issue=False)
    invoice_update(
        actor=None,
        invoice=invoice,
        billing_contact=invoice.billing_contact,
        lines=[line(quantity="2"), line(description="Koulutus", vat_code="zero")],
    )
    assert invoice.lines.count() == 2
    assert invoice.total_gross == Decimal("351.00")
    invoice_delete(actor=None, invoice=invoice)
    assert not Invoice.objects.exists()


# --- Issuing -------------------------------------------------------------------


def test_issuing_assigns_number_reference_dates_and_snapshots():
    make_seller()
    org, contact = make_billing_contact()
    draft = invoice_create(
        actor=None,
        organization=org,
        billing_contact=contact,
        lines=[line(quantity="10", unit_price="90"), line(vat_code="reduced_1")],
        invoice_date=dt.date(2026, 9, 1),
    )
    invoice = invoice_issue(actor=None, invoice=draft)
    assert invoice.number == 1000
    assert invoice.due_date == dt.date(2026, 9, 15)
    assert invoice.reference == invoice_reference(org.customer_number, 1000)
    assert formats.is_valid_reference(invoice.reference)
    assert invoice.reference.startswith(org.customer_number)
    assert invoice.seller_iban == "FI2112345600000785"
    assert invoice.buyer_name == org.name
    assert invoice.total_net == Decimal("1000.00")
    assert invoice.total_vat == Decimal("229.50") + Decimal("13.50")
    assert AuditEvent.objects.filter(action="invoice.issue").count() == 1


def test_issuing_uses_the_rate_of_the_invoice_date():
    invoice = make_invoice(invoice_date=dt.date(2024, 8, 31))
    assert invoice.lines.get().vat_rate == Decimal("24.00")
    later = make_invoice(invoice_date=dt.date(2024, 9, 1))
    assert later.lines.get().vat_rate == Decimal("25.50")


def test_numbers_are_gapless_and_a_failed_issue_returns_its_number():
    first = make_invoice()
    broken = make_invoice(issue=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(actor=None, invoice=broken)
        raise RuntimeError("crash after numbering")
    broken.refresh_from_db()
    assert broken.state == InvoiceState.DRAFT and broken.number is None
    second = make_invoice()
    assert second.number == first.number + 1
    assert InvoiceSeries.objects.get().next_number == second.number + 1


def test_issuing_needs_seller_settings():
    org, contact = make_billing_contact()
    draft = invoice_create(
        actor=None, organization=org, billing_contact=contact, lines=[line()]
    )
    with pytest.raises(Conflict) as exc:
        invoice_issue(actor=None, invoice=draft)
    assert exc.value.code == "seller_missing"


# --- Immutability --------------------------------------------------------------


def test_services_refuse_to_change_or_delete_an_issued_invoice():
    invoice = make_invoice()
    with pytest.raises(Conflict) as exc:
        invoice_update(
            actor=None,
            invoice=invoice,
            billing_contact=invoice.billing_contact,
            lines=[line()],
        )
    assert exc.value.code == "invoice_issued"
    with pytest.raises(Conflict):
        invoice_delete(actor=None, invoice=invoice)
    with pytest.raises(Conflict):
        invoice_issue(actor=None, invoice=invoice)


def test_the_database_refuses_to_change_an_issued_invoice():
    invoice = make_invoice()
    for attempt in (
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total_gross=1),
        lambda: Invoice.objects.filter(pk=invoice.pk).delete(),
        lambda: InvoiceLine.objects.filter(invoice=invoice).update(unit_price=1),
        lambda: InvoiceLine.objects.filter(invoice=invoice).delete(),
        lambda: InvoiceLine.objects.create(
            invoice=invoice,
            position=9,
            description="x",
            quantity=1,
            unit_price=1,
            vat_code="general",
            vat_rate=Decimal("25.5"),
            net_amount=1,
        ),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    invoice.refresh_from_db()
    assert invoice.total_gross == Decimal("125.50")
    assert invoice.lines.count() == 1


def test_drafts_stay_editable_in_the_database():
    invoice = make_invoice(issue=False)
    Invoice.objects.filter(pk=invoice.pk).update(notes="ok")
    InvoiceLine.objects.filter(invoice=invoice).update(unit="h")
    assert Invoice.objects.filter(pk=invoice.pk).delete()[0] >= 1


def test_a_voucher_purge_may_delete_issued_invoices():
    invoice = make_invoice()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL rekisteri.voucher_purge = 'on'")
        else:
            from rekisteri.billing.models import VoucherPurgePermit

            VoucherPurgePermit.objects.create(reason="test")
        Invoice.objects.filter(pk=invoice.pk).delete()
        if connection.vendor != "postgresql":
            VoucherPurgePermit.objects.all().delete()
    assert not Invoice.objects.exists()


# --- Credit notes --------------------------------------------------------------


def test_a_full_credit_note_negates_the_invoice_with_its_own_number():
    invoice = make_invoice(lines=[line(quantity="2"), line(vat_code="reduced_2")])
    note = credit_note_issue(actor=None, invoice=invoice)
    assert note.is_credit_note and note.credited_invoice == invoice
    assert note.number == invoice.number + 1
    assert note.total_gross == -invoice.total_gross
    assert all(line.quantity < 0 for line in note.lines.all())
    assert note.contact_name == invoice.contact_name
    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(actor=None, invoice=invoice)
    assert field_codes(exc.value) == {"lines": {"credit_exceeds_invoice"}}


def test_a_partial_credit_note_needs_negative_quantities():
    invoice = make_invoice(lines=[line(quantity="3")])
    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(actor=None, invoice=invoice, lines=[line(quantity="1")])
    assert field_codes(exc.value) == {"lines.0.quantity": {"positive_on_credit"}}
    note = credit_note_issue(actor=None, invoice=invoice, lines=[line(quantity="-1")])
    assert note.total_gross == Decimal("-125.50")


def test_a_credit_note_uses_the_original_invoices_vat_rate():
    invoice = make_invoice(invoice_date=dt.date(2024, 8, 1))
    note = credit_note_issue(actor=None, invoice=invoice)
    assert note.lines.get().vat_rate == Decimal("24.00")
    assert note.total_gross == -invoice.total_gross


# --- Erasure -------------------------------------------------------------------


def test_erasing_the_crm_data_leaves_the_invoice_readable():
    invoice = make_invoice()
    contact = invoice.billing_contact
    name = contact.full_name
    person_shred(actor=None, person=contact, key_class=KeyClass.CRM, reason="test")
    contact = Person.objects.get(pk=contact.pk)
    assert isinstance(contact.first_name, Placeholder)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.contact_name == name
    assert stored.contact_city == "ESPOO"


def test_shredding_the_bookkeeping_key_erases_the_snapshot():
    invoice = make_invoice()
    person_shred(
        actor=None,
        person=invoice.billing_contact,
        key_class=KeyClass.BOOKKEEPING,
        reason="voucher period over",
    )
    stored = Invoice.objects.get(pk=invoice.pk)
    assert isinstance(stored.contact_name, Placeholder)
    assert stored.contact_name.is_erased


def test_issuing_needs_the_buyers_postal_address():
    make_seller()
    org, contact = make_billing_contact(make_org())  # no postal address
    draft = invoice_create(
        actor=None, organization=org, billing_contact=contact, lines=[line()]
    )
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(actor=None, invoice=draft)
    assert field_codes(exc.value) == {"organization": {"buyer_address_missing"}}
    draft.refresh_from_db()
    assert draft.state == InvoiceState.DRAFT and draft.number is None
    assert not InvoiceSeries.objects.filter(next_number__gt=1000).exists()


def test_vat_rates_come_back_after_the_table_is_emptied():
    from rekisteri.billing.models import VatRate

    VatRate.objects.all().delete()
    assert vat_rate_for("general", dt.date(2026, 1, 1)).rate == Decimal("25.50")
    assert VatRate.objects.filter(code="general").count() == 3


def test_an_invoice_may_name_one_of_the_organizations_contracts():
    from rekisteri.contracts.services import contract_create, product_create

    make_seller()
    org, contact = make_billing_contact()
    product = product_create(actor=None, code="HR", name="HR Pro")
    contract = contract_create(
        actor=None, organization=org, product=product, start_date=dt.date(2026, 1, 1)
    )
    invoice = invoice_create(
        actor=None,
        organization=org,
        billing_contact=contact,
        lines=[line()],
        contract=contract,
    )
    assert invoice.contract == contract
    other = make_org()
    foreign = contract_create(
        actor=None, organization=other, product=product, start_date=dt.date(2026, 1, 1)
    )
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(
            actor=None,
            organization=org,
            billing_contact=contact,
            lines=[line()],
            contract=foreign,
        )
    assert field_codes(exc.value) == {"contract": {"contract_other_organization"}}
    issued = invoice_issue(actor=None, invoice=invoice)
    assert credit_note_issue(actor=None, invoice=issued).contract == contract
