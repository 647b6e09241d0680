"""Identifiers take the digits 0-9 only: other scripts' digits (which
``str.isdigit``, ``\\d`` and ``int()`` accept) are refused everywhere a
number is parsed, so no identifier has a second spelling."""

from __future__ import annotations

import pytest

from rekisteri.core import formats
from rekisteri.core.formats import FormatError

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SCRIPTS = [ARABIC_INDIC, FULLWIDTH, DEVANAGARI]


@pytest.mark.parametrize("table", SCRIPTS)
def test_business_id_in_other_digits_is_refused(table):
    assert formats.normalise_business_id("0112038-9") == "0112038-9"
    with pytest.raises(FormatError) as exc:
        formats.normalise_business_id("0112038-9".translate(table))
    assert exc.value.code == "business_id_format"
    with pytest.raises(FormatError):
        formats.vat_number_from_business_id("0112038-9".translate(table))


@pytest.mark.parametrize("table", SCRIPTS)
def test_postal_code_phone_and_reference_in_other_digits_are_refused(table):
    with pytest.raises(FormatError):
        formats.normalise_postal_code("00100".translate(table), "FI")
    with pytest.raises(FormatError):
        formats.normalise_phone("040 123 4567".translate(table))
    assert formats.normalise_phone("040 123 4567") == "+358401234567"
    assert not formats.is_valid_reference("1232".translate(table))
    with pytest.raises(FormatError):
        formats.normalise_reference("1232".translate(table))
    with pytest.raises(FormatError):
        formats.reference_from_base("123".translate(table))


def test_ascii_digit_helpers():
    assert formats.is_ascii_digits("0123456789")
    assert not formats.is_ascii_digits("")
    assert not formats.is_ascii_digits("12".translate(FULLWIDTH))
    assert not formats.is_ascii_digits("²")  # isdigit() says yes
    assert formats.has_non_ascii_digits("+358 ٤٠")
    assert not formats.has_non_ascii_digits("+358 40 (x)")
