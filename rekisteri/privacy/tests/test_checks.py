"""The hosting-location system check."""

from __future__ import annotations

from django.test import override_settings

from rekisteri.privacy.checks import check_hosting_country


def ids(**settings) -> list[str]:
    with override_settings(**settings):
        return [m.id for m in check_hosting_country()]


def test_finland_and_the_eea_pass():
    assert ids(REKISTERI_HOSTING_COUNTRY="FI") == []
    assert ids(REKISTERI_HOSTING_COUNTRY="no") == []


def test_outside_the_eea_fails_naming_country_and_rule():
    with override_settings(REKISTERI_HOSTING_COUNTRY="US"):
        (message,) = check_hosting_country()
    assert message.id == "rekisteri.privacy.E003"
    assert "US" in message.msg and "Chapter V" in message.msg


def test_outside_the_eea_with_a_mechanism_passes():
    assert (
        ids(
            REKISTERI_HOSTING_COUNTRY="US",
            REKISTERI_HOSTING_TRANSFER_MECHANISM="scc",
        )
        == []
    )


def test_nonsense_settings_fail():
    assert ids(REKISTERI_HOSTING_COUNTRY="Finland") == ["rekisteri.privacy.E001"]
    assert ids(REKISTERI_HOSTING_TRANSFER_MECHANISM="trust-me") == [
        "rekisteri.privacy.E002"
    ]
