"""A batch erasure reads a person's stored addresses in their normal form
without parsing them (messaging.erasure.normal_form): the same answer as
normalise_address for every form the register stores."""

from __future__ import annotations

import pytest

from rekisteri.core import formats
from rekisteri.messaging.erasure import normal_form
from rekisteri.messaging.services import normalise_address

EMAILS = [
    "a.b@example.fi",
    " Mixed.Case@Example.FI ",
    "not-valid@@example",
    "İlkay@example.com",
    "x@y",
]
PHONES_TYPED = [
    "040 123 4567",
    "+358 40 123 4567",
    "+44 20 7946 0958",
    "+39 06 1234 5678",
    "+1 415 555 2671",
    "09 1234 567",
]


@pytest.mark.parametrize("email", EMAILS)
def test_an_email_address(email):
    assert normal_form(email) == normalise_address(email)[1]


@pytest.mark.parametrize("typed", PHONES_TYPED)
def test_a_phone_number_as_the_register_stores_it(typed):
    stored = formats.normalise_phone(typed)
    assert normal_form(stored) == normalise_address(stored)[1] == stored


def test_other_text_is_parsed():
    assert normal_form("040 123 4567") == normalise_address("040 123 4567")[1]
    assert normal_form("Anna") == normalise_address("Anna")[1]
