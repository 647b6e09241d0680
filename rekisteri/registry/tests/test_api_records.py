"""The registry JSON API's happy paths: organizations, persons, roles, search."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from rekisteri.registry.tests.apikit import API, assert_error, counts, send
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


def test_organization_create_get_patch_list(api):
    response = send(
        api,
        "POST",
        "/organizations",
        {
            "name": "Virtanen Ohjelmistot Oy",
            "business_id": "0737546 2",
            "status": "customer",
            "postal_street": "Mannerheimintie 1",
            "postal_postal_code": "00100",
            "postal_city": "Helsinki",
        },
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    org = response.json()
    uuid.UUID(org["id"])
    assert org["business_id"] == "0737546-2"
    assert org["vat_number"] == "FI07375462"
    assert org["status"] == "customer"
    assert org["postal_city"] == "HELSINKI"
    assert org["customer_number"]
    assert org["created_at"] and org["updated_at"]

    got = send(api, "GET", f"/organizations/{org['id']}").json()
    assert got == org

    # Only the fields sent change.
    response = send(api, "PATCH", f"/organizations/{org['id']}", {"status": "former"})
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["status"] == "former"
    for unchanged in ("name", "business_id", "vat_number", "postal_street"):
        assert patched[unchanged] == org[unchanged]

    # null clears the business ID (and the VAT number derived from it).
    patched = send(
        api, "PATCH", f"/organizations/{org['id']}", {"business_id": None}
    ).json()
    assert patched["business_id"] is None
    assert patched["vat_number"] == ""

    listed = send(api, "GET", "/organizations?status=former").json()
    assert [o["id"] for o in listed["items"]] == [org["id"]]
    assert listed["next_cursor"] is None
    assert send(api, "GET", "/organizations?status=prospect").json()["items"] == []


def test_organization_list_filters_sole_traders(api):
    trader = make_org(name="Toiminimi Tuula Testinen", sole_trader=True)
    make_org(name="Yhtiö Oy")
    items = send(api, "GET", "/organizations?sole_trader=true").json()["items"]
    assert [o["id"] for o in items] == [str(trader.id)]


def test_organization_roles(api):
    org = make_org()
    person = make_person(emails=["anna@example.fi"], phones=["040 123 4567"])
    response = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "billing_contact",
            "title": "Talouspäällikkö",
            "start_date": "2024-01-15",
        },
    )
    assert response.status_code == 201, response.content
    role = response.json()
    assert role["is_current"] is True

    roles = send(api, "GET", f"/organizations/{org.id}/roles").json()
    assert len(roles) == 1
    assert roles[0]["id"] == role["id"]
    assert roles[0]["person"]["id"] == str(person.id)
    assert roles[0]["person"]["emails"] == [
        {"email": "anna@example.fi", "is_primary": True}
    ]
    assert roles[0]["person"]["phones"][0]["number"] == "+358401234567"


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def test_person_create_get_patch_list(api):
    response = send(
        api,
        "POST",
        "/persons",
        {
            "first_name": "Aino",
            "last_name": "Aaltonen",
            "preferred_language": "sv",
            "emails": ["Aino.Aaltonen@Example.fi", "aino@koti.fi"],
            "phones": ["040 765 4321"],
            "street": "Aleksanterinkatu 5",
            "postal_code": "33100",
            "city": "Tampere",
            "source": "data_subject",
        },
    )
    assert response.status_code == 201, response.content
    person = response.json()
    assert person["emails"] == [
        {"email": "aino.aaltonen@example.fi", "is_primary": True},
        {"email": "aino@koti.fi", "is_primary": False},
    ]
    assert person["phones"] == [
        {"number": "+358407654321", "kind": "mobile", "is_primary": True}
    ]
    assert person["city"] == "TAMPERE"
    assert person["preferred_language"] == "sv"
    assert person["roles"] == []
    name_prov = person["provenance"]["name"]
    assert name_prov["source_code"] == "data_subject"
    assert name_prov["source_name"]
    assert name_prov["obtained_at"]
    assert name_prov["import_batch_id"] is None
    assert person["provenance"]["address"]["source_code"] == "data_subject"

    assert send(api, "GET", f"/persons/{person['id']}").json() == person

    response = send(
        api,
        "PATCH",
        f"/persons/{person['id']}",
        {"last_name": "Aaltonen-Virta", "emails": ["aino@koti.fi"]},
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["last_name"] == "Aaltonen-Virta"
    assert patched["first_name"] == "Aino"
    assert patched["emails"] == [{"email": "aino@koti.fi", "is_primary": True}]
    # Phones were not sent, so they stay.
    assert patched["phones"] == person["phones"]

    listed = send(api, "GET", "/persons").json()
    assert [p["id"] for p in listed["items"]] == [person["id"]]
    assert listed["items"][0]["emails"] == patched["emails"]


def test_person_detail_lists_roles_with_organization(api):
    org = make_org(name="Roolitalo Oy")
    person = make_person()
    role = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "contact",
        },
    ).json()
    detail = send(api, "GET", f"/persons/{person.id}").json()
    assert [r["id"] for r in detail["roles"]] == [role["id"]]
    assert detail["roles"][0]["organization"] == {
        "id": str(org.id),
        "customer_number": org.customer_number,
        "name": "Roolitalo Oy",
    }


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def test_role_create_patch_end(api):
    org, person = make_org(), make_person()
    role = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "support_user",
            "start_date": "2023-03-01",
        },
    ).json()
    assert role["start_date"] == "2023-03-01"
    assert role["end_date"] is None

    patched = send(api, "PATCH", f"/roles/{role['id']}", {"title": "Pääkäyttäjä"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "Pääkäyttäjä"
    assert patched.json()["kind"] == "support_user"

    ended = send(api, "POST", f"/roles/{role['id']}/end", {"end_date": "2024-12-31"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["end_date"] == "2024-12-31"
    assert ended.json()["is_current"] is False


def test_role_end_defaults_to_today(api):
    org, person = make_org(), make_person()
    role = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "end_user",
            "start_date": "2020-01-01",
        },
    ).json()
    ended = send(api, "POST", f"/roles/{role['id']}/end")
    assert ended.status_code == 200, ended.content
    assert dt.date.fromisoformat(ended.json()["end_date"]) >= dt.date(2020, 1, 1)


def test_role_with_unknown_person_is_a_field_error(api):
    org = make_org()
    before = counts()
    response = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(uuid.uuid4()),
            "organization_id": str(org.id),
            "kind": "contact",
        },
    )
    error = assert_error(response, 422, "validation_error")
    assert error["fields"]["person_id"][0]["code"] == "not_found"
    assert "organization_id" not in error["fields"]
    assert counts() == before


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


def test_search_by_business_id_email_and_name(api):
    org = make_org(name="Hakuyhtiö Oy", business_id="0737546-2")
    person = make_person(first_name="Helmi", last_name="Hakkarainen")
    email = person.emails.first().email

    found = send(api, "POST", "/search", {"q": "0737546-2"}).json()
    assert found["kind"] == "business_id"
    assert [o["id"] for o in found["organizations"]] == [str(org.id)]
    assert found["persons"] == []

    found = send(api, "POST", "/search", {"q": email.upper()}).json()
    assert found["kind"] == "email"
    assert [p["id"] for p in found["persons"]] == [str(person.id)]

    found = send(api, "POST", "/search", {"q": "hakk"}).json()
    assert found["kind"] == "name"
    assert [p["id"] for p in found["persons"]] == [str(person.id)]


def test_search_is_not_reachable_by_get(api):
    # A GET would put the query into URLs and access logs.
    response = api.get(f"{API}/search?q=Virtanen")
    assert_error(response, 405, "method_not_allowed")
