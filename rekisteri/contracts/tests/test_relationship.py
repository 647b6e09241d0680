"""The relationship end: the latest end of contracts in force and roles, none
while anything is open; materialised and kept up to date."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekisteri.contracts import services
from rekisteri.contracts.choices import ContractStatus
from rekisteri.contracts.models import Contract, RelationshipEnd
from rekisteri.contracts.relationship import (
    latest_end,
    relationship_end,
    relationship_ended_before,
    relationship_refresh,
    relationship_refresh_many,
)
from rekisteri.registry.models import Organization, Role
from rekisteri.registry.services import role_create, role_delete, role_end
from rekisteri.testing import make_org, make_person
from rekisteri.testing.contracts import make_contract, make_product

BASE = dt.date(2020, 1, 1)
dates = st.integers(min_value=0, max_value=3000).map(
    lambda n: BASE + dt.timedelta(days=n)
)
maybe_dates = st.one_of(st.none(), dates)


@given(st.lists(maybe_dates, max_size=12))
def test_latest_end_is_none_when_empty_or_anything_is_open(ends):
    result = latest_end(ends)
    if not ends or None in ends:
        assert result is None
    else:
        assert result == max(ends)
        assert all(e <= result for e in ends)


# (status, start offset, length in days or None for open-ended)
contract_specs = st.tuples(
    st.sampled_from(list(ContractStatus.values)),
    st.integers(min_value=0, max_value=2000),
    st.one_of(st.none(), st.integers(min_value=0, max_value=1000)),
)
role_specs = st.tuples(
    st.integers(min_value=0, max_value=2000),
    st.one_of(st.none(), st.integers(min_value=0, max_value=1000)),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    contracts=st.lists(contract_specs, max_size=5),
    roles=st.lists(role_specs, max_size=4),
)
def test_relationship_end_over_random_contracts_and_roles(contracts, roles):
    org = make_org()
    product = make_product()
    expected_ends: list[dt.date | None] = []
    for status, start, length in contracts:
        start_date = BASE + dt.timedelta(days=start)
        end = None if length is None else start_date + dt.timedelta(days=length)
        if status in (ContractStatus.ENDED, ContractStatus.TERMINATED) and end is None:
            end = start_date  # a closed contract always has a last day
        Contract.objects.create(
            number=f"T-{uuid.uuid4().hex[:12]}",
            organization=org,
            product=product,
            status=status,
            start_date=start_date,
            end_date=end if status != ContractStatus.TERMINATED else None,
            termination_date=end if status == ContractStatus.TERMINATED else None,
            ends_on=end,
        )
        if status != ContractStatus.DRAFT:
            expected_ends.append(end)
    person = make_person() if roles else None
    for i, (start, length) in enumerate(roles):
        start_date = BASE + dt.timedelta(days=start)
        end = None if length is None else start_date + dt.timedelta(days=length)
        # Roles of distinct kinds/persons so the one-open-role rule holds.
        Role.objects.create(
            person=person if i < 4 else make_person(),
            organization=org,
            kind=["contact", "support_user", "end_user", "billing_contact"][i % 4],
            start_date=start_date,
            end_date=end,
        )
        expected_ends.append(end)

    if not expected_ends or None in expected_ends:
        expected = None
    else:
        expected = max(expected_ends)
    assert relationship_end(org) == expected
    # The role signal kept the stored value in step; a refresh agrees.
    assert relationship_refresh(org).ended_on == expected
    assert RelationshipEnd.objects.get(organization=org).ended_on == expected
    # The set-based refresh (bulk writes) aggregates to the same value.
    RelationshipEnd.objects.filter(organization=org).delete()
    relationship_refresh_many([org.pk, *(uuid.uuid4() for _ in range(20))])
    assert RelationshipEnd.objects.get(organization=org).ended_on == expected


@pytest.mark.django_db
def test_drafts_never_count_and_a_prospect_has_no_relationship():
    org = make_org()
    assert relationship_end(org) is None
    make_contract(org, start_date=BASE, end_date=BASE + dt.timedelta(days=5))
    assert relationship_end(org) is None


@pytest.mark.django_db
def test_services_and_role_signals_keep_the_stored_end_current():
    today = dt.date.today()
    org = make_org()
    person = make_person()
    role = role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=BASE,
    )
    assert RelationshipEnd.objects.get(organization=org).ended_on is None
    role_end(actor=None, role=role, end_date=BASE + dt.timedelta(days=10))
    stored = RelationshipEnd.objects.get(organization=org)
    assert stored.ended_on == BASE + dt.timedelta(days=10)

    contract = make_contract(org, active=True, start_date=BASE)
    assert RelationshipEnd.objects.get(organization=org).ended_on is None
    services.contract_end(actor=None, contract=contract)
    assert RelationshipEnd.objects.get(organization=org).ended_on == today
    assert org.pk in set(relationship_ended_before(today + dt.timedelta(days=1)))
    assert org.pk not in set(relationship_ended_before(today))

    role_delete(actor=None, role=role)
    assert RelationshipEnd.objects.get(organization=org).ended_on == today


@pytest.mark.django_db
def test_terminated_contract_ends_the_relationship_on_its_termination_date():
    org = make_org()
    contract = make_contract(org, active=True, start_date=BASE, notice_period=1)
    done = services.contract_terminate(actor=None, contract=contract)
    assert relationship_end(org) == done.termination_date
    assert RelationshipEnd.objects.get(organization=org).ended_on == (
        done.termination_date
    )


@pytest.mark.django_db
def test_deleting_an_organization_with_roles_leaves_no_stale_row():
    org = make_org()
    role_create(actor=None, person=make_person(), organization=org, kind="contact")
    Organization.objects.filter(pk=org.pk).get().delete()
    assert not RelationshipEnd.objects.filter(organization_id=org.pk).exists()
