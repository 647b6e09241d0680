"""The need-to-know matrix limits whose data a role sees: billing staff see
billing contacts, not every contact of every customer — in every selector."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rekisteri.access.models import PersonScope
from rekisteri.access.selectors import person_scope
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.core.errors import NotFound
from rekisteri.registry import selectors
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    sales = make_staff(StaffRole.SALES)
    org = make_org()
    contact = make_person(emails=["kontakti@asiakas.fi"], last_name="Kontakti")
    payer = make_person(emails=["laskut@asiakas.fi"], last_name="Laskuttaja")
    role_create(actor=sales, person=contact, organization=org, kind="contact")
    role_create(actor=sales, person=payer, organization=org, kind="billing_contact")
    return org, contact, payer


def test_billing_sees_only_billing_contacts_in_every_person_selector(people):
    org, contact, payer = people
    billing = make_staff(StaffRole.BILLING)
    assert person_scope(billing) == {"billing_contact"}
    listed = selectors.person_list(user=billing).items
    assert [p.pk for p in listed] == [payer.pk]
    assert selectors.person_get(user=billing, person_id=payer.pk) == payer
    with pytest.raises(NotFound):
        selectors.person_get(user=billing, person_id=contact.pk)
    roles = selectors.organization_roles(user=billing, organization=org)
    assert [r.person_id for r in roles] == [payer.pk]
    assert selectors.search(user=billing, q="kontakti@asiakas.fi").persons == []
    assert selectors.search(user=billing, q="Kontakti").persons == []
    found = selectors.search(user=billing, q="laskut@asiakas.fi").persons
    assert [p.pk for p in found] == [payer.pk]


def test_sales_sees_everyone(people):
    org, contact, payer = people
    sales = make_staff(StaffRole.SALES)
    assert person_scope(sales) is None
    assert {p.pk for p in selectors.person_list(user=sales).items} == {
        contact.pk,
        payer.pk,
    }
    assert len(selectors.organization_roles(user=sales, organization=org)) == 2


def test_pages_and_api_answer_not_found_for_a_person_out_of_scope(people):
    _org, contact, payer = people
    billing = make_staff(StaffRole.BILLING)
    client = client_as(billing)
    url = reverse("registry:person_detail", kwargs={"person_id": contact.pk})
    assert client.get(url).status_code == 404
    url = reverse("registry:person_detail", kwargs={"person_id": payer.pk})
    assert client.get(url).status_code == 200
    _token, raw = api_token_create(actor=billing, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get(f"/api/v1/persons/{contact.pk}").status_code == 404
    assert api.get(f"/api/v1/persons/{payer.pk}").status_code == 200


def test_the_scope_is_data_an_empty_list_lifts_it(people):
    _org, contact, payer = people
    billing = make_staff(StaffRole.BILLING)
    PersonScope.objects.create(role=StaffRole.BILLING, role_kinds=[])
    assert person_scope(billing) is None
    assert selectors.person_get(user=billing, person_id=contact.pk) == contact
    PersonScope.objects.filter(role=StaffRole.BILLING).update(role_kinds=["contact"])
    with pytest.raises(NotFound):
        selectors.person_get(user=billing, person_id=payer.pk)
