"""Payments: status from payments and credit notes, manual entry, camt.054
and KTL import with reporting and idempotency."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from rekisteri.billing.camt import CamtError, read_camt054
from rekisteri.billing.choices import PaymentSource, PaymentStatus
from rekisteri.billing.ktl import read_ktl
from rekisteri.billing.models import Invoice, Payment, PaymentImport
from rekisteri.billing.payments import (
    balance_of,
    payment_import,
    payment_record,
    with_balances,
)
from rekisteri.billing.services import credit_note_issue
from rekisteri.core import formats
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.testing import client_as
from rekisteri.testing.billing import line, make_invoice

DATA = Path(__file__).parent / "data"


def camt(*entries: tuple[str, str, str]) -> bytes:
    """A camt.054.001.02 credit notification: (amount, reference, archive id).

    Shaped like the Finnish bank sample in tests/data; a reference of ""
    gives unstructured remittance text instead.
    """
    items = []
    for amount, reference, archive in entries:
        remittance = (
            f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{reference}</Ref></CdtrRefInf></Strd>"
            if reference
            else "<Ustrd>lasku 1000</Ustrd>"
        )
        items.append(
            f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
            <Sts>BOOK</Sts><BookgDt><Dt>2026-10-01</Dt></BookgDt>
            <AcctSvcrRef>{archive}</AcctSvcrRef><NtryDtls><TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>MAKSAJA OY</Nm></Dbtr></RltdPties>
            <RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>T1</MsgId></GrpHdr><Ntfctn>"
        + "".join(items)
        + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


# --- Readers -------------------------------------------------------------------


def test_the_finnish_camt054_sample_is_read_transaction_by_transaction():
    with (DATA / "jbank_camt054_finland_example.xml").open("rb") as fh:
        txs = list(read_camt054(fh))
    assert len(txs) == 4
    assert txs[0].amount == Decimal("88.16") and txs[0].references == ()
    assert txs[0].has_free_text
    assert txs[1].references == ("9544208",)
    assert txs[1].bank_reference == "20170123456"
    assert txs[3].currency == "EUR" and txs[3].amount == Decimal("216.85")
    assert all(t.credit and t.booked for t in txs)
    assert txs[0].booking_date == dt.date(2017, 1, 22)


def test_the_generic_camt054_sample_reads_debits_and_several_transactions():
    with (DATA / "genkgo_camt054.v2.xml").open("rb") as fh:
        txs = list(read_camt054(fh))
    assert txs and not txs[0].credit
    assert len({t.bank_reference for t in txs}) == len(txs)  # unique per tx
    assert txs[0].references == ()  # a proprietary (ISR) type is not SCOR


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<Document><unclosed>",
        b"<Invoice/>",
        b'<!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>',
    ],
)
def test_unreadable_camt_is_refused(content):
    with pytest.raises(CamtError):
        list(read_camt054(io.BytesIO(content)))


def test_the_ktl_sample_is_read():
    with (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").open("rb") as fh:
        txs = list(read_ktl(fh))
    assert len(txs) == 13
    assert txs[0].amount == Decimal("323.24")
    assert txs[0].references == ("13",)
    assert txs[1].references == ("455435",)
    assert txs[0].booking_date == dt.date(2006, 3, 2)
    assert all(t.bank_reference.startswith("KTL:") for t in txs)


def test_a_downloaded_svm_file_is_read():
    with (DATA / "jbank_547392460.SVM").open("rb") as fh:
        (tx,) = list(read_ktl(fh))
    assert (tx.amount, tx.currency, tx.credit) == (Decimal("49.00"), "EUR", True)
    assert tx.references == ("13013",)
    assert tx.bank_reference == "KTL:02042588WWRV0212"
    # The payment date (maksupäivä), then the booking date if it is missing.
    assert tx.booking_date == dt.date(2018, 2, 4)


def test_a_ktl_file_saved_with_a_byte_order_mark_is_read_the_same():
    # A file opened and saved in a Windows editor gains a UTF-8 mark.
    raw = (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").read_bytes()
    plain = list(read_ktl(io.BytesIO(raw)))
    marked = list(read_ktl(io.BytesIO(b"\xef\xbb\xbf" + raw)))
    assert marked == plain and len(marked) == 13


# --- Status --------------------------------------------------------------------


@pytest.mark.django_db
def test_status_follows_payments_and_credit_notes():
    draft = make_invoice(issue=False)
    assert balance_of(draft).status == PaymentStatus.DRAFT
    invoice = make_invoice()  # 125.50
    assert balance_of(invoice).status == PaymentStatus.OPEN
    today = dt.date.today()
    payment_record(actor=None, invoice=invoice, amount="25.50", paid_on=today)
    assert balance_of(invoice).status == PaymentStatus.PARTLY_PAID
    assert balance_of(invoice).outstanding == Decimal("100.00")
    payment_record(actor=None, invoice=invoice, amount="100", paid_on=today)
    assert balance_of(invoice).status == PaymentStatus.PAID
    payment_record(actor=None, invoice=invoice, amount="1", paid_on=today)
    assert balance_of(invoice).status == PaymentStatus.OVERPAID

    credited = make_invoice()
    credit_note_issue(actor=None, invoice=credited)
    assert balance_of(credited).status == PaymentStatus.CREDITED
    annotated = {i.pk: i for i in with_balances(Invoice.objects.all())}
    assert balance_of(annotated[invoice.pk]).status == PaymentStatus.OVERPAID
    assert balance_of(annotated[credited.pk]).status == PaymentStatus.CREDITED


@pytest.mark.django_db
def test_a_partial_credit_note_lowers_what_is_due():
    invoice = make_invoice(lines=[line(quantity="2")])  # 251.00
    credit_note_issue(actor=None, invoice=invoice, lines=[line(quantity="-1")])
    payment_record(
        actor=None, invoice=invoice, amount="125.50", paid_on=dt.date.today()
    )
    assert balance_of(invoice).status == PaymentStatus.PAID


# --- Manual payments -----------------------------------------------------------


@pytest.mark.django_db
def test_manual_payment_validation():
    invoice = make_invoice()
    with pytest.raises(ValidationFailed) as exc:
        payment_record(
            actor=None,
            invoice=invoice,
            amount="-5",
            paid_on=dt.date.today() + dt.timedelta(days=3),
            reference="123454",
        )
    assert set(exc.value.fields) == {"amount", "paid_on", "reference"}
    other = make_invoice()
    with pytest.raises(ValidationFailed) as exc:
        payment_record(
            actor=None,
            invoice=invoice,
            amount="5",
            paid_on=dt.date.today(),
            reference=formats.rf_reference(other.reference),
        )
    assert exc.value.fields["reference"][0][0] == "reference_mismatch"
    with pytest.raises(Conflict):
        payment_record(
            actor=None,
            invoice=make_invoice(issue=False),
            amount="5",
            paid_on=dt.date.today(),
        )
    assert not Payment.objects.exists()
    payment_record(
        actor=None,
        invoice=invoice,
        amount="5,00",
        paid_on=dt.date.today(),
        reference=formats.format_rf_reference(formats.rf_reference(invoice.reference)),
    )
    assert Payment.objects.get().amount == Decimal("5.00")


# --- Import --------------------------------------------------------------------


@pytest.mark.django_db
def test_camt_import_matches_by_reference_and_reports_the_rest():
    exact = make_invoice()  # 125.50 each
    partly = make_invoice()
    over = make_invoice()
    rf = formats.rf_reference(over.reference)
    content = camt(
        ("125.50", exact.reference, "A1"),
        ("100.00", formats.format_reference(partly.reference), "A2"),
        ("200.00", rf, "A3"),
        ("50.00", formats.reference_from_base("999999999"), "A4"),
        ("10.00", "", "A5"),
        ("10.00", "123454", "A6"),
    )
    result = payment_import(actor=None, stream=io.BytesIO(content))
    assert not result.already
    outcomes = [(r["position"], r["outcome"]) for r in result.payment_import.report]
    assert outcomes == [
        (1, "matched"),
        (2, "partial"),
        (3, "overpaid"),
        (4, "unknown_reference"),
        (5, "no_reference"),
        (6, "invalid_reference"),
    ]
    assert result.payment_import.matched == 3
    assert balance_of(exact).status == PaymentStatus.PAID
    assert balance_of(partly).status == PaymentStatus.PARTLY_PAID
    assert balance_of(over).status == PaymentStatus.OVERPAID
    assert result.payment_import.report[2]["outstanding"] == "-74.50"
    assert Payment.objects.filter(source=PaymentSource.CAMT054).count() == 3
    # The report carries no payer names.
    assert "MAKSAJA" not in str(result.payment_import.report)


@pytest.mark.django_db
def test_reimporting_adds_nothing():
    invoice = make_invoice()
    content = camt(("125.50", invoice.reference, "B1"))
    first = payment_import(actor=None, stream=io.BytesIO(content))
    again = payment_import(actor=None, stream=io.BytesIO(content))
    assert again.already and again.payment_import == first.payment_import
    assert Payment.objects.count() == 1
    # A different file repeating the same bank transaction adds nothing either.
    overlapping = camt(("125.50", invoice.reference, "B1"), ("1.00", "", "B2"))
    third = payment_import(actor=None, stream=io.BytesIO(overlapping))
    assert [r["outcome"] for r in third.payment_import.report] == [
        "duplicate",
        "no_reference",
    ]
    assert Payment.objects.count() == 1
    assert PaymentImport.objects.count() == 2


@pytest.mark.django_db
def test_an_unreadable_file_records_nothing():
    invoice = make_invoice()
    broken = camt(("125.50", invoice.reference, "C1"))[:-20]
    with pytest.raises(ValidationFailed) as exc:
        payment_import(actor=None, stream=io.BytesIO(broken))
    assert exc.value.fields["file"][0][0] == "file_unreadable"
    assert not Payment.objects.exists() and not PaymentImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("genkgo_camt053.v2.minimal.xml", "camt.053 account statement"),
        ("genkgo_camt053.v8.xml", "camt.053 account statement"),
        ("genkgo_camt052.v2.xml", "camt.052 account report"),
    ],
)
def test_a_statement_or_report_is_refused_naming_it(name, says):
    # Real files: they list payments a camt.054 notifies under archive ids
    # of their own, so importing both would record a payment twice.
    with (
        translation.override("en"),
        (DATA / name).open("rb") as fh,
        pytest.raises(CamtError) as exc,
    ):
        list(read_camt054(fh))
    assert says in str(exc.value) and "camt.054" in str(exc.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<Document/>", "holds no message"),
        (b"<Document><Pain001/></Document>", "its message is Pain001"),
    ],
)
def test_a_document_without_a_notification_is_refused(content, says):
    with translation.override("en"), pytest.raises(CamtError, match=says):
        list(read_camt054(io.BytesIO(content)))


@pytest.mark.django_db
def test_importing_a_statement_after_its_notification_records_nothing_twice():
    invoice = make_invoice()
    notified = camt(("125.50", invoice.reference, "N1"))
    payment_import(actor=None, stream=io.BytesIO(notified))
    # The same payment in the day's statement, under the statement's own
    # archive id: refused as a whole.
    statement = (
        notified.replace(b"BkToCstmrDbtCdtNtfctn", b"BkToCstmrStmt")
        .replace(b"Ntfctn>", b"Stmt>")
        .replace(b"camt.054.001.02", b"camt.053.001.02")
        .replace(b"N1", b"S1")
    )
    with pytest.raises(ValidationFailed) as exc:
        payment_import(actor=None, stream=io.BytesIO(statement))
    assert exc.value.fields["file"][0][0] == "file_unreadable"
    assert "camt.053" in str(exc.value.fields["file"][0][1])
    assert Payment.objects.count() == 1 and PaymentImport.objects.count() == 1


_ENTITIES = '<!DOCTYPE d [<!ENTITY a "1"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [("UTF-16", "utf-16"), ("UTF-16BE", "utf-16-be"), ("UTF-16LE", "utf-16-le")],
)
def test_a_dtd_is_refused_in_any_encoding(declared, encoding):
    # In UTF-16 "<!DOCTYPE" is not those bytes: a check of the bytes let
    # the declaration through and the parser expanded its entities.
    doc = (
        f'<?xml version="1.0" encoding="{declared}"?>{_ENTITIES}'
        "<Document><BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry>"
        '<Amt Ccy="EUR">&b;</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    )
    raw = doc.encode(encoding)
    with (
        translation.override("en"),
        pytest.raises(CamtError, match="document type declarations"),
    ):
        list(read_camt054(io.BytesIO(raw)))


def test_a_camt_in_utf16_without_a_dtd_is_read():
    content = camt(("125.50", "RF18539007547034", "U1")).decode()
    content = content.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (tx,) = read_camt054(io.BytesIO(content.encode("utf-16")))
    assert tx.amount == Decimal("125.50") and tx.bank_reference == "U1"


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [("UTF-16-BE", "utf-16-be"), ("Shift_JIS", "shift_jis"), ("x-unknown", "utf-8")],
)
def test_an_encoding_the_parser_cannot_read_is_refused(declared, encoding):
    # The parser raised ValueError or LookupError, which the import did not
    # catch: a server error instead of a refusal.
    doc = f'<?xml version="1.0" encoding="{declared}"?><Document/>'
    with (
        translation.override("en"),
        pytest.raises(CamtError, match="encoding cannot be read"),
    ):
        list(read_camt054(io.BytesIO(doc.encode(encoding))))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("doc", "encoding"),
    [
        # An encoding expat does not know by its declared name.
        ('<?xml version="1.0" encoding="UTF-16-BE"?><Document/>', "utf-16-be"),
        # A DTD in UTF-16, past a check of the file's bytes.
        (
            f'<?xml version="1.0" encoding="UTF-16"?>{_ENTITIES}'
            "<Document><BkToCstmrDbtCdtNtfctn/></Document>",
            "utf-16",
        ),
    ],
)
def test_a_file_the_parser_refuses_records_nothing(doc, encoding):
    with pytest.raises(ValidationFailed) as exc:
        payment_import(actor=None, stream=io.BytesIO(doc.encode(encoding)))
    assert exc.value.fields["file"][0][0] == "file_unreadable"
    assert not PaymentImport.objects.exists()


@pytest.mark.django_db
def test_two_payments_in_one_file_count_against_the_same_invoice():
    invoice = make_invoice()
    content = camt(
        ("100.00", invoice.reference, "D1"), ("25.50", invoice.reference, "D2")
    )
    result = payment_import(actor=None, stream=io.BytesIO(content))
    assert [r["outcome"] for r in result.payment_import.report] == [
        "partial",
        "matched",
    ]
    assert balance_of(invoice).status == PaymentStatus.PAID


@pytest.mark.django_db
def test_ktl_import_of_the_sample_reports_unknown_references():
    content = (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").read_bytes()
    result = payment_import(
        actor=None, stream=io.BytesIO(content), fmt=PaymentSource.KTL
    )
    report = result.payment_import.report
    # The two direct debits with a receipt code other than 0 (7 and 4) were
    # not made: the file's summary counts them apart from its 11 credits.
    failed = [r["position"] for r in report if r["outcome"] == "not_credit"]
    assert failed == [11, 12]
    outcomes = {r["outcome"] for r in report if r["position"] not in failed}
    assert outcomes <= {"unknown_reference", "invalid_reference"}
    assert result.payment_import.entries == 13
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_dtd_anywhere_in_the_file_is_refused():
    padding = b"<!-- " + b"x" * 70_000 + b" -->"
    content = (
        b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE d [<!ENTITY a "b">]>'
        b"<Document>&a;</Document>"
    )
    with pytest.raises(ValidationFailed) as exc:
        payment_import(actor=None, stream=io.BytesIO(content))
    assert exc.value.fields["file"][0][0] == "file_unreadable"
    assert not PaymentImport.objects.exists()


# --- Bank files from the real world -----------------------------------------------

JBANK = DATA / "jbank_camt054_finland_example.xml"


def entry(
    amount: str,
    reference: str,
    archive: str,
    *,
    status: str = "<Sts>BOOK</Sts>",
    ccy: str = 'Ccy="EUR"',
    booked_on: str = "2026-10-01",
) -> str:
    """One Ntry shaped like the Finnish bank sample's, with the given parts."""
    return f"""<Ntry><Amt {ccy}>{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        {status}<BookgDt><Dt>{booked_on}</Dt></BookgDt>
        <AcctSvcrRef>{archive}</AcctSvcrRef><NtryDtls><TxDtls>
        <AmtDtls><TxAmt><Amt {ccy}>{amount}</Amt></TxAmt></AmtDtls>
        <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
        <Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def notification(*entries: str, version: str = "02", account_ccy: str = "") -> bytes:
    account = f"<Acct><Id><IBAN>FI2112345600000785</IBAN></Id>{account_ccy}</Acct>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>T1</MsgId></GrpHdr><Ntfctn>"
        + account
        + "".join(entries)
        + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def outcomes(result) -> list[str]:
    return [r["outcome"] for r in result.payment_import.report]


@pytest.mark.parametrize(
    ("status", "booked"),
    [
        ("<Sts>BOOK</Sts>", True),
        ("<Sts><Cd>BOOK</Cd></Sts>", True),
        ("<Sts><Cd>PDNG</Cd></Sts>", False),
        ("<Sts><Cd>INFO</Cd></Sts>", False),
        ("<Sts>PDNG</Sts>", False),
        ("", False),
    ],
)
def test_only_booked_entries_count_as_booked(status, booked):
    content = notification(entry("10.00", "123455", "S1", status=status), version="08")
    (tx,) = read_camt054(io.BytesIO(content))
    assert tx.booked is booked


@pytest.mark.django_db
def test_pending_and_informational_entries_are_reported_not_recorded():
    invoice = make_invoice()
    ref = invoice.reference
    content = notification(
        entry("25.50", ref, "P1", status="<Sts><Cd>PDNG</Cd></Sts>"),
        entry("25.50", ref, "P2", status="<Sts><Cd>INFO</Cd></Sts>"),
        entry("25.50", ref, "P3", status="<Sts><Cd>BOOK</Cd></Sts>"),
        version="08",
    )
    result = payment_import(actor=None, stream=io.BytesIO(content))
    assert outcomes(result) == ["not_booked", "not_booked", "partial"]
    assert [r.get("status") for r in result.payment_import.report[:2]] == [
        "PDNG",
        "INFO",
    ]
    assert Payment.objects.get().amount == Decimal("25.50")


@pytest.mark.django_db
def test_absurd_and_sub_cent_amounts_are_refused_with_a_reason():

    from rekisteri.accounts.choices import StaffRole

    invoice = make_invoice()  # 125.50
    ref = invoice.reference
    content = notification(
        entry("99999999999999999999.99", ref, "X1"),
        entry("125.499", ref, "X2"),
        entry("1e3", ref, "X3"),
        entry("125.500", ref, "X4"),  # whole cents written with three decimals
    )
    result = payment_import(actor=None, stream=io.BytesIO(content))
    assert outcomes(result) == ["amount_too_large", "sub_cent", "no_amount", "matched"]
    assert Payment.objects.get().amount == Decimal("125.50")
    client = client_as(StaffRole.BILLING)
    page = client.get(f"/billing/invoices/{invoice.pk}/")
    assert page.status_code == 200
    report = client.get(f"/billing/payments/imports/{result.payment_import.pk}/")
    assert report.status_code == 200


@pytest.mark.django_db
def test_future_booking_dates_are_refused_like_manual_entry():
    invoice = make_invoice()
    content = notification(
        entry("125.50", invoice.reference, "F1", booked_on="2099-01-01")
    )
    result = payment_import(actor=None, stream=io.BytesIO(content))
    assert outcomes(result) == ["future_date"]
    assert not Payment.objects.exists()
    with pytest.raises(ValidationFailed):
        payment_record(
            actor=None, invoice=invoice, amount="1", paid_on=dt.date(2099, 1, 1)
        )


@pytest.mark.django_db
def test_non_euro_entries_are_reported_not_recorded():
    invoice = make_invoice()
    ref = invoice.reference
    chf = notification(entry("125.50", ref, "C1", ccy='Ccy="CHF"'))
    result = payment_import(actor=None, stream=io.BytesIO(chf))
    assert outcomes(result) == ["currency"]
    assert result.payment_import.report[0]["currency"] == "CHF"
    # No currency on the amount, a CHF account: not a euro amount either.
    unmarked = notification(
        entry("125.50", ref, "C2", ccy=""), account_ccy="<Ccy>CHF</Ccy>"
    )
    result = payment_import(actor=None, stream=io.BytesIO(unmarked))
    assert outcomes(result) == ["currency"]
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_finnish_sample_with_a_pending_entry_records_only_what_is_booked():
    """The Handelsbanken sample, its SCOR reference pointed at our invoice and
    its second entry marked pending in the newer structure."""
    invoice = make_invoice()
    content = JBANK.read_bytes().replace(b"9544208", invoice.reference.encode())
    booked = payment_import(actor=None, stream=io.BytesIO(content))
    assert "overpaid" in outcomes(booked)  # 742.45 against 125.50
    Payment.objects.all().delete()
    PaymentImport.objects.all().delete()
    head, rest = content.split(b"<Sts>BOOK</Sts>", 1)
    b, c = rest.split(b"<Sts>BOOK</Sts>", 1)
    pending = head + b"<Sts>BOOK</Sts>" + b + b"<Sts><Cd>PDNG</Cd></Sts>" + c
    result = payment_import(actor=None, stream=io.BytesIO(pending))
    assert outcomes(result)[1] == "not_booked"
    assert not Payment.objects.filter(invoice=invoice).exists()


def ktl_record(reference: str, cents: int, currency: str = "1") -> str:
    """The KTL sample's first payment record with our reference and amount."""
    sample = (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").read_text(
        encoding="latin-1"
    )
    record = sample.splitlines()[1]
    return (
        record[:43]
        + reference.rjust(20, "0")
        + record[63:75]
        + currency
        + record[76:77]
        + f"{cents:010d}"
        + record[87:]
    )


def ktl_summary(*, credits: int, cents: int) -> str:
    """A batch's summary record: its credits counted and summed, no
    corrections and no failed direct debits."""
    return f"9{credits:06d}{cents:011d}{0:06d}{0:011d}{0:06d}{0:011d}".ljust(90, "0")


@pytest.mark.django_db
def test_ktl_currency_other_than_euro_is_reported_not_recorded():
    invoice = make_invoice()
    sample = (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").read_text(
        encoding="latin-1"
    )
    header = sample.splitlines()[0]
    content = "\r\n".join(
        [
            header,
            ktl_record(invoice.reference, 1000, currency="2"),
            ktl_record(invoice.reference, 1000, currency="1"),
            ktl_summary(credits=2, cents=2000),
        ]
    ).encode("latin-1")
    result = payment_import(
        actor=None, stream=io.BytesIO(content), fmt=PaymentSource.KTL
    )
    assert outcomes(result) == ["currency", "partial"]
    assert Payment.objects.get().amount == Decimal("10.00")
