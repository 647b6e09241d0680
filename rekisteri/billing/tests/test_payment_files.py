"""The payment-file readers against real bank files from public repositories
(tests/data/SOURCES.md): what each file says, read off the file itself."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from rekisteri.billing import ktl
from rekisteri.billing.camt import CamtError, read_camt054
from rekisteri.billing.ktl import KtlError, read_ktl

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _in_english():
    """The readers' refusals are in the active language (Finnish by
    default); these tests read them in English, and one in Finnish."""
    with translation.override("en"):
        yield


def camt_file(name: str):
    with (DATA / name).open("rb") as fh:
        return list(read_camt054(fh))


# --- camt.054 --------------------------------------------------------------------


def test_a_finnish_reference_payment_batch_is_read_payment_by_payment():
    # Danske's 705 VIITESIIRROT entry of 183.00 holds two payments, each with
    # its own archive id; then a direct-debit credit of 10.00.
    txs = camt_file("corporatejs_camt054_danske_finland.xml")
    assert [t.amount for t in txs] == [
        Decimal("147.00"),
        Decimal("36.00"),
        Decimal("10.00"),
    ]
    assert [t.references for t in txs] == [
        ("123",),
        ("RF74100978",),  # SCOR with <Issr>ISO</Issr>: still a creditor reference
        ("00000006450830029863",),  # a national reference, zero-padded
    ]
    assert [t.bank_reference for t in txs] == [
        "1109168E0049198529",
        "1109168E0049198530",
        "1109158E0049179974",
    ]
    assert all(t.credit and t.booked and t.currency == "EUR" for t in txs)
    assert {t.account_currency for t in txs} == {"EUR"}
    assert {t.booking_date for t in txs} == {dt.date(2011, 9, 16)}
    assert not any(t.has_free_text for t in txs)
    assert [t.position for t in txs] == [1, 2, 3]


def test_a_collective_credit_of_eight_transactions_loses_none():
    # One Ntry of 620.00 CHF, eight TxDtls with their own Amt (camt.054.001.04
    # puts it directly in TxDtls) and archive ids; charges are not payments.
    txs = camt_file("dvbern_camt054.v4_batch_of_8.xml")
    amounts = [t.amount for t in txs]
    assert amounts == [
        Decimal(a) for a in ("50.00", "20.00", "100.00", "100.00", "30.00")
    ] + [Decimal(a) for a in ("50.00", "20.00", "250.00")]
    assert sum(amounts) == Decimal("620.00")
    assert len({t.bank_reference for t in txs}) == 8
    assert txs[0].bank_reference == "160527CH00T2UENT"
    assert txs[7].bank_reference == "160527CH00T3HG80"
    assert all(t.credit and t.booked and t.currency == "CHF" for t in txs)
    assert {t.booking_date for t in txs} == {dt.date(2016, 5, 27)}
    # Free text only, never mined for a reference.
    assert all(t.references == () for t in txs)
    assert [t.has_free_text for t in txs] == [
        True,
        True,
        True,
        False,
        False,
        True,
        True,
        True,
    ]


def test_reversals_with_charges_are_not_credits():
    txs = camt_file("viafintech_camt054.v4.xml")
    assert [(t.amount, t.credit) for t in txs] == [
        (Decimal("15.00"), True),  # a batch of two direct-debit credits
        (Decimal("9.00"), True),
        (Decimal("56.56"), True),
        (Decimal("6.00"), False),  # DBIT, RvslInd true: a refunded debit
        (Decimal("15.53"), False),
    ]
    # The transactions' own archive ids, not the entries'.
    assert [t.bank_reference for t in txs] == [
        "TST_201-2091644-9",
        "TST_201-2091644-8",
        "TST_201-13113-5",
        "TST_205-2091679-6",
        "TST_205-28529-1",
    ]
    assert all(t.currency == "CHF" and t.booked for t in txs)
    assert all(t.booking_date == dt.date(2016, 4, 10) for t in txs)
    assert [t.has_free_text for t in txs] == [True, True, False, True, True]
    assert all(t.references == () for t in txs)


def test_a_credit_reversal_is_not_recorded_as_a_payment():
    # The first entry is CRDT with <RvslInd>true</RvslInd>: money coming back,
    # not a payment. It was read as a credit, and its creditor reference
    # would have been matched against the invoices.
    first, pending, debit = camt_file(
        "dvbern_camt054_Beispiel_NoCrdtBookedNotReversed.xml"
    )
    assert first.amount == Decimal("111.00") and first.references == (
        "123456789012345678901234567",
    )
    assert first.credit is False and first.booked
    assert first.bank_reference == ""  # the file gives no archive id
    assert first.booking_date == dt.date(2017, 7, 26)
    # Pending, without any date: credit, not booked, no date guessed.
    assert (pending.amount, pending.credit, pending.booked, pending.status) == (
        Decimal("2.00"),
        True,
        False,
        "PDNG",
    )
    assert pending.booking_date is None
    assert pending.bank_reference == "170557CH00T3HG30"
    # A DBIT entry whose transaction says CRDT: the entry's booking decides.
    assert (debit.amount, debit.credit) == (Decimal("3.00"), False)
    assert debit.references == ("110000000000070100000112264",)  # no Tp given


def test_several_creditor_references_and_a_proprietary_one():
    # camt.054.001.04: a DBIT entry; the ISR reference is proprietary and not
    # taken; the third transaction carries two SCOR references.
    txs = camt_file("genkgo_camt054.v4.xml")
    assert [t.amount for t in txs] == [
        Decimal("3.1"),
        Decimal("3.2"),
        Decimal("3.2"),
    ]
    assert not any(t.credit for t in txs)
    assert [t.references for t in txs] == [
        (),
        (),
        ("Ref number V3 block 1", "Ref number V3 block 2"),
    ]
    # No per-transaction archive id: the entry's, numbered.
    assert [t.bank_reference for t in txs] == [
        "ACSR160617103200001/1",
        "ACSR160617103200001/2",
        "ACSR160617103200001/3",
    ]
    assert [t.has_free_text for t in txs] == [True, False, True]
    assert {t.booking_date for t in txs} == {dt.date(2007, 10, 18)}


def test_a_v08_entry_without_dates_or_archive_id_takes_the_entry_amount():
    (tx,) = camt_file("genkgo_camt054.v8-with-UETR.xml")
    assert (tx.amount, tx.currency, tx.credit) == (Decimal("200000"), "SEK", False)
    assert tx.booked and tx.status == "BOOK"  # <Sts><Cd>BOOK</Cd></Sts>
    assert tx.booking_date is None and tx.bank_reference == ""
    assert tx.references == ()


def test_a_v08_collective_credit_with_proprietary_references():
    txs = camt_file("dvbern_camt054.v8_qrr.xml")
    assert [t.amount for t in txs] == [Decimal("778.29"), Decimal("913.93")]
    assert sum(t.amount for t in txs) == Decimal("1692.22")  # the entry's amount
    assert [t.bank_reference for t in txs] == [
        "2000000000000000",
        "3000000000000000",
    ]
    assert all(t.credit and t.booked and t.status == "BOOK" for t in txs)
    # A CHF account: the import reports these as not euros.
    assert {(t.currency, t.account_currency) for t in txs} == {("CHF", "CHF")}
    assert all(t.booking_date == dt.date(2020, 6, 18) for t in txs)
    # Swiss QR references are proprietary (Prtry QRR), not creditor references.
    assert all(t.references == () and not t.has_free_text for t in txs)


def test_a_document_without_a_message_is_refused():
    with pytest.raises(CamtError, match="holds no message"):
        camt_file("dvbern_camt_054_Beispiel_NotificationMissing.xml")


@pytest.mark.parametrize(
    "name",
    [
        "corporatejs_camt054_danske_finland.xml",
        "dvbern_camt054.v4_batch_of_8.xml",
        "viafintech_camt054.v4.xml",
    ],
)
def test_a_real_file_cut_short_is_refused_with_the_readers_error(name):
    raw = (DATA / name).read_bytes()
    with pytest.raises(CamtError, match="not well-formed XML"):
        list(read_camt054(io.BytesIO(raw[: len(raw) // 2])))


def test_a_real_file_saved_with_a_byte_order_mark_is_read_the_same():
    raw = (DATA / "dvbern_camt054.v4_batch_of_8.xml").read_bytes()
    plain = list(read_camt054(io.BytesIO(raw)))
    marked = list(read_camt054(io.BytesIO(b"\xef\xbb\xbf" + raw)))
    assert marked == plain and len(marked) == 8


# --- KTL ---------------------------------------------------------------------------


def test_a_ktl_file_whose_summary_leaves_a_record_out_is_refused():
    # The test scenario added a 2017 record of 220.00 to the Nordea sample
    # and kept the sample's summary (11 credits, 8602.89): a file that does
    # not add up records nothing.
    with (
        (DATA / "corporatejs_ktl_feature.txt").open("rb") as fh,
        pytest.raises(
            KtlError,
            match=r"the batch from line 1 does not add up: 12 credits of 8,822\.89 "
            r"in its records, 11 of 8,602\.89 in its summary \(line 16\)",
        ),
    ):
        list(read_ktl(fh))


def test_a_ktl_file_with_lf_line_ends_and_a_later_record():
    # The file above with its summary counting the added record.
    raw = (DATA / "corporatejs_ktl_feature.txt").read_bytes()
    raw = raw.replace(b"\n900001100000860289", b"\n900001200000882289")
    txs = list(read_ktl(io.BytesIO(raw)))
    # Seven record 3, one more record 3 of 2017, six record 5.
    assert len(txs) == 14
    late = txs[7]
    assert (late.amount, late.currency, late.credit) == (
        Decimal("220.00"),
        "EUR",
        True,
    )
    assert late.references == ("10000118530000711",)
    assert late.bank_reference == "KTL:0915593497GC1291"
    assert late.booking_date == dt.date(2017, 9, 15)
    assert txs[0].amount == Decimal("323.24") and txs[0].references == ("13",)
    assert txs[0].booking_date == dt.date(2006, 3, 2)  # the payment date
    assert txs[13].amount == Decimal("177.46")
    assert txs[13].references == ("810000090650",)
    assert [t.position for t in txs] == list(range(1, 15))
    # The same records as the CRLF original, where both files have them.
    with (DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt").open("rb") as fh:
        crlf = list(read_ktl(fh))
    key = [(t.amount, t.references, t.bank_reference) for t in txs]
    assert key[:7] + key[8:] == [
        (t.amount, t.references, t.bank_reference) for t in crlf
    ]


def test_a_ktl_file_cut_mid_record_is_refused_with_the_readers_error():
    raw = (DATA / "corporatejs_ktl_feature.txt").read_bytes()
    with pytest.raises(KtlError, match="record too short on line 2"):
        list(read_ktl(io.BytesIO(raw[:130])))


# --- KTL: the batch's summary -------------------------------------------------------

NORDEA_KTL = DATA / "nordea_test_ktl_from_devlab-sepa_df_ktl.txt"


def _nordea_lines() -> list[str]:
    return NORDEA_KTL.read_text(encoding="latin-1").splitlines()


def _ktl(lines: list[str]) -> list:
    return list(read_ktl(io.BytesIO("\r\n".join(lines).encode("latin-1"))))


def test_direct_debits_the_payer_s_bank_did_not_make_are_not_credits():
    # Records 11 and 12 are direct debits with receipt codes 7 and 4; the
    # sample's summary counts 11 credits of 8602.89 and, apart, 2 failed
    # debits of 291.36: exactly those two.
    txs = _ktl(_nordea_lines())
    failed = [t for t in txs if not t.credit]
    assert [(t.position, t.amount) for t in failed] == [
        (11, Decimal("170.64")),
        (12, Decimal("120.72")),
    ]
    credited = [t for t in txs if t.credit]
    assert len(credited) == 11
    assert sum(t.amount for t in credited) == Decimal("8602.89")


def test_a_ktl_file_cut_at_the_end_of_a_record_is_refused():
    # No error in any record, but the summary never came: the rest of the
    # money may be missing.
    lines = _nordea_lines()[:6]
    with pytest.raises(KtlError, match="has no summary record: the file may be"):
        _ktl(lines)


def test_a_ktl_batch_missing_a_record_or_with_an_amount_changed_is_refused():
    lines = _nordea_lines()
    with pytest.raises(KtlError, match="10 credits of 8,279.65 in its records"):
        _ktl(lines[:1] + lines[2:])
    changed = list(lines)
    changed[2] = changed[2][:77] + "0000177640" + changed[2][87:]
    with pytest.raises(KtlError, match="11 credits of 9,602.89 in its records"):
        _ktl(changed)


def test_each_batch_of_a_ktl_file_is_checked_against_its_own_summary():
    lines = _nordea_lines()
    assert len(_ktl(lines + lines)) == 26
    wrong = lines[:-1] + [lines[-1].replace("000011", "000010", 1)]
    with pytest.raises(KtlError, match="batch from line 16 does not add up"):
        _ktl(lines + wrong)
    with pytest.raises(KtlError, match="a record after its batch's summary"):
        _ktl(lines + lines[1:2])
    with pytest.raises(KtlError, match="batch from line 1 has no summary record"):
        _ktl(lines[:-1] + lines)


def test_a_correction_is_counted_apart_and_not_a_credit():
    # The downloaded SVM file's one payment as a correction (position 88),
    # its summary counting one correction of 49.00 and no credit.
    header, record, _summary = (
        (DATA / "jbank_547392460.SVM").read_text(encoding="latin-1").splitlines()
    )
    correction = record[:87] + "1" + record[88:]
    summary = "9" + "000000" + "0" * 11 + "000001" + "00000004900"
    (tx,) = _ktl([header, correction, summary.ljust(90)])
    assert (tx.credit, tx.amount) == (False, Decimal("49.00"))
    # Counted as a credit, the summary does not add up.
    with pytest.raises(KtlError, match="0 credits of 0.00 in its records, 1 of 49.00"):
        _ktl([header, correction, _summary])


def test_a_summary_with_blank_failed_debits_is_read_where_there_are_none():
    # An older summary of credits and corrections only (positions 36–52 blank).
    header, record, summary = (
        (DATA / "jbank_547392460.SVM").read_text(encoding="latin-1").splitlines()
    )
    (tx,) = _ktl([header, record, summary[:35].ljust(90)])
    assert tx.credit
    # The same with its trailing blanks trimmed.
    assert _ktl([header, record, summary[:35]]) == [tx]
    with pytest.raises(KtlError, match="record too short on line 3"):
        _ktl([header, record, summary[:34]])
    lines = _nordea_lines()
    with pytest.raises(KtlError, match="has no failed direct debits"):
        _ktl(lines[:-1] + [lines[-1][:35].ljust(90)])


# --- camt.054: a transaction's own word -----------------------------------------------

JBANK_CAMT = DATA / "jbank_camt054_finland_example.xml"


def _with_first_transaction(extra: bytes) -> list:
    """The Handelsbanken sample with ``extra`` put in its first TxDtls."""
    raw = JBANK_CAMT.read_bytes()
    raw = raw.replace(b"<TxDtls>", b"<TxDtls>" + extra, 1)
    return list(read_camt054(io.BytesIO(raw)))


def test_a_transaction_that_says_it_is_a_debit_is_not_a_credit():
    plain = camt_file(JBANK_CAMT.name)
    assert plain[0].credit
    changed = _with_first_transaction(b"<CdtDbtInd>DBIT</CdtDbtInd>")
    assert changed[0].credit is False
    assert [t.credit for t in changed[1:]] == [t.credit for t in plain[1:]]
    # Saying CRDT changes nothing.
    same = _with_first_transaction(b"<CdtDbtInd>CRDT</CdtDbtInd>")
    assert [t.credit for t in same] == [t.credit for t in plain]


def test_a_returned_payment_is_not_a_credit():
    # A credit transfer we sent, coming back with its return information
    # (camt.054's RtrInf): money in, but no invoice paid.
    changed = _with_first_transaction(b"<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>")
    assert changed[0].credit is False
    assert changed[0].amount == camt_file(JBANK_CAMT.name)[0].amount


def test_a_batch_that_does_not_add_up_is_refused_in_the_user_s_language():
    lines = _nordea_lines()
    with translation.override("fi"), pytest.raises(KtlError) as exc:
        _ktl(lines[:1] + lines[2:])
    assert str(exc.value) == (
        "rivillä 1 alkava erä ei täsmää: maksut tietueissa 10 kpl, yhteensä "
        "8\xa0279,65, summatietueessa 11 kpl, yhteensä 8\xa0602,89 (rivi 14)"
    )
    with translation.override("en"), pytest.raises(KtlError) as exc:
        _ktl(lines[:1] + lines[2:])
    assert "10 credits of 8,279.65 in its records, 11 of 8,602.89" in str(exc.value)


@pytest.mark.parametrize(
    ("yymmdd", "today", "expected"),
    [
        ("260315", dt.date(2026, 12, 7), dt.date(2026, 3, 15)),
        ("361231", dt.date(2026, 12, 7), dt.date(2036, 12, 31)),
        ("370101", dt.date(2026, 12, 7), dt.date(1937, 1, 1)),
        ("991231", dt.date(2026, 12, 7), dt.date(1999, 12, 31)),
        ("000229", dt.date(2026, 12, 7), dt.date(2000, 2, 29)),
        ("990101", dt.date(2095, 1, 1), dt.date(2099, 1, 1)),
        ("260230", dt.date(2026, 12, 7), None),
        ("26031", dt.date(2026, 12, 7), None),
    ],
)
def test_a_ktl_date_s_century_is_the_one_near_today(yymmdd, today, expected):
    assert ktl._date(yymmdd, today) == expected
