"""The one canonical form of an email address (core.formats.normalise_email):
every spelling of an address is one address (docs/security.md, One form
of an address)."""

from __future__ import annotations

import unicodedata

import idna
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rekisteri.core.formats import (
    FormatError,
    ascii_email,
    domain_key,
    email_key,
    normalise_email,
)

FAST = settings(max_examples=200, deadline=None)

# Letters IDNA 2008 allows in a label, with and without a decomposition
# (ß has no capital that maps back to it: upper case is tested without it).
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789äöåéüõšžñçøłαβγжщ"
locals_ = st.from_regex(r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,6}){0,2}", fullmatch=True)
labels = st.text(alphabet=LETTERS, min_size=1, max_size=12)
domains = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["fi", "ax", "com", "de", "xn--p1ai"]),
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", locals_, domains)


def _valid(address: str) -> str | None:
    try:
        return normalise_email(address)
    except FormatError:
        return None


def _fullwidth(text: str) -> str:
    """ASCII letters and digits as their full-width forms (IDNA maps them)."""
    return "".join(
        chr(ord(c) - 0x20 + 0xFF00) if c.isascii() and c.isalnum() else c for c in text
    )


def _spellings(address: str) -> list[str]:
    local, _at, domain = address.rpartition("@")
    a_label = idna.encode(domain, uts46=True).decode("ascii")
    return [
        address,
        f"  {local}@{a_label} ",
        f"{local.upper()}@{a_label.upper()}",
        f"{local}@{unicodedata.normalize('NFD', domain)}",
        f"{local.upper()}@{domain.upper()}",
        f"{local}@{_fullwidth(domain)}",
    ]


@FAST
@given(address=addresses)
def test_every_spelling_of_an_address_normalises_alike(address):
    normal = _valid(address)
    if normal is None:
        return  # a label IDNA refuses (bidi, a digit-led Greek one, …)
    assert normal == unicodedata.normalize("NFC", normal)
    assert normal.rpartition("@")[2] == idna.decode(idna.encode(normal.split("@")[1]))
    for spelling in _spellings(address):
        assert normalise_email(spelling) == normal, spelling
        assert email_key(spelling) == normal, spelling
    # What people see is the Unicode form; mail goes out in the ASCII one.
    assert ascii_email(normal).isascii()
    assert normalise_email(ascii_email(normal)) == normal


@FAST
@given(
    value=st.text(
        alphabet=st.sampled_from(
            [
                *"aAzZ09.-@_+ ",
                "ä",
                "Ä",
                "ö",
                "ß",
                "ς",
                "ı",
                "ſ",
                "İ",
                "\u212a",
                "\u0308",
                "\u0301",
                "\uff41",
                "\uff0e",
                "\u3002",
                "\u200d",
                "x",
                "n",
            ]
        ),
        max_size=24,
    )
)
@example("ſ@example.fi")  # [A-Z] with IGNORECASE takes it: not an ASCII local
@example("\u212a@example.fi")  # the Kelvin sign lowercases to k
@example("a@xn--bogus.fi")
@example("a@ab--cd.fi")
def test_normalise_email_is_idempotent_or_refuses(value):
    try:
        normal = normalise_email(value)
    except FormatError as exc:
        assert exc.code == "email_invalid"
        assert email_key(value) == value.strip().lower()
        return
    assert normalise_email(normal) == normal
    local = normal.rpartition("@")[0]
    assert local.isascii() and local == local.lower()
    assert email_key(value) == normal


@FAST
@given(value=st.text(max_size=30))
def test_email_key_never_refuses_and_agrees_with_the_normal_form(value):
    key = email_key(value)
    normal = _valid(value)
    assert key == (normal if normal is not None else value.strip().lower())
    assert email_key(key) == key


def test_the_punycode_and_unicode_spellings_are_one_address():
    assert normalise_email("Matti@Pörssi.FI") == "matti@pörssi.fi"
    assert normalise_email("MATTI@XN--PRSSI-JUA.FI") == "matti@pörssi.fi"
    assert normalise_email("matti@po\u0308rssi.fi") == "matti@pörssi.fi"
    assert normalise_email("matti@\uff50örssi\uff0efi") == "matti@pörssi.fi"
    assert ascii_email("matti@pörssi.fi") == "matti@xn--prssi-jua.fi"
    # IDNA 2008 keeps ß: straße.de is its own domain, not strasse.de.
    assert normalise_email("x@xn--strae-oqa.de") == "x@straße.de"
    assert normalise_email("x@strasse.de") == "x@strasse.de"
    assert ascii_email("x@straße.de") == "x@xn--strae-oqa.de"
    assert domain_key("XN--PRSSI-JUA.fi") == "pörssi.fi"
    assert domain_key("ab--cd.fi") == "ab--cd.fi"


@pytest.mark.parametrize(
    "value",
    [
        "ſ@example.fi",  # lowercase, not ASCII: SMTPUTF8, which Django refuses
        "ı@example.fi",
        "a@xn--bogus.fi",  # punycode that decodes to no valid label
        "a@😀.fi",  # IDNA refuses emoji
        "a@pörssi..fi",
        "a@pörssi.fi.",
    ],
)
def test_what_idna_or_the_validator_refuses_is_email_invalid(value):
    with pytest.raises(FormatError) as exc:
        normalise_email(value)
    assert exc.value.code == "email_invalid"
    assert email_key(value) == value.strip().lower()
    assert ascii_email(value) == value.strip()


def test_plain_ascii_addresses_are_only_lowercased():
    assert normalise_email(" Matti.Meikalainen@Example.FI ") == (
        "matti.meikalainen@example.fi"
    )
    assert normalise_email("a@[192.0.2.1]") == "a@[192.0.2.1]"
    assert normalise_email("a@localhost") == "a@localhost"
    assert normalise_email("\u212a@example.fi") == "k@example.fi"
