"""Staff say where the values they type came from; provenance records it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.choices import SourceKind
from rekisteri.registry.forms import (
    OrganizationForm,
    PersonForm,
    RoleFieldsForm,
    RoleForm,
)
from rekisteri.registry.models import (
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Role,
)
from rekisteri.registry.services import value_sources
from rekisteri.testing import client_as, make_org, make_person

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    data = {
        "first_name": "Lähde",
        "last_name": "Valinta",
        "preferred_language": "fi",
        "emails": ["lahde.valinta@example.fi"],
        "phones": ["040 111 2233"],
        "country": "FI",
    }
    data.update(overrides)
    return data


def test_the_form_offers_the_sources_of_typed_values_only():
    codes = [code for code, _label in PersonForm().fields["source"].choices]
    assert {"data_subject", "customer_company", "staff"} <= set(codes)
    assert "prh" not in codes and "fonecta" not in codes
    assert not PersonForm(_form(source="prh")).is_valid()


def test_the_chosen_source_is_recorded_for_names_emails_and_phones(client):
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        reverse("registry:person_create"), _form(source="data_subject")
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.name_provenance.source.code == "data_subject"
    assert PersonEmail.objects.get().provenance.source.code == "data_subject"
    assert PersonPhone.objects.get().provenance.source.code == "data_subject"


def test_an_edit_records_its_own_source_and_none_chosen_is_staff(client):
    person = make_person(first_name="Vanha", last_name="Nimi")
    client_as(StaffRole.SALES, client=client)
    url = reverse("registry:person_edit", args=[person.id])
    client.post(url, _form(source="customer_company"))
    person.refresh_from_db()
    assert person.name_provenance.source.code == "customer_company"
    client.post(url, _form(first_name="Uusi", source=""))
    person.refresh_from_db()
    assert person.name_provenance.source.code == "staff"


# --------------------------------------------------------------------------
# Organizations and roles
# --------------------------------------------------------------------------


def _org_form(**overrides) -> dict:
    data = {
        "name": "Lähteellinen Oy",
        "business_id": "",
        "status": "prospect",
        "postal_street": "Lähdekatu 1",
        "postal_postal_code": "00100",
        "postal_city": "Helsinki",
        "postal_country": "FI",
        "visiting_country": "FI",
    }
    data.update(overrides)
    return data


def test_the_organization_and_role_forms_offer_the_sources_of_typed_values():
    for form in (OrganizationForm(), RoleForm(), RoleFieldsForm(creating=False)):
        codes = [code for code, _label in form.fields["source"].choices]
        assert {"data_subject", "customer_company", "staff"} <= set(codes)
        assert "prh" not in codes
        assert form.fields["source"].initial == "staff"
    assert not OrganizationForm(_org_form(source="prh")).is_valid()
    assert "source" not in RoleFieldsForm(with_source=False).fields


def test_an_organization_records_the_chosen_source_and_shows_it(client):
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        reverse("registry:organization_create"), _org_form(source="customer_company")
    )
    assert response.status_code == 302
    org = Organization.objects.get()
    assert org.provenance.source.code == "customer_company"
    url = reverse("registry:organization_edit", args=[org.id])
    client.post(url, _org_form(postal_city="Espoo", source="data_subject"))
    sources = value_sources(Organization.objects.get())
    assert sources["postal_city"].source.code == "data_subject"
    assert "name" not in sources  # unchanged: it keeps the creation's record
    page = client.get(reverse("registry:organization_detail", args=[org.id]))
    html = page.content.decode()
    aside = html[html.index('id="provenance-title"') :]
    assert str(SourceKind.DATA_SUBJECT.label) in aside
    assert 'data-field-source="data_subject"' in html
    client.post(url, _org_form(postal_city="Vantaa", source=""))
    assert value_sources(org)["postal_city"].source.code == "staff"


def test_a_role_records_the_chosen_source_and_shows_it(client):
    person = make_person(first_name="Rooli", last_name="Lähde")
    org = make_org(name="Roolitalo Oy")
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        reverse("registry:role_create", args=[person.id]),
        {
            "organization": org.customer_number,
            "kind": "contact",
            "title": "Ostaja",
            "source": "data_subject",
        },
    )
    assert response.status_code == 302, response.content
    role = Role.objects.get()
    assert role.provenance.source.code == "data_subject"
    html = client.get(reverse("registry:person_detail", args=[person.id]))
    aside = html.content.decode()
    aside = aside[aside.index('id="provenance-title"') :]
    assert str(SourceKind.DATA_SUBJECT.label) in aside
    client.post(
        reverse("registry:role_edit", args=[role.id]),
        {
            "kind": "contact",
            "title": "Johtaja",
            "start_date": role.start_date.isoformat(),
            "source": "customer_company",
        },
    )
    role.refresh_from_db()
    assert role.provenance.source.code == "customer_company"
    client.post(
        reverse("registry:role_edit", args=[role.id]),
        {
            "kind": "contact",
            "title": "Toimitusjohtaja",
            "start_date": role.start_date.isoformat(),
            "source": "",
        },
    )
    role.refresh_from_db()
    assert role.provenance.source.code == "staff"


def test_a_role_made_with_a_new_person_takes_the_pages_source(client):
    org = make_org(name="Uusi Talo Oy")
    client_as(StaffRole.SALES, client=client)
    response = client.post(
        reverse("registry:person_create") + f"?organization={org.id}",
        {**_form(source="customer_company"), "role-kind": "contact"},
    )
    assert response.status_code == 302
    assert Role.objects.get().provenance.source.code == "customer_company"
