"""Invoicing formats: Finnish and RF references, IBAN and BIC (docs/billing.md)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum import iban, iso11649

from rekisteri.core.formats import (
    FormatError,
    format_iban,
    format_reference,
    format_rf_reference,
    is_valid_reference,
    national_reference,
    normalise_bic,
    normalise_iban,
    normalise_reference,
    normalise_rf_reference,
    reference_from_base,
    rf_reference,
)

FAST = settings(max_examples=200, deadline=None)
bases = st.from_regex(r"[1-9][0-9]{2,18}", fullmatch=True)


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(FormatError) as excinfo:
        fn(*args, **kwargs)
    return excinfo.value.code


def test_the_design_examples():
    assert reference_from_base("12345") == "123453"
    assert rf_reference("12345672") == "RF8512345672"
    assert format_rf_reference(rf_reference("12345672")) == "RF85 1234 5672"


def test_references_print_in_groups_of_five_from_the_right():
    assert format_reference("123453") == "1 23453"
    assert format_reference("1234567890") == "12345 67890"
    assert format_reference("12345678901") == "1 23456 78901"


@FAST
@given(bases)
def test_reference_round_trip(base):
    ref = reference_from_base(base)
    assert ref[:-1] == base and is_valid_reference(ref)
    assert normalise_reference(format_reference(ref)) == ref
    assert format_reference(ref).replace(" ", "") == ref
    assert all(len(g) == 5 for g in format_reference(ref).split(" ")[1:])


@FAST
@given(bases, st.integers(1, 9))
def test_a_changed_check_digit_is_refused(base, delta):
    ref = reference_from_base(base)
    wrong = ref[:-1] + str((int(ref[-1]) + delta) % 10)
    assert code_of(normalise_reference, wrong) == "reference_invalid"


@FAST
@given(bases)
@example("12345672")
def test_rf_round_trip_agrees_with_stdnum(base):
    ref = reference_from_base(base)
    rf = rf_reference(ref)
    assert iso11649.is_valid(rf)
    assert rf.startswith("RF") and rf[4:] == ref
    assert normalise_rf_reference(format_rf_reference(rf)) == rf
    assert national_reference(format_rf_reference(rf)) == ref
    assert national_reference(format_reference(ref)) == ref


@pytest.mark.parametrize(
    "bad", ["", "12", "abc", "123454", "1" * 21, "RF00 1234 5672", "RF85 1234 5673"]
)
def test_bad_references_are_refused(bad):
    with pytest.raises(FormatError):
        national_reference(bad)


def test_an_rf_reference_without_a_finnish_body_has_no_national_form():
    foreign = iso11649.validate("RF18539007547034")
    assert normalise_rf_reference(foreign) == foreign
    assert code_of(national_reference, foreign) == "reference_invalid"


def test_reference_base_limits():
    assert code_of(reference_from_base, "12") == "reference_base"
    assert code_of(reference_from_base, "1" * 20) == "reference_base"
    assert code_of(reference_from_base, "12a45") == "reference_base"


@FAST
@given(st.from_regex(r"[0-9]{14}", fullmatch=True))
def test_finnish_iban_round_trip(bban):
    check = 98 - int(bban + "151800") % 97  # "FI00" moved to the end
    compact = f"FI{check:02d}{bban}"
    assert normalise_iban(format_iban(compact).lower()) == compact
    assert iban.is_valid(compact)
    broken = compact[:-1] + str((int(compact[-1]) + 1) % 10)
    assert code_of(normalise_iban, broken) == "iban_invalid"


def test_iban_country_and_shape():
    assert normalise_iban("FI21 1234 5600 0007 85") == "FI2112345600000785"
    assert code_of(normalise_iban, "DE89 3704 0044 0532 0130 00") == "iban_country"
    assert normalise_iban("DE89370400440532013000", country=None).startswith("DE")
    assert code_of(normalise_iban, "FI21 1234") == "iban_invalid"


def test_bic():
    assert normalise_bic("ndeafihh") == "NDEAFIHH"
    assert normalise_bic("OKOYFIHH") == "OKOYFIHH"
    assert code_of(normalise_bic, "NDEA") == "bic_invalid"
    assert code_of(normalise_bic, "NDEA1IHH") == "bic_invalid"
