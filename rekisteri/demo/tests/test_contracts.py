"""Demo contracts: valid by the services' own rules, quick, run once."""

from __future__ import annotations

import datetime as dt

import pytest

from rekisteri.contracts.choices import ContractStatus
from rekisteri.contracts.models import Contract, ContractParty, RelationshipEnd
from rekisteri.contracts.relationship import relationship_end
from rekisteri.contracts.services import clean_terms, holds_role
from rekisteri.demo import contracts as demo
from rekisteri.demo import register as registry_demo
from rekisteri.registry.models import Organization

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def test_demo_contracts_are_valid_and_seeded_once():
    registry_demo.seed(organizations=40, persons=120)
    result = demo.seed(today=TODAY)
    assert result.contracts > 10 and result.parties > 0
    statuses = set(Contract.objects.values_list("status", flat=True))
    assert {ContractStatus.ACTIVE, ContractStatus.ENDED} <= statuses
    for contract in Contract.objects.select_related("product", "organization"):
        clean_terms(
            {
                "product": contract.product,
                "start_date": contract.start_date,
                "end_date": contract.end_date,
                "notice_period": contract.notice_period,
                "notice_unit": contract.notice_unit,
                "terms": contract.terms,
            },
            current=contract.product,
        )
        expected_end = contract.termination_date or contract.end_date
        assert contract.ends_on == expected_end
        if contract.status == ContractStatus.DRAFT:
            assert contract.organization.status == "prospect"
        if contract.status == ContractStatus.ENDED:
            assert contract.end_date < TODAY
        if contract.status == ContractStatus.TERMINATED:
            assert contract.termination_date >= contract.start_date
            assert contract.notice_given_on <= TODAY
        assert contract.sole_trader == contract.organization.sole_trader
    for party in ContractParty.objects.select_related("contract", "person"):
        c = party.contract
        assert party.start_date >= c.start_date
        assert c.ends_on is None or party.start_date <= c.ends_on
        assert party.end_date is None or party.end_date >= party.start_date
        assert holds_role(party.person, c.organization, party.start_date)
    for org in Organization.objects.all():
        stored = RelationshipEnd.objects.get(organization=org).ended_on
        assert stored == relationship_end(org)
    # Terms are readable (sealed under each organization's key).
    assert any(c.terms for c in Contract.objects.all())
    assert demo.seed(today=TODAY).contracts == 0
