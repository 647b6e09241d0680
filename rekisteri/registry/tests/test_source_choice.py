"""Staff say where the values they type came from; provenance records it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.forms import PersonForm
from rekisteri.registry.models import Person, PersonEmail, PersonPhone
from rekisteri.testing import client_as, make_person

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
