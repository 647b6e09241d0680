"""Finvoice 3.0 export, validated against the official schema (every
document the billing tests generate is: see conftest.py), checked against the
sample's structure and parsed back for every mandatory element and amount."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - our own output and test data
from decimal import Decimal
from pathlib import Path

import pytest

from rekisteri.billing import finvoice_rules
from rekisteri.billing.finvoice import (
    amount,
    finvoice_bytes,
    percent,
    unit_amount,
)
from rekisteri.billing.services import credit_note_issue, invoice_issue
from rekisteri.billing.tests import conftest as hook
from rekisteri.billing.tests.finvoice_schema import assert_valid, errors_of
from rekisteri.core import formats
from rekisteri.core.errors import ValidationFailed
from rekisteri.testing import make_org
from rekisteri.testing.billing import line, make_billing_contact, make_invoice

SAMPLE = Path(__file__).parent / "data" / "invopop_finvoice3.0_invoice.xml"

MANDATORY = [
    "SellerPartyDetails/SellerPartyIdentifier",
    "SellerPartyDetails/SellerOrganisationName",
    "SellerPartyDetails/SellerOrganisationTaxCode",
    "SellerPartyDetails/SellerPostalAddressDetails/SellerStreetName",
    "SellerPartyDetails/SellerPostalAddressDetails/SellerTownName",
    "SellerPartyDetails/SellerPostalAddressDetails/SellerPostCodeIdentifier",
    "SellerPartyDetails/SellerPostalAddressDetails/CountryCode",
    "SellerInformationDetails/SellerAccountDetails/SellerAccountID",
    "SellerInformationDetails/SellerAccountDetails/SellerBic",
    "BuyerPartyDetails/BuyerPartyIdentifier",
    "BuyerPartyDetails/BuyerOrganisationName",
    "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerStreetName",
    "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerTownName",
    "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerPostCodeIdentifier",
    "BuyerPartyDetails/BuyerPostalAddressDetails/CountryCode",
    "BuyerContactPersonName",
    "InvoiceDetails/InvoiceTypeCode",
    "InvoiceDetails/InvoiceTypeCodeUN",
    "InvoiceDetails/InvoiceTypeText",
    "InvoiceDetails/OriginCode",
    "InvoiceDetails/InvoiceNumber",
    "InvoiceDetails/InvoiceDate",
    "InvoiceDetails/InvoiceTotalVatExcludedAmount",
    "InvoiceDetails/InvoiceTotalVatAmount",
    "InvoiceDetails/InvoiceTotalVatIncludedAmount",
    "InvoiceDetails/VatSpecificationDetails/VatBaseAmount",
    "InvoiceDetails/VatSpecificationDetails/VatRatePercent",
    "InvoiceDetails/VatSpecificationDetails/VatRateAmount",
    "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate",
    "InvoiceRow/ArticleName",
    "InvoiceRow/InvoicedQuantity",
    "InvoiceRow/UnitPriceAmount",
    "InvoiceRow/RowVatRatePercent",
    "InvoiceRow/RowVatExcludedAmount",
    "EpiDetails/EpiIdentificationDetails/EpiDate",
    "EpiDetails/EpiIdentificationDetails/EpiReference",
    "EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier",
    "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiNameAddressDetails",
    "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
    "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
    "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount",
    "EpiDetails/EpiPaymentInstructionDetails/EpiCharge",
    "EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate",
]


def money(el: ET.Element | None) -> Decimal:
    assert el is not None and el.get("AmountCurrencyIdentifier") == "EUR"
    return Decimal(el.text.replace(",", "."))


def order_of(el: ET.Element) -> list[str]:
    """Child tags in order, repeats collapsed."""
    tags: list[str] = []
    for child in el:
        if not tags or tags[-1] != child.tag:
            tags.append(child.tag)
    return tags


def is_subsequence(ours: list[str], theirs: list[str]) -> bool:
    it = iter(theirs)
    return all(tag in it for tag in ours)


@pytest.fixture
def exported():
    invoice = make_invoice(
        lines=[
            line("Konsultointi", quantity="10", unit_price="81", unit="h"),
            line("Käsikirja", quantity="2", unit_price="25", vat_code="reduced_1"),
            line("Toimitus", quantity="1", unit_price="12"),
        ],
        invoice_date=dt.date(2026, 9, 1),
        buyer_reference="PROJ-42",
    )
    return invoice, ET.fromstring(finvoice_bytes(invoice))  # noqa: S314


def test_formatting():
    assert amount(Decimal("1088.36")) == "1088,36"
    assert amount(Decimal("-5")) == "-5,00"
    assert percent(Decimal("25.50")) == "25,5"
    assert percent(Decimal("24.00")) == "24"


@pytest.mark.django_db
def test_every_mandatory_element_is_present(exported):
    _invoice, root = exported
    assert root.tag == "Finvoice" and root.get("Version") == "3.0"
    missing = [p for p in MANDATORY if root.find(p) is None or not root.find(p).text]
    assert not missing


@pytest.mark.django_db
def test_the_order_matches_the_sample(exported):
    _invoice, root = exported
    sample = ET.parse(SAMPLE).getroot()  # noqa: S314
    assert is_subsequence(order_of(root), order_of(sample))
    for path in (
        "SellerPartyDetails",
        "SellerPartyDetails/SellerPostalAddressDetails",
        "BuyerPartyDetails",
        "InvoiceDetails",
        "InvoiceDetails/VatSpecificationDetails",
        "InvoiceDetails/PaymentTermsDetails",
        "InvoiceRow",
        "EpiDetails",
        "EpiDetails/EpiPartyDetails",
        "EpiDetails/EpiPaymentInstructionDetails",
    ):
        ours, theirs = order_of(root.find(path)), order_of(sample.find(path))
        assert is_subsequence(ours, theirs), path


@pytest.mark.django_db
def test_amounts_and_payment_details(exported):
    invoice, root = exported
    details = root.find("InvoiceDetails")
    # The sample invoice's figures: 822 € at 25.5 % and 50 € at 13.5 %.
    assert money(details.find("InvoiceTotalVatExcludedAmount")) == Decimal("872.00")
    assert money(details.find("InvoiceTotalVatAmount")) == Decimal("216.36")
    assert money(details.find("InvoiceTotalVatIncludedAmount")) == Decimal("1088.36")
    specs = {
        s.find("VatRatePercent").text: (
            money(s.find("VatBaseAmount")),
            money(s.find("VatRateAmount")),
        )
        for s in details.findall("VatSpecificationDetails")
    }
    assert specs == {
        "25,5": (Decimal("822.00"), Decimal("209.61")),
        "13,5": (Decimal("50.00"), Decimal("6.75")),
    }
    rows = root.findall("InvoiceRow")
    assert sum(money(r.find("RowVatExcludedAmount")) for r in rows) == Decimal("872")
    assert rows[0].find("InvoicedQuantity").get("QuantityUnitCode") == "h"
    assert details.find("InvoiceNumber").text == str(invoice.number)
    assert details.find("InvoiceDate").text == "20260901"
    assert details.find("PaymentTermsDetails/InvoiceDueDate").text == "20260915"
    epi = root.find("EpiDetails")
    rf = formats.rf_reference(invoice.reference)
    assert epi.find("EpiIdentificationDetails/EpiReference").text == rf
    instruction = epi.find("EpiPaymentInstructionDetails")
    assert instruction.find("EpiRemittanceInfoIdentifier").text == rf
    assert money(instruction.find("EpiInstructedAmount")) == Decimal("1088.36")
    assert instruction.find("EpiDateOptionDate").text == "20260915"
    party = epi.find("EpiPartyDetails")
    assert party.find("EpiBfiPartyDetails/EpiBfiIdentifier").text == "NDEAFIHH"
    assert (
        party.find("EpiBeneficiaryPartyDetails/EpiAccountID").text
        == "FI2112345600000785"
    )
    assert root.find("BuyerContactPersonName").text == invoice.contact_name


@pytest.mark.django_db
def test_a_credit_note_is_inv02_referring_to_the_invoice():
    invoice = make_invoice()
    note = credit_note_issue(actor=None, invoice=invoice)
    root = ET.fromstring(finvoice_bytes(note))  # noqa: S314
    details = root.find("InvoiceDetails")
    assert details.find("InvoiceTypeCode").text == "INV02"
    assert details.find("InvoiceTypeCodeUN").text == "381"
    assert details.find("OriginalInvoiceNumber").text == str(invoice.number)
    assert money(details.find("InvoiceTotalVatIncludedAmount")) == -invoice.total_gross
    instructed = root.find(
        "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount"
    )
    assert money(instructed) == Decimal("0.00")


@pytest.mark.django_db
def test_drafts_are_not_exported():
    with pytest.raises(ValueError):
        finvoice_bytes(make_invoice(issue=False))


# --- Schema validity -------------------------------------------------------------


def test_the_vendored_schema_accepts_the_sample_and_refuses_the_old_envelope():
    sample = SAMPLE.read_bytes()
    assert errors_of(sample) == []
    # What the export used to write: a receiver without ToIntermediator.
    old = sample.replace(b"<ToIntermediator>003723327487</ToIntermediator>", b"")
    assert any("ToIntermediator" in e for e in errors_of(old))


@pytest.mark.django_db
def test_every_export_passes_through_the_schema_check():
    before = len(hook.VALIDATED)
    invoice = make_invoice()
    assert_valid(finvoice_bytes(invoice))
    assert len(hook.VALIDATED) == before + 1


@pytest.mark.django_db
def test_the_receiver_is_never_written_without_its_intermediator():
    root = assert_valid(finvoice_bytes(make_invoice()))
    receiver = root.find("MessageTransmissionDetails/MessageReceiverDetails")
    assert receiver is None or receiver.find("ToIntermediator") is not None


# --- Field lengths -----------------------------------------------------------------

LONG_NAME = (
    "Pohjois-Pohjanmaan Sairaanhoitopiirin Kuntayhtymän Tietohallinto- "
    "ja Kehittämispalvelut Oyj"
)  # 91 characters, like a real registered name
LONG_STREET = "Teknologiantie 14 B 27, Innovaatiokeskus Kampus"  # 47
LONG_TEXT = (
    "Ohjelmiston ylläpito ja tukipalvelut ajalle 1.1.–31.3.2027 sisältäen "
    "päivitykset, tietoturvapäivitykset, varmuuskopiot ja etätuen."
)  # 130


def test_split_text_breaks_between_words():
    assert len(LONG_NAME) == 91 and len(LONG_STREET) == 47 and len(LONG_TEXT) == 130
    parts = finvoice_rules.split_text(LONG_NAME, 70)
    assert len(parts) == 2 and all(len(p) <= 70 for p in parts)
    assert " ".join(parts) == LONG_NAME
    assert finvoice_rules.split_text("x" * 80, 35) == ["x" * 35, "x" * 35, "x" * 10]
    assert finvoice_rules.split_text("", 35) == []


@pytest.mark.django_db
def test_long_names_streets_and_line_texts_are_split_into_valid_xml():
    org = make_org(
        name=LONG_NAME,
        postal_street=LONG_STREET,
        postal_postal_code="90220",
        postal_city="Oulu",
    )
    _org, contact = make_billing_contact(org)
    invoice = make_invoice(
        organization=org, contact=contact, lines=[line(LONG_TEXT, unit_price="0.1234")]
    )
    root = assert_valid(finvoice_bytes(invoice))
    names = [e.text for e in root.findall("BuyerPartyDetails/BuyerOrganisationName")]
    assert len(names) == 2 and " ".join(names) == LONG_NAME
    streets = [
        e.text
        for e in root.findall(
            "BuyerPartyDetails/BuyerPostalAddressDetails/BuyerStreetName"
        )
    ]
    assert len(streets) == 2 and " ".join(streets) == LONG_STREET
    row = root.find("InvoiceRow")
    article = row.find("ArticleName").text
    assert len(article) <= 100
    assert f"{article} {row.find('RowFreeText').text}" == LONG_TEXT
    assert row.find("UnitPriceAmount").text == "0,1234"
    assert unit_amount(Decimal("12.5")) == "12,50"


@pytest.mark.django_db
def test_what_cannot_be_split_is_refused_at_issue_with_a_clear_message():
    org = make_org(
        postal_street=" ".join(["Pitkäkatuosoitteenosa"] * 6),  # > 3 x 35
        postal_postal_code="00100",
        postal_city="Helsinki",
    )
    _org, contact = make_billing_contact(org, first_name="A" * 40, last_name="B" * 40)
    draft = make_invoice(organization=org, contact=contact, issue=False)
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(actor=None, invoice=draft)
    assert set(exc.value.fields) == {"buyer_street", "contact_name"}
    assert all(
        c == "finvoice_length" for errs in exc.value.fields.values() for c, _m in errs
    )
    assert "35" in exc.value.fields["buyer_street"][0][1]
    draft.refresh_from_db()
    assert draft.number is None  # nothing issued, no number used


# --- VAT and parties --------------------------------------------------------------


@pytest.mark.django_db
def test_reverse_charge_says_so():
    invoice = make_invoice(lines=[line(vat_code="reverse")])
    root = assert_valid(finvoice_bytes(invoice))
    spec = root.find("InvoiceDetails/VatSpecificationDetails")
    assert spec.find("VatCode").text == "AE"
    assert spec.find("VatFreeText").text == "Käännetty verovelvollisuus"
    assert spec.find("VatExemptionReasonCode").text == "VATEX-EU-AE"


@pytest.mark.django_db
def test_a_buyer_without_business_id_is_not_given_one():
    org = make_org(
        business_id=None,
        postal_street="Kotikatu 3",
        postal_postal_code="33100",
        postal_city="Tampere",
    )
    _org, contact = make_billing_contact(org)
    invoice = make_invoice(organization=org, contact=contact)
    root = assert_valid(finvoice_bytes(invoice))
    assert root.find("BuyerPartyDetails/BuyerPartyIdentifier") is None
    for el in root.iter():
        if el.get("SchemeID") == "0037":
            assert invoice.buyer_customer_number not in (el.text or "")


# --- Operator envelope -----------------------------------------------------------


@pytest.mark.django_db
def test_with_the_buyers_e_invoice_address_the_envelope_is_complete():
    invoice = make_invoice(
        einvoice_address="0037 1234567-1", einvoice_operator="003721291126"
    )
    assert invoice.einvoice_address == "003712345671"
    root = assert_valid(finvoice_bytes(invoice))
    receiver = root.find("MessageTransmissionDetails/MessageReceiverDetails")
    assert receiver.find("ToIdentifier").text == "003712345671"
    assert receiver.find("ToIdentifier").get("SchemeID") == "0037"
    assert receiver.find("ToIntermediator").text == "003721291126"
    sender = root.find("MessageTransmissionDetails/MessageSenderDetails")
    assert sender.find("FromIdentifier").text == "003723456780"
    # A credit note goes where its invoice went.
    note = credit_note_issue(actor=None, invoice=invoice)
    root = assert_valid(finvoice_bytes(note))
    assert root.find(
        "MessageTransmissionDetails/MessageReceiverDetails/ToIntermediator"
    ).text == ("003721291126")


@pytest.mark.django_db
def test_an_e_invoice_address_needs_its_operator():
    with pytest.raises(ValidationFailed) as exc:
        make_invoice(issue=False, einvoice_address="003712345671")
    assert exc.value.fields["einvoice_operator"][0][0] == "einvoice_incomplete"
    with pytest.raises(ValidationFailed) as exc:
        make_invoice(
            issue=False, einvoice_address="0037/1234", einvoice_operator="NDEAFIHH"
        )
    assert exc.value.fields["einvoice_address"][0][0] == "einvoice_invalid"


@pytest.mark.django_db
def test_reverse_charge_needs_the_buyers_vat_number():
    org = make_org(
        business_id=None,
        postal_street="Kotikatu 3",
        postal_postal_code="33100",
        postal_city="Tampere",
    )
    _org, contact = make_billing_contact(org)
    draft = make_invoice(
        organization=org, contact=contact, issue=False, lines=[line(vat_code="reverse")]
    )
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(actor=None, invoice=draft)
    assert exc.value.fields["organization"][0][0] == "buyer_vat_missing"
    draft.refresh_from_db()
    assert draft.number is None
    # The same buyer with an ordinary rate is invoiced as before.
    ordinary = make_invoice(organization=org, contact=contact)
    assert_valid(finvoice_bytes(ordinary))
