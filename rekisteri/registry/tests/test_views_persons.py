"""The register's person pages and a person's roles."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from rekisteri.registry.models import Person, PersonPhone, Role
from rekisteri.registry.tests.viewkit import NEXT_LINK, field_error, person_form
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def test_person_create_saves_emails_and_phones(staff_client):
    response = staff_client.post(reverse("registry:person_create"), person_form())
    assert response.status_code == 302
    person = Person.objects.get()
    assert [e.email for e in person.emails.all()] == ["aino.lahtinen@example.fi"]
    assert [p.number for p in person.phones.all()] == ["+358401234567"]
    page = staff_client.get(response["Location"]).content.decode()
    assert "040 1234567" in page


@pytest.mark.parametrize(
    ("overrides", "field_id", "expected"),
    [
        ({"emails": ["ei-osoite", ""]}, "id_emails", "sähköpostiosoite"),
        ({"phones": ["12", ""]}, "id_phones", "puhelinnumero"),
        ({"first_name": ""}, "id_first_name", "pakollinen"),
        (
            {"street": "Kotikatu 1", "postal_code": "", "city": "Espoo"},
            "id_postal_code",
            "osoitteeseen",
        ),
    ],
)
def test_person_create_errors_are_shown_in_place(
    staff_client, overrides, field_id, expected
):
    before = Person.objects.count()
    response = staff_client.post(
        reverse("registry:person_create"), person_form(**overrides)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in field_error(content, field_id).lower()
    assert Person.objects.count() == before


def test_person_create_duplicate_email_of_another_person(staff_client):
    make_person(emails=["jaettu@example.fi"])
    before = Person.objects.count()
    response = staff_client.post(
        reverse("registry:person_create"),
        person_form(emails=["JAETTU@example.fi", ""]),
    )
    assert response.status_code == 200
    assert "toiselle" in field_error(response.content.decode(), "id_emails")
    assert Person.objects.count() == before


def test_person_create_with_role_at_organization(staff_client):
    org = make_org(name="Kohde Oy")
    url = f"{reverse('registry:person_create')}?organization={org.id}"
    page = staff_client.get(url).content.decode()
    assert "Kohde Oy" in page
    data = person_form()
    data.update({"role-kind": "support_user", "role-title": "IT-päällikkö"})
    response = staff_client.post(url, data)
    assert response.status_code == 302
    role = Role.objects.get()
    assert role.organization == org
    assert role.kind == "support_user"
    assert role.start_date == dt.date.today()


def test_person_create_with_invalid_role_saves_nothing(staff_client):
    org = make_org()
    url = f"{reverse('registry:person_create')}?organization={org.id}"
    before = Person.objects.count()
    data = person_form()
    data.update(
        {
            "role-kind": "contact",
            "role-start_date": "2024-05-01",
            "role-end_date": "2024-04-01",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "ennen" in field_error(response.content.decode(), "id_role-end_date")
    assert Person.objects.count() == before
    assert Role.objects.count() == 0
    # The entered values survive the round trip.
    assert 'value="aino.lahtinen@example.fi"' in response.content.decode()


def test_person_create_for_unknown_organization_is_404(staff_client):
    url = f"{reverse('registry:person_create')}?organization=nope"
    assert staff_client.get(url).status_code == 404


def test_person_edit_changes_phone_and_detail_shows_it_formatted(staff_client):
    person = make_person(phones=["+358401234567"], emails=["vaihto@example.fi"])
    url = reverse("registry:person_edit", args=[person.id])
    form = staff_client.get(url).content.decode()
    assert 'value="040 1234567"' in form
    assert "Sähköposti 1" in form and "Sähköposti 2" in form
    assert "Puhelin 1" in form
    data = person_form(
        first_name=person.first_name,
        last_name=person.last_name,
        emails=["vaihto@example.fi", ""],
        phones=["050 765 4321", ""],
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert [p.number for p in PersonPhone.objects.all()] == ["+358507654321"]
    detail = staff_client.get(response["Location"]).content.decode()
    assert "050 7654321" in detail
    assert "040 1234567" not in detail


def test_person_edit_with_errors_keeps_input_and_saves_nothing(staff_client):
    person = make_person(first_name="Pysyvä", emails=["pysyva@example.fi"])
    url = reverse("registry:person_edit", args=[person.id])
    data = person_form(first_name="Uusi", emails=["pysyva@example.fi", "rikki"])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert field_error(content, "id_emails")
    assert 'value="rikki"' in content
    assert 'aria-describedby="id_emails_error"' in content
    person.refresh_from_db()
    assert person.first_name == "Pysyvä"


def test_person_detail_shows_roles_and_provenance(staff_client):
    org = make_org(name="Työpaikka Oy")
    person = make_person(
        first_name="Liisa",
        last_name="Koskinen",
        emails=["liisa@example.fi", "liisa.k@example.com"],
        phones=["+358501112222"],
        street="Kotikatu 3 B 12",
        postal_code="02100",
        city="Espoo",
    )
    Role.objects.create(
        person=person,
        organization=org,
        kind="contact",
        title="Toimitusjohtaja",
        start_date=dt.date(2023, 1, 1),
    )
    content = staff_client.get(
        reverse("registry:person_detail", args=[person.id])
    ).content.decode()
    assert content.index("liisa@example.fi") < content.index("liisa.k@example.com")
    assert "050 1112222" in content
    assert "02100 ESPOO" in content
    assert "Työpaikka Oy" in content
    assert reverse("registry:organization_detail", args=[org.id]) in content
    assert "Toimitusjohtaja" in content
    assert "Henkilökunta" in content


def test_person_list_paginates(staff_client):
    for i in range(27):
        make_person(last_name=f"Sukunimi{i:02d}")
    content = staff_client.get(reverse("registry:person_list")).content.decode()
    match = NEXT_LINK.search(content)
    assert match
    second = staff_client.get(unescape(match.group(1))).content.decode()
    # Newest first (names are encrypted): the oldest are on the second page.
    assert "Sukunimi00" in second
    assert "Sukunimi26" not in second


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def test_role_create_resolves_customer_number_and_business_id(staff_client):
    org = make_org(name="Numero Oy")
    person = make_person()
    url = reverse("registry:role_create", args=[person.id])
    response = staff_client.post(
        url, {"organization": org.customer_number, "kind": "contact"}
    )
    assert response.status_code == 302
    response = staff_client.post(
        url,
        {
            "organization": org.business_id.replace("-", ""),
            "kind": "end_user",
            "start_date": "2024-01-15",
        },
    )
    assert response.status_code == 302
    kinds = set(Role.objects.filter(person=person).values_list("kind", flat=True))
    assert kinds == {"contact", "end_user"}


def test_role_create_unknown_organization_is_a_field_error(staff_client):
    person = make_person()
    response = staff_client.post(
        reverse("registry:role_create", args=[person.id]),
        {"organization": "99999", "kind": "contact"},
    )
    assert response.status_code == 200
    assert "asiakasnumeroa" in field_error(response.content.decode(), "id_organization")
    assert Role.objects.count() == 0


def test_role_edit_and_end(staff_client):
    org = make_org()
    person = make_person()
    role = Role.objects.create(
        person=person, organization=org, kind="contact", start_date=dt.date(2024, 1, 1)
    )
    response = staff_client.post(
        reverse("registry:role_edit", args=[role.id]),
        {"kind": "contact", "title": "Hankinta", "start_date": "2024-01-01"},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.title == "Hankinta"

    url = reverse("registry:role_end", args=[role.id])
    assert staff_client.get(url).status_code == 405
    response = staff_client.post(url, {"return_to": "organization"})
    assert response["Location"] == reverse(
        "registry:organization_detail", args=[org.id]
    )
    role.refresh_from_db()
    assert role.end_date == dt.date.today()
