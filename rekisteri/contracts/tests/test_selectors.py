"""Contract selectors: permission scope, ending-within lists with keyset
pagination, per-organization and per-person lists, and audited reads."""

from __future__ import annotations

import datetime as dt

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.contracts import selectors, services
from rekisteri.contracts.choices import ContractStatus
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person, make_staff
from rekisteri.testing.contracts import make_contract

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
DAY = dt.timedelta(days=1)


def test_without_contracts_view_everything_is_forbidden():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    contract = make_contract(make_org())
    with pytest.raises(Forbidden):
        selectors.contract_get(user=admin, contract_id=contract.pk)
    with pytest.raises(Forbidden):
        selectors.contract_list(user=admin)
    with pytest.raises(Forbidden):
        selectors.organization_contracts(user=admin, organization=contract.organization)
    with pytest.raises(Forbidden):
        selectors.contract_list(user=None)


@pytest.mark.parametrize(
    "role",
    [
        StaffRole.SALES,
        StaffRole.CUSTOMER_SERVICE,
        StaffRole.BILLING,
        StaffRole.PRIVACY_OFFICER,
    ],
)
def test_roles_with_contracts_view_read_contracts(role):
    contract = make_contract(make_org())
    user = make_staff(role)
    assert selectors.contract_get(user=user, contract_id=contract.pk) == contract


def test_missing_and_malformed_ids_are_not_found():
    user = make_staff()
    with pytest.raises(NotFound):
        selectors.contract_get(user=user, contract_id="nope")
    with pytest.raises(NotFound):
        selectors.contract_get(
            user=user, contract_id="00000000-0000-4000-8000-000000000000"
        )
    with pytest.raises(NotFound):
        selectors.party_get(user=user, party_id="x")


def test_ending_within_includes_terminated_in_force_and_excludes_others():
    user = make_staff()
    org = make_org()
    start = dt.date(2024, 1, 1)

    def active_ending(days: int):
        c = make_contract(org, active=True, start_date=start)
        # Dates relative to a fixed TODAY, set straight in the database.
        type(c).objects.filter(pk=c.pk).update(
            end_date=TODAY + days * DAY, ends_on=TODAY + days * DAY
        )
        return c

    in_window = [active_ending(d) for d in (0, 5, 5, 90)]
    outside = [active_ending(91), active_ending(-1)]
    terminated = make_contract(org, active=True, start_date=start)
    type(terminated).objects.filter(pk=terminated.pk).update(
        status=ContractStatus.TERMINATED,
        termination_date=TODAY + 30 * DAY,
        ends_on=TODAY + 30 * DAY,
    )
    draft = make_contract(org, start_date=start, end_date=TODAY + 3 * DAY)
    ended = make_contract(org, active=True, start_date=start)
    type(ended).objects.filter(pk=ended.pk).update(
        status=ContractStatus.ENDED, end_date=TODAY, ends_on=TODAY
    )
    page = selectors.contracts_ending(user=user, days=90, today=TODAY, limit=100)
    got = [c.pk for c in page.items]
    assert set(got) == {c.pk for c in in_window} | {terminated.pk}
    assert not {c.pk for c in outside} & set(got)
    assert draft.pk not in got and ended.pk not in got
    ends = [c.ends_on for c in page.items]
    assert ends == sorted(ends)  # soonest first


def test_keyset_pages_walk_ties_without_gaps_or_repeats():
    user = make_staff()
    org = make_org()
    made = []
    for i in range(7):
        c = make_contract(org, active=True, start_date=dt.date(2024, 1, 1))
        day = TODAY + (i // 3) * DAY  # three share each end date
        type(c).objects.filter(pk=c.pk).update(end_date=day, ends_on=day)
        made.append(c.pk)
    seen, after = [], None
    while True:
        page = selectors.contracts_ending(
            user=user, days=10, today=TODAY, after=after, limit=2
        )
        seen += [c.pk for c in page.items]
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    with pytest.raises(NotFound):
        selectors.contracts_ending(user=user, after="not-a-cursor")


def test_status_filter_and_organization_ordering():
    user = make_staff()
    org = make_org()
    draft = make_contract(org)
    active = make_contract(org, active=True)
    page = selectors.contract_list(user=user, status=ContractStatus.DRAFT)
    assert [c.pk for c in page.items] == [draft.pk]
    assert selectors.organization_contracts(user=user, organization=org) == [
        active,
        draft,
    ]
    other = make_org()
    assert selectors.organization_contracts(user=user, organization=other) == []


def test_person_contracts_and_party_reads_are_audited():
    user = make_staff()
    org = make_org()
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    contract = make_contract(org, start_date=dt.date(2025, 1, 1), terms="Ehdot")
    services.contract_party_add(
        actor=None, contract=contract, person=person, kind="contact"
    )
    parties = selectors.person_contracts(user=user, person=person)
    assert [p.contract for p in parties] == [contract]
    shown = selectors.contract_parties(user=user, contract=contract)
    before = AuditEvent.objects.count()
    selectors.audit_view(
        user=user,
        action="contract.view",
        contracts=[contract],
        parties=shown,
        terms_shown=True,
    )
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["contract.view", "contract.view"]
    assert events[0].subject_id == person.pk
    assert events[1].fields == ["terms"]
    assert events[1].categories == ["communication"]
