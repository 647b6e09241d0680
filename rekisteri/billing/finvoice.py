"""Finvoice 3.0 export of an issued invoice or credit note.

Element names and order follow the official schema ``Finvoice3.0.xsd``
(vendored with the tests, which validate every document they generate
against it) and the 3.0 sample in ``tests/data``: seller, buyer, invoice
details with the VAT specification and payment terms, rows, and the EPI
payment details (bank BIC, account IBAN, RF reference, amount, due date).
Amounts use a decimal comma, dates ``CCYYMMDD``. Texts longer than the
schema allows are split where the format allows it
(:mod:`rekisteri.billing.finvoice_rules`); the rest is refused at issue.

``MessageTransmissionDetails`` (the operator envelope) is written when the
invoice has the buyer's e-invoice address and operator: the schema requires
both (``ToIdentifier``, ``ToIntermediator``). Without them the envelope,
optional in the schema, is left out (the file is for printing, archiving or
a service that routes otherwise); the buyer's business ID or customer number
is never put in their place.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML here
from decimal import Decimal

from rekisteri.billing import finvoice_rules as rules
from rekisteri.billing.finvoice_rules import split_text
from rekisteri.billing.models import Invoice, InvoiceLine
from rekisteri.billing.totals import compute_totals, line_vat
from rekisteri.core import formats

CURRENCY = {"AmountCurrencyIdentifier": "EUR"}
DATE = {"Format": "CCYYMMDD"}
TYPES = {
    # kind: (InvoiceTypeCode, InvoiceTypeCodeUN, InvoiceTypeText)
    "invoice": ("INV01", "380", "LASKU"),
    "credit_note": ("INV02", "381", "HYVITYSLASKU"),
}


# Reverse charge: the invoice says so (VAT Act 209 f §) with the wording
# below, and carries the EN 16931 exemption reason code.
REVERSE_CHARGE_TEXT = "Käännetty verovelvollisuus"
VAT_FREE = {"AE": (REVERSE_CHARGE_TEXT, "VATEX-EU-AE")}


def amount(value: Decimal) -> str:
    """``1088.36`` → ``1088,36`` (Finvoice's decimal comma, two decimals)."""
    return f"{value:.2f}".replace(".", ",")


def unit_amount(value: Decimal) -> str:
    """A unit price with two to four decimals: ``0.1234`` → ``0,1234``."""
    text = f"{value:.4f}"
    whole, decimals = text.split(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    return f"{whole},{decimals}"


def percent(value: Decimal) -> str:
    """``25.50`` → ``25,5``; ``24.00`` → ``24``."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def ccyymmdd(value) -> str:
    return value.strftime("%Y%m%d")


def ovt(business_id: str) -> str:
    """The OVT identifier (0037 + business ID digits) used as e-invoice id."""
    digits = business_id.replace("-", "")
    return f"0037{digits}" if digits else ""


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str):
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _address(parent: ET.Element, prefix: str, inv: Invoice, who: str) -> None:
    details = _sub(parent, f"{prefix}PostalAddressDetails")
    street = split_text(getattr(inv, f"{who}_street"), rules.STREET)
    for part in street[: rules.STREET_PARTS]:
        _sub(details, f"{prefix}StreetName", part)
    _sub(details, f"{prefix}TownName", getattr(inv, f"{who}_city"))
    _sub(details, f"{prefix}PostCodeIdentifier", getattr(inv, f"{who}_postal_code"))
    _sub(details, "CountryCode", getattr(inv, f"{who}_country") or "FI")


def finvoice_element(
    invoice: Invoice,
    *,
    lines: list[InvoiceLine] | None = None,
    message_id: str | None = None,
    timestamp: str | None = None,
) -> ET.Element:
    """The ``<Finvoice Version="3.0">`` tree of an issued invoice."""
    if not invoice.is_issued:
        raise ValueError("only issued invoices are exported")
    lines = lines if lines is not None else list(invoice.lines.all())
    totals = compute_totals(lines)
    credit = invoice.is_credit_note
    root = ET.Element("Finvoice", {"Version": "3.0"})

    if invoice.einvoice_address and invoice.einvoice_operator:
        transmission = _sub(root, "MessageTransmissionDetails")
        sender = _sub(transmission, "MessageSenderDetails")
        _sub(
            sender,
            "FromIdentifier",
            ovt(invoice.seller_business_id),
            SchemeID="0037",
        )
        _sub(sender, "FromIntermediator", invoice.seller_bic)
        receiver = _sub(transmission, "MessageReceiverDetails")
        to = invoice.einvoice_address
        if to.startswith("0037"):
            _sub(receiver, "ToIdentifier", to, SchemeID="0037")
        else:
            _sub(receiver, "ToIdentifier", to)
        _sub(receiver, "ToIntermediator", invoice.einvoice_operator)
        message = _sub(transmission, "MessageDetails")
        _sub(message, "MessageIdentifier", message_id or str(invoice.pk))
        _sub(
            message,
            "MessageTimeStamp",
            timestamp or invoice.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    seller = _sub(root, "SellerPartyDetails")
    _sub(seller, "SellerPartyIdentifier", invoice.seller_business_id)
    for part in split_text(invoice.seller_name, rules.NAME):
        _sub(seller, "SellerOrganisationName", part)
    _sub(seller, "SellerOrganisationTaxCode", invoice.seller_vat_number)
    _address(seller, "Seller", invoice, "seller")
    _sub(root, "SellerOrganisationUnitNumber", ovt(invoice.seller_business_id))
    info = _sub(root, "SellerInformationDetails")
    account = _sub(info, "SellerAccountDetails")
    _sub(
        account, "SellerAccountID", invoice.seller_iban, IdentificationSchemeName="IBAN"
    )
    _sub(account, "SellerBic", invoice.seller_bic, IdentificationSchemeName="BIC")

    buyer = _sub(root, "BuyerPartyDetails")
    if invoice.buyer_business_id:
        _sub(buyer, "BuyerPartyIdentifier", invoice.buyer_business_id)
    for part in split_text(invoice.buyer_name, rules.NAME):
        _sub(buyer, "BuyerOrganisationName", part)
    if invoice.buyer_vat_number:
        _sub(buyer, "BuyerOrganisationTaxCode", invoice.buyer_vat_number)
    _address(buyer, "Buyer", invoice, "buyer")
    if invoice.contact_name:
        _sub(root, "BuyerContactPersonName", str(invoice.contact_name))

    details = _sub(root, "InvoiceDetails")
    code, code_un, text = TYPES[invoice.kind]
    _sub(details, "InvoiceTypeCode", code)
    _sub(details, "InvoiceTypeCodeUN", code_un)
    _sub(details, "InvoiceTypeText", text)
    _sub(details, "OriginCode", "Original")
    _sub(details, "InvoiceNumber", str(invoice.number))
    _sub(details, "InvoiceDate", ccyymmdd(invoice.invoice_date), **DATE)
    if credit and invoice.credited_invoice is not None:
        _sub(details, "OriginalInvoiceNumber", str(invoice.credited_invoice.number))
    if invoice.buyer_reference:
        _sub(details, "BuyerReferenceIdentifier", invoice.buyer_reference)
    _sub(details, "RowsTotalVatExcludedAmount", amount(totals.net), **CURRENCY)
    _sub(details, "InvoiceTotalVatExcludedAmount", amount(totals.net), **CURRENCY)
    _sub(details, "InvoiceTotalVatAmount", amount(totals.vat), **CURRENCY)
    _sub(details, "InvoiceTotalVatIncludedAmount", amount(totals.gross), **CURRENCY)
    for group in totals.groups:
        spec = _sub(details, "VatSpecificationDetails")
        _sub(spec, "VatBaseAmount", amount(group.base), **CURRENCY)
        _sub(spec, "VatRatePercent", percent(group.rate))
        _sub(spec, "VatCode", group.category)
        _sub(spec, "VatRateAmount", amount(group.vat), **CURRENCY)
        if group.category in VAT_FREE:
            text, reason = VAT_FREE[group.category]
            _sub(spec, "VatFreeText", text)
            _sub(spec, "VatExemptionReasonCode", reason)
    if invoice.notes:
        _sub(details, "InvoiceFreeText", invoice.notes)
    terms = _sub(details, "PaymentTermsDetails")
    _sub(
        terms,
        "PaymentTermsFreeText",
        f"{invoice.payment_terms_days} päivää netto",
    )
    _sub(terms, "InvoiceDueDate", ccyymmdd(invoice.due_date), **DATE)

    for line in lines:
        row = _sub(root, "InvoiceRow")
        name, *rest = split_text(line.description, rules.ARTICLE) or [""]
        _sub(row, "ArticleName", name)
        _sub(
            row, "InvoicedQuantity", quantity(line.quantity), QuantityUnitCode=line.unit
        )
        _sub(
            row,
            "UnitPriceAmount",
            unit_amount(line.unit_price),
            UnitPriceUnitCode=line.unit,
            **CURRENCY,
        )
        _sub(row, "RowPositionIdentifier", str(line.position))
        if rest:
            _sub(row, "RowFreeText", " ".join(rest))
        _sub(row, "RowVatRatePercent", percent(line.vat_rate))
        _sub(row, "RowVatCode", line.vat_category)
        vat = line_vat(line)
        _sub(row, "RowVatAmount", amount(vat), **CURRENCY)
        _sub(row, "RowVatExcludedAmount", amount(line.net_amount), **CURRENCY)
        _sub(row, "RowAmount", amount(line.net_amount + vat), **CURRENCY)

    rf = formats.rf_reference(invoice.reference)
    epi = _sub(root, "EpiDetails")
    ident = _sub(epi, "EpiIdentificationDetails")
    _sub(ident, "EpiDate", ccyymmdd(invoice.invoice_date), **DATE)
    _sub(ident, "EpiReference", rf)
    party = _sub(epi, "EpiPartyDetails")
    bfi = _sub(party, "EpiBfiPartyDetails")
    _sub(bfi, "EpiBfiIdentifier", invoice.seller_bic, IdentificationSchemeName="BIC")
    beneficiary = _sub(party, "EpiBeneficiaryPartyDetails")
    _sub(
        beneficiary,
        "EpiNameAddressDetails",
        rules.shorten(invoice.seller_name, rules.EPI_NAME),
    )
    _sub(
        beneficiary,
        "EpiAccountID",
        invoice.seller_iban,
        IdentificationSchemeName="IBAN",
    )
    instruction = _sub(epi, "EpiPaymentInstructionDetails")
    _sub(instruction, "EpiRemittanceInfoIdentifier", rf, IdentificationSchemeName="ISO")
    # A credit note asks for no payment.
    instructed = Decimal("0.00") if credit else totals.gross
    _sub(instruction, "EpiInstructedAmount", amount(instructed), **CURRENCY)
    _sub(instruction, "EpiCharge", "SHA", ChargeOption="SHA")
    _sub(instruction, "EpiDateOptionDate", ccyymmdd(invoice.due_date), **DATE)
    _sub(instruction, "EpiPaymentMeansCode", "58")
    return root


def finvoice_bytes(invoice: Invoice, **kwargs) -> bytes:
    """The Finvoice 3.0 document as UTF-8 bytes with an XML declaration."""
    root = finvoice_element(invoice, **kwargs)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
