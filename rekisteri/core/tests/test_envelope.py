"""AES-GCM envelopes: round trips for any text, and binding to the place."""

from __future__ import annotations

import hmac
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.core.crypto import blind
from rekisteri.core.crypto.envelope import (
    OVERHEAD,
    IntegrityError,
    Place,
    aad_of,
    column_aad,
    key_version_of,
    open_at,
    open_sealed,
    row_aad,
    seal,
)

KEY = bytes(range(32))
PLACE = Place(
    "registry_person", "first_name", "7d1c0f0e-0000-4000-8000-000000000001", "crm"
)

names = st.text(
    min_size=1, max_size=30, alphabet=st.characters(blacklist_categories=["Cs"])
)


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"])))
def test_any_unicode_string_round_trips(text: str) -> None:
    sealed = seal(KEY, 3, PLACE, text)
    assert open_sealed(KEY, PLACE, sealed) == text
    assert key_version_of(sealed) == 3
    assert len(sealed) == OVERHEAD + len(text.encode())


def test_empty_and_very_long_values() -> None:
    assert open_sealed(KEY, PLACE, seal(KEY, 1, PLACE, "")) == ""
    long = "ä" * 1_000_000
    assert open_sealed(KEY, PLACE, seal(KEY, 1, PLACE, long)) == long


def test_same_plaintext_gives_different_ciphertexts() -> None:
    assert seal(KEY, 1, PLACE, "Virtanen") != seal(KEY, 1, PLACE, "Virtanen")


# Any place: table, column, row and key class.
places = st.builds(Place, names, names, names, st.sampled_from(["crm", "bookkeeping"]))


@settings(max_examples=60)
@given(places)
def test_ciphertext_does_not_open_in_another_place(other: Place) -> None:
    sealed = seal(KEY, 1, PLACE, "secret")
    if other == PLACE:
        assert open_sealed(KEY, other, sealed) == "secret"
    else:
        with pytest.raises(IntegrityError):
            open_sealed(KEY, other, sealed)


def test_place_encoding_is_unambiguous() -> None:
    # Without length prefixes these two places would share associated data.
    a = Place("ab", "c", "r", "crm")
    b = Place("a", "bc", "r", "crm")
    assert a.aad() != b.aad()
    with pytest.raises(IntegrityError):
        open_sealed(KEY, b, seal(KEY, 1, a, "x"))


@settings(max_examples=100)
@given(st.data())
def test_any_flipped_bit_is_detected(data: st.DataObject) -> None:
    sealed = bytearray(seal(KEY, 1, PLACE, "Liisa Järvinen"))
    i = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    sealed[i] ^= 1 << bit
    with pytest.raises(IntegrityError) as info:
        open_sealed(KEY, PLACE, bytes(sealed))
    assert "Liisa" not in str(info.value)


def test_wrong_key_and_truncation_are_integrity_errors() -> None:
    sealed = seal(KEY, 1, PLACE, "x")
    with pytest.raises(IntegrityError, match="registry_person.first_name"):
        open_sealed(os.urandom(32), PLACE, sealed)
    with pytest.raises(IntegrityError):
        open_sealed(KEY, PLACE, sealed[:10])
    with pytest.raises(ValueError):
        seal(b"short", 1, PLACE, "x")


@given(
    st.binary(min_size=1, max_size=100),
    st.text(max_size=60, alphabet=st.characters(blacklist_categories=["Cs"])),
)
def test_blind_digests_are_the_standard_hmac(key: bytes, term: str) -> None:
    # The index reuses each key's HMAC state (core/crypto/blind.py); the
    # digests must stay exactly HMAC-SHA256, or existing index rows and
    # email digests would no longer match.
    mac = hmac.digest(key, term.encode("utf-8"), "sha256")
    assert (
        blind.digests(key, [term, term], 24)
        == [int.from_bytes(mac[:8], "big") >> 40] * 2
    )
    assert blind.digest(key, term, 32) == int.from_bytes(mac[:8], "big") >> 32
    assert blind.unique_digest(key, term) == mac.hex()


def test_sealing_without_a_place_is_sealing_for_the_place() -> None:
    assert aad_of(PLACE.table, PLACE.field, PLACE.row, PLACE.key_class) == (PLACE.aad())


@given(places)
def test_a_columns_fixed_part_and_a_row_make_the_places_data(place: Place) -> None:
    # The field layer opens values with the column's part made once
    # (core/crypto/fields.py): it must be the place's own associated data.
    column = column_aad(place.table, place.field)
    assert row_aad(column, place.row, place.key_class) == place.aad()
    sealed = seal(KEY, 1, place, "Järvinen")
    assert open_at(KEY, place.aad(), sealed, place) == "Järvinen".encode()
    with pytest.raises(IntegrityError, match=re.escape(f"{place.table}.{place.field}")):
        open_at(KEY, PLACE.aad() if place != PLACE else b"", sealed, place)
