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
