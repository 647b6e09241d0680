"""Staff UI of contracts: lists, detail, forms with errors in place,
transition buttons, parties, and the sections on organization and person pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.contracts import services
from rekisteri.contracts.choices import ContractStatus
from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person
from rekisteri.testing.contracts import make_contract, make_product

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def login(role: str = StaffRole.SALES) -> Client:
    client = client_as(role)
    return client


def detail_url(contract: Contract) -> str:
    return reverse("contracts:contract_detail", kwargs={"contract_id": contract.pk})


def url(name: str, contract: Contract) -> str:
    return reverse(f"contracts:{name}", kwargs={"contract_id": contract.pk})


def test_create_from_the_organization_page_and_see_it_there():
    client = login()
    org = make_org(name="Sopimusasiakas Oy")
    make_product(code="TUKI", name="Ylläpitopalvelu")
    page = client.get(
        reverse("registry:organization_detail", kwargs={"organization_id": org.pk})
    )
    assert b"contracts/new/?organization=" in page.content
    response = client.post(
        reverse("contracts:contract_create") + f"?organization={org.pk}",
        {
            "product": "TUKI",
            "start_date": "2025-02-01",
            "notice_period": "3",
            "notice_unit": "months",
            "terms": "Vasteaika 4 h",
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(contract)
    assert contract.organization == org and contract.status == ContractStatus.DRAFT
    page = client.get(
        reverse("registry:organization_detail", kwargs={"organization_id": org.pk})
    )
    assert "Ylläpitopalvelu" in page.content.decode()
    assert contract.number in page.content.decode()


def test_form_errors_are_shown_in_place_and_input_kept():
    client = login()
    org = make_org()
    make_product(code="TUKI")
    response = client.post(
        reverse("contracts:contract_create") + f"?organization={org.pk}",
        {
            "product": "TUKI",
            "start_date": "2025-02-01",
            "end_date": "2025-01-01",
            "notice_period": "99",
            "notice_unit": "months",
            "terms": "Säilyy lomakkeella",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The end date is before the start date." in body or (
        "Päättymispäivä on ennen alkamispäivää." in body
    )
    assert 'id="id_end_date_error"' in body
    assert 'id="id_notice_period_error"' in body
    assert "Säilyy lomakkeella" in body
    assert not Contract.objects.exists()


def test_create_by_customer_number_and_unknown_number_is_a_field_error():
    client = login()
    org = make_org()
    make_product(code="TUKI")
    data = {"product": "TUKI", "start_date": "2025-02-01", "notice_unit": "months"}
    response = client.post(
        reverse("contracts:contract_create"), {**data, "customer-organization": "999"}
    )
    assert response.status_code == 200
    assert 'id="id_customer-organization_error"' in response.content.decode()
    response = client.post(
        reverse("contracts:contract_create"),
        {**data, "customer-organization": org.customer_number},
    )
    assert response.status_code == 302
    assert Contract.objects.get().organization == org


def test_lifecycle_buttons_activate_terminate_and_detail_shows_status():
    client = login()
    contract = make_contract(make_org(), start_date=dt.date(2024, 1, 1))
    page = client.get(detail_url(contract)).content.decode()
    assert url("contract_activate", contract) in page
    assert 'name="csrfmiddlewaretoken"' in page
    response = client.post(url("contract_activate", contract))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    # A GET never changes state.
    assert client.get(url("contract_activate", contract)).status_code == 405

    response = client.post(
        url("contract_terminate", contract),
        {"termination_date": (timezone.localdate() - DAY).isoformat()},
    )
    assert response.status_code == 200  # notice period 0: yesterday is too early
    assert 'id="id_termination_date_error"' in response.content.decode()
    response = client.post(url("contract_terminate", contract), {})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    page = client.get(detail_url(contract)).content.decode()
    assert url("contract_edit", contract) not in page  # closed: no edit button


def test_a_refused_transition_is_a_message_not_an_error_page():
    client = login()
    contract = make_contract(make_org())
    response = client.post(url("contract_end", contract), {}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages and Contract.objects.get().status == ContractStatus.DRAFT


def test_end_form_and_delete_draft():
    client = login()
    org = make_org()
    active = make_contract(org, active=True, start_date=dt.date(2024, 1, 1))
    response = client.post(
        url("contract_end", active),
        {"end_date": (timezone.localdate() + DAY).isoformat()},
    )
    assert response.status_code == 200
    assert 'id="id_end_date_error"' in response.content.decode()
    assert client.post(url("contract_end", active), {}).status_code == 302
    active.refresh_from_db()
    assert active.status == ContractStatus.ENDED
    assert client.post(url("contract_delete", active)).status_code == 302
    assert Contract.objects.filter(pk=active.pk).exists()  # never deleted

    draft = make_contract(org)
    response = client.post(url("contract_delete", draft))
    assert response["Location"] == reverse(
        "registry:organization_detail", kwargs={"organization_id": org.pk}
    )
    assert not Contract.objects.filter(pk=draft.pk).exists()


def test_edit_of_an_active_contract_keeps_product_and_start():
    client = login()
    contract = make_contract(make_org(), active=True, start_date=dt.date(2024, 1, 1))
    other = make_product()
    response = client.post(
        url("contract_edit", contract),
        {
            "product": other.code,
            "start_date": "2024-06-01",
            "notice_period": "2",
            "notice_unit": "months",
            "terms": "Muutettu",
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.product != other
    assert contract.start_date == dt.date(2024, 1, 1)
    assert (contract.notice_period, contract.terms) == (2, "Muutettu")


def test_party_add_and_remove_and_person_page_section():
    client = login()
    org = make_org()
    person = make_person(first_name="Paula", last_name="Osapuoli")
    outsider = make_person(first_name="Ulla", last_name="Ulkopuolinen")
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    contract = make_contract(org, active=True, start_date=dt.date(2024, 1, 1))
    form = client.get(url("party_add", contract)).content.decode()
    assert "Paula Osapuoli" in form and "Ulkopuolinen" not in form
    # A person not at the organization cannot be chosen at all.
    response = client.post(
        url("party_add", contract), {"person": str(outsider.pk), "kind": "contact"}
    )
    assert response.status_code == 200
    assert 'id="id_person_error"' in response.content.decode()
    response = client.post(
        url("party_add", contract),
        {"person": str(person.pk), "kind": "signatory", "start_date": "2024-01-01"},
    )
    assert response.status_code == 302
    party = ContractParty.objects.get()
    page = client.get(detail_url(contract)).content.decode()
    assert "Paula Osapuoli" in page
    assert AuditEvent.objects.filter(
        action="contract.view", subject_id=person.pk
    ).exists()
    person_page = client.get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    ).content.decode()
    assert contract.number in person_page
    response = client.post(
        reverse("contracts:party_remove", kwargs={"party_id": party.pk})
    )
    assert response.status_code == 302
    party.refresh_from_db()
    assert party.end_date == timezone.localdate()


def test_list_filters_ending_within_days_and_validates_days():
    client = login()
    org = make_org()
    soon = make_contract(
        org,
        active=True,
        start_date=dt.date(2024, 1, 1),
        end_date=timezone.localdate() + 10 * DAY,
    )
    later = make_contract(
        org,
        active=True,
        start_date=dt.date(2024, 1, 1),
        end_date=timezone.localdate() + 200 * DAY,
    )
    body = client.get(reverse("contracts:contract_list") + "?days=30").content.decode()
    assert soon.number in body and later.number not in body
    body = client.get(reverse("contracts:contract_list")).content.decode()
    assert soon.number in body and later.number in body
    response = client.get(reverse("contracts:contract_list") + "?days=abc")
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    response = client.get(
        reverse("contracts:contract_list") + "?status=draft",
        headers={"HX-Request": "true"},
    )
    assert b"<html" not in response.content
    assert soon.number not in response.content.decode()


def test_pagination_by_cursor_walks_every_contract_once():
    client = login()
    org = make_org()
    product = make_product()
    made = [
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=dt.date(2025, 1, 1),
        )
        for _ in range(30)
    ]
    seen: list[str] = []
    next_url = reverse("contracts:contract_list")
    while next_url:
        response = client.get(next_url)
        page = response.context["page"]
        seen += [c.number for c in page.items]
        next_url = (
            reverse("contracts:contract_list") + f"?after={page.next_cursor}"
            if page.next_cursor
            else None
        )
    assert sorted(seen) == sorted(c.number for c in made)
    assert (
        client.get(reverse("contracts:contract_list") + "?after=not-a-uuid").status_code
        == 404
    )


def test_view_only_roles_see_no_change_buttons_and_cannot_post():
    client = login(StaffRole.CUSTOMER_SERVICE)
    contract = make_contract(make_org())
    page = client.get(detail_url(contract)).content.decode()
    assert url("contract_activate", contract) not in page
    assert client.post(url("contract_activate", contract)).status_code == 403
    assert Contract.objects.get().status == ContractStatus.DRAFT


def test_administrator_sees_no_contracts_and_no_nav_link():
    client = login(StaffRole.ADMINISTRATOR)
    contract = make_contract(make_org())
    assert client.get(detail_url(contract)).status_code == 403
    assert client.get(reverse("contracts:contract_list")).status_code == 403
    sales = login()
    body = sales.get(reverse("registry:organization_list")).content.decode()
    assert reverse("contracts:contract_list") in body


def test_unknown_contract_is_404():
    client = login()
    response = client.get(
        reverse(
            "contracts:contract_detail",
            kwargs={"contract_id": "00000000-0000-4000-8000-000000000000"},
        )
    )
    assert response.status_code == 404


def test_pages_are_in_finnish_by_default_with_the_app_catalog():
    client = login()
    contract = make_contract(make_org(), notice_period=3)
    body = client.get(detail_url(contract)).content.decode()
    assert "Ota voimaan" in body and "3 kuukautta" in body
    assert "Luonnos" in body
