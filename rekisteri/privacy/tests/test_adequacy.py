"""An adequacy decision is the Commission's, for the countries it decided
on, with a date and a reference; elsewhere a transfer needs another
safeguard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.errors import ValidationFailed
from rekisteri.privacy import services
from rekisteri.privacy.eea import ADEQUACY_DECISIONS, EEA, transfer_problem
from rekisteri.privacy.models import Party
from rekisteri.privacy.tests.test_services import party_data
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def test_adequacy_for_a_country_without_a_decision_is_refused():
    with pytest.raises(ValidationFailed) as exc, translation.override("en"):
        services.party_create(
            actor=None, data=party_data(country="CN", transfer_mechanism="adequacy")
        )
    (code, message), *_ = exc.value.fields["country"]
    assert code == "transfer_outside_eea"
    assert "CN" in message and "no adequacy decision" in message
    assert not Party.objects.exists()
    # Standard contractual clauses are a safeguard anywhere.
    party = services.party_create(
        actor=None, data=party_data(country="CN", transfer_mechanism="scc")
    )
    assert party.country == "CN"


def test_the_notice_names_the_decision_and_its_date():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    services.profile_load_seed(actor=officer)
    services.party_create(
        actor=officer,
        data=party_data(name="Tokio KK", country="JP", transfer_mechanism="adequacy"),
    )
    version = services.notice_publish(actor=officer)
    assert "(EU) 2019/419, 23.1.2019" in version.markdown["fi"]
    assert "(EU) 2019/419, 2019-01-23" in version.markdown["en"]


def test_the_decisions_are_dated_referenced_and_outside_the_eea():
    assert {"CH", "GB", "JP", "KR", "US", "CA"} <= set(ADEQUACY_DECISIONS)
    assert not {"CN", "IN", "RU", "BR"} & set(ADEQUACY_DECISIONS)
    for code, decision in ADEQUACY_DECISIONS.items():
        assert code == decision.country and code not in EEA
        assert dt.date(2000, 1, 1) <= decision.adopted <= dt.date.today()
        assert "Decision" in decision.reference
        assert transfer_problem(code.lower(), "adequacy") is None


def test_the_uk_entries_carry_their_dates_and_sources():
    from rekisteri.privacy.eea import ADEQUACY_HISTORY, adequacy_decision

    uk = [d for d in ADEQUACY_HISTORY if d.country == "GB"]
    first = uk[0]
    assert first.reference.endswith("(EU) 2021/1772")
    assert first.adopted == dt.date(2021, 6, 28)
    assert first.valid_until == dt.date(2025, 6, 27)
    assert all(d.sources for d in uk)
    # The chain of extension and renewal leaves no day uncovered.
    assert adequacy_decision("GB", dt.date(2021, 6, 27)) is None
    assert adequacy_decision("GB", dt.date(2021, 7, 1)) == first
    assert adequacy_decision("GB", dt.date(2025, 6, 27)) is not None
    assert adequacy_decision("GB", dt.date(2025, 6, 28)).valid_until == dt.date(
        2025, 12, 27
    )
    assert adequacy_decision("GB", dt.date(2026, 1, 1)).valid_until == dt.date(
        2031, 12, 27
    )
    assert adequacy_decision("GB", dt.date(2032, 1, 1)) is None


def test_an_expired_decision_no_longer_counts(monkeypatch):
    from rekisteri.privacy import eea

    only_2021 = tuple(
        d for d in eea.ADEQUACY_HISTORY if d.country != "GB" or d.adopted.year == 2021
    )
    monkeypatch.setattr(eea, "ADEQUACY_HISTORY", only_2021)
    assert eea.transfer_problem("GB", "adequacy", dt.date(2025, 6, 27)) is None
    problem = eea.transfer_problem("GB", "adequacy", dt.date(2025, 6, 28))
    assert problem is not None and "GB" in problem
    # Today's check as well: with the 2021 decision alone the UK is refused.
    with pytest.raises(ValidationFailed):
        services.party_create(
            actor=None, data=party_data(country="GB", transfer_mechanism="adequacy")
        )
    assert eea.adequacy_decision("GB") is None
