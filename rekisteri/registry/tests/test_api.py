"""The registry JSON API: happy paths, refused input, errors, pagination, docs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.registry import selectors
from rekisteri.registry.models import (
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

API = "/api/v1"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def token_client(role: str = StaffRole.SALES, scope: str = "write") -> Client:
    """A client that sends a fresh personal token of a new ``role`` user."""
    user = make_staff(role)
    _token, raw = api_token_create(actor=user, name="t", scope=scope)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.user = user  # type: ignore[attr-defined]
    return client


def send(client: Client, method: str, path: str, body: Any = None, raw: str = ""):
    """Call the API with a JSON body (or ``raw`` text as the body)."""
    kwargs: dict[str, Any] = {}
    if body is not None or raw:
        kwargs = {
            "data": raw or json.dumps(body),
            "content_type": "application/json",
        }
    elif method.upper() != "GET":
        # An empty body, as a JSON client sends it (the test client would
        # otherwise send an empty multipart form).
        kwargs = {"data": "", "content_type": "application/json"}
    return getattr(client, method.lower())(f"{API}{path}", **kwargs)


def counts() -> dict[str, int]:
    """Row counts of everything an API write can touch."""
    return {
        model.__name__: model.objects.count()
        for model in (Organization, Person, PersonEmail, PersonPhone, Role, Provenance)
    }


def assert_error(response, status: int, code: str) -> dict:
    """The response is the API's JSON error shape with ``status`` and ``code``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert b"Traceback" not in response.content
    return body["error"]


@pytest.fixture
def api() -> Client:
    return token_client()


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


# --------------------------------------------------------------------------
# Refused input: right code, nothing half-saved, no value echoed
# --------------------------------------------------------------------------


def _existing() -> dict[str, Any]:
    """Rows the bad requests refer to, created before counting."""
    org = make_org(business_id="0737546-2")
    person = make_person(emails=["varattu@example.fi"])
    return {"org": org, "person": person}


BAD_INPUTS = [
    pytest.param(
        "POST",
        "/organizations",
        {"name": "Tarkiste Oy", "business_id": "1234567-2"},
        "business_id",
        "business_id_checksum",
        "1234567-2",
        id="ytunnus-checksum",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {"name": "Muoto Oy", "business_id": "12-ABC"},
        "business_id",
        "business_id_format",
        "12-ABC",
        id="ytunnus-format",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {"name": "Tupla Oy", "business_id": "0737546-2"},
        "business_id",
        "business_id_taken",
        None,
        id="ytunnus-duplicate",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "E", "last_name": "Posti", "emails": ["ei-osoite@@x"]},
        "emails",
        "email_invalid",
        "ei-osoite@@x",
        id="email-invalid",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "E", "last_name": "Posti", "emails": ["VARATTU@example.fi"]},
        "emails",
        "email_taken",
        "VARATTU@example.fi",
        id="email-duplicate",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "P", "last_name": "Puhelin", "phones": ["12345"]},
        "phones",
        "phone_invalid",
        "12345",
        id="phone-invalid",
    ),
    pytest.param(
        "POST",
        "/persons",
        {
            "first_name": "P",
            "last_name": "Postinumero",
            "street": "Katu 1",
            "postal_code": "0010X",
            "city": "Helsinki",
        },
        "postal_code",
        "postal_code_invalid",
        "0010X",
        id="postcode-invalid",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "   ", "last_name": "Tyhjä"},
        "first_name",
        "required",
        None,
        id="name-blank",
    ),
    pytest.param(
        "POST",
        "/roles",
        {
            "person_id": "{person}",
            "organization_id": "{org}",
            "kind": "contact",
            "start_date": "2024-05-01",
            "end_date": "2024-04-30",
        },
        "end_date",
        "end_before_start",
        None,
        id="role-end-before-start",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {"name": 12345, "sole_trader": "ehkä"},
        "sole_trader",
        "type_boolean",
        "ehkä",
        id="wrong-type-boolean",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {"name": ["Lista Oy"]},
        "name",
        "type_string",
        "Lista Oy",
        id="wrong-type-string",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "L", "last_name": "Lista", "emails": "yksi@example.fi"},
        "emails",
        "type_list",
        "yksi@example.fi",
        id="wrong-type-list",
    ),
    pytest.param(
        "POST",
        "/roles",
        {
            "person_id": "{person}",
            "organization_id": "{org}",
            "kind": "contact",
            "start_date": "eilen-salainen",
        },
        "start_date",
        "date_invalid",
        "eilen-salainen",
        id="wrong-type-date",
    ),
    pytest.param(
        "POST",
        "/roles",
        {"person_id": "ei-uuid-salainen", "organization_id": "{org}", "kind": "x"},
        "person_id",
        "type_uuid",
        "ei-uuid-salainen",
        id="wrong-type-uuid",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {"name": "Kirjoitusvirhe Oy", "buisness_id": "0737546-2"},
        "buisness_id",
        "unknown_field",
        None,
        id="unknown-field",
    ),
    pytest.param(
        "POST",
        "/organizations",
        {},
        "name",
        "required",
        None,
        id="missing-required",
    ),
    pytest.param(
        "POST",
        "/persons",
        {"first_name": "x" * 101, "last_name": "Pitkä"},
        "first_name",
        "too_long",
        None,
        id="too-long",
    ),
    pytest.param(
        "PATCH",
        "/organizations/{org}",
        {"business_id": "1234567-2"},
        "business_id",
        "business_id_checksum",
        "1234567-2",
        id="patch-ytunnus-checksum",
    ),
    pytest.param(
        "PATCH",
        "/persons/{person}",
        {"emails": ["ok@example.fi", "huono@"]},
        "emails",
        "email_invalid",
        "huono@",
        id="patch-email-invalid",
    ),
]


@pytest.mark.parametrize("method,path,body,field,code,echo", BAD_INPUTS)
def test_bad_input_is_refused(api, method, path, body, field, code, echo):
    rows = _existing()
    ids = {"person": str(rows["person"].id), "org": str(rows["org"].id)}
    path = path.format(**ids)
    text = json.dumps(body)
    for name, value in ids.items():
        text = text.replace(f"{{{name}}}", value)
    before = counts()
    org_before = Organization.objects.get(pk=rows["org"].pk)
    emails_before = list(rows["person"].emails.values_list("email", flat=True))

    response = send(api, method, path, raw=text)

    error = assert_error(response, 422, "validation_error")
    assert code in [e["code"] for e in error["fields"][field]], error
    assert counts() == before
    org_after = Organization.objects.get(pk=rows["org"].pk)
    assert org_after.business_id == org_before.business_id
    assert list(rows["person"].emails.values_list("email", flat=True)) == (
        emails_before
    )
    if echo:
        # The submitted value may be personal data: never in the answer.
        assert echo.encode() not in response.content
        assert json.dumps(echo).encode() not in response.content


def test_duplicate_open_role_is_refused(api):
    org, person = make_org(), make_person()
    body = {
        "person_id": str(person.id),
        "organization_id": str(org.id),
        "kind": "contact",
    }
    assert send(api, "POST", "/roles", body).status_code == 201
    before = counts()
    error = assert_error(send(api, "POST", "/roles", body), 422, "validation_error")
    assert error["fields"]["kind"][0]["code"] == "role_exists"
    assert counts() == before


def test_patch_role_end_before_start_keeps_role(api):
    org, person = make_org(), make_person()
    role = send(
        api,
        "POST",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "contact",
            "start_date": "2024-05-01",
        },
    ).json()
    response = send(api, "PATCH", f"/roles/{role['id']}", {"end_date": "2024-01-01"})
    error = assert_error(response, 422, "validation_error")
    assert error["fields"]["end_date"][0]["code"] == "end_before_start"
    assert Role.objects.get(pk=role["id"]).end_date is None


@pytest.mark.parametrize(
    "raw",
    ['{"name": "Rikki Oy"', "not json at all", '{"name": "Rikki Oy",}'],
)
def test_malformed_json(api, raw):
    before = counts()
    response = send(api, "POST", "/organizations", raw=raw)
    error = assert_error(response, 400, "malformed_json")
    assert "fields" not in error
    assert b"Rikki" not in response.content
    assert counts() == before


def test_json_that_is_not_an_object(api):
    before = counts()
    response = send(api, "POST", "/organizations", raw='["Lista Oy"]')
    assert_error(response, 422, "validation_error")
    assert b"Lista Oy" not in response.content
    assert counts() == before


# --------------------------------------------------------------------------
# Not found, wrong method, unexpected failures
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/organizations/{id}"),
        ("PATCH", "/organizations/{id}"),
        ("GET", "/organizations/{id}/roles"),
        ("GET", "/persons/{id}"),
        ("PATCH", "/persons/{id}"),
        ("PATCH", "/roles/{id}"),
        ("POST", "/roles/{id}/end"),
    ],
)
@pytest.mark.parametrize("object_id", ["unknown", "malformed"])
def test_unknown_and_malformed_ids_are_404(api, method, path, object_id):
    value = str(uuid.uuid4()) if object_id == "unknown" else "not-a-uuid"
    body = {} if method != "GET" else None
    response = send(api, method, path.format(id=value), body)
    error = assert_error(response, 404, "not_found")
    assert "fields" not in error


def test_missing_and_malformed_look_the_same(api):
    missing = send(api, "GET", f"/persons/{uuid.uuid4()}")
    malformed = send(api, "GET", "/persons/123")
    assert missing.content == malformed.content


def test_unknown_path_and_method(api):
    assert_error(send(api, "GET", "/nothing/here"), 404, "not_found")
    assert_error(api.get("/api/"), 404, "not_found")
    assert_error(send(api, "DELETE", "/organizations"), 405, "method_not_allowed")


def test_bad_cursor_is_a_parameter_error(api):
    response = send(api, "GET", f"/organizations?after={uuid.uuid4()}")
    error = assert_error(response, 422, "validation_error")
    assert error["fields"]["after"][0]["code"] == "cursor_invalid"


def test_bad_query_parameter(api):
    error = assert_error(
        send(api, "GET", "/organizations?limit=0"), 422, "validation_error"
    )
    assert error["fields"]["limit"][0]["code"] == "too_small"
    error = assert_error(
        send(api, "GET", "/organizations?status=bogus"), 422, "validation_error"
    )
    assert error["fields"]["status"][0]["code"] == "invalid_choice"


def test_unhandled_exception_is_a_generic_500(api, monkeypatch, caplog):
    org = make_org()

    def explode(**kwargs: Any):
        raise RuntimeError("secret marker")

    monkeypatch.setattr(selectors, "organization_get", explode)
    with caplog.at_level(logging.ERROR, logger="rekisteri.api"):
        response = send(api, "GET", f"/organizations/{org.id}")
    error = assert_error(response, 500, "internal_error")
    assert "fields" not in error
    assert b"secret marker" not in response.content
    assert b"Traceback" not in response.content
    api_logs = [r for r in caplog.records if r.name == "rekisteri.api"]
    assert api_logs and "RuntimeError" in api_logs[0].getMessage()
    assert "secret marker" not in caplog.text


# --------------------------------------------------------------------------
# Keyset pagination
# --------------------------------------------------------------------------


def test_keyset_pagination_visits_every_organization_once(api):
    # Names that collide after case-folding exercise the id tie-breaker.
    created = {
        str(make_org(name=f"{'Sama' if i % 3 == 0 else 'Nimi'} {i % 7} Oy").id)
        for i in range(30)
    }
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=10" + (f"&after={cursor}" if cursor else "")
        page = send(api, "GET", f"/organizations?{query}").json()
        seen.extend(o["id"] for o in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not terminate"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == created
    expected = list(
        Organization.objects.order_by("name_key", "id").values_list("id", flat=True)
    )
    assert seen == [str(pk) for pk in expected]


def test_keyset_pagination_of_persons(api):
    created = {str(make_person(last_name=f"Sivu{i % 4}").id) for i in range(12)}
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=5" + (f"&after={cursor}" if cursor else "")
        page = send(api, "GET", f"/persons?{query}").json()
        seen.extend(p["id"] for p in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == created


# --------------------------------------------------------------------------
# OpenAPI document and docs page
# --------------------------------------------------------------------------

EXPECTED_OPERATIONS = {
    ("GET", "/api/v1/invoices/{invoice_id}"),
    ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations"),
    ("GET", "/api/v1/organizations/{organization_id}"),
    ("PATCH", "/api/v1/organizations/{organization_id}"),
    ("GET", "/api/v1/organizations/{organization_id}/roles"),
    ("GET", "/api/v1/persons"),
    ("POST", "/api/v1/persons"),
    ("GET", "/api/v1/persons/{person_id}"),
    ("PATCH", "/api/v1/persons/{person_id}"),
    ("POST", "/api/v1/roles"),
    ("PATCH", "/api/v1/roles/{role_id}"),
    ("POST", "/api/v1/roles/{role_id}/end"),
    ("POST", "/api/v1/search"),
    ("GET", "/api/v1/me"),
    # Message history (rekisteri.messaging.api)
    ("GET", "/api/v1/organizations/{organization_id}/messages"),
    ("GET", "/api/v1/persons/{person_id}/messages"),
    ("GET", "/api/v1/messages/{message_id}"),
    ("POST", "/api/v1/messages"),
}


def openapi_operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


def test_openapi_lists_every_operation_with_its_permission(api):
    response = api.get("/api/openapi.json")
    assert response.status_code == 200
    operations = openapi_operations(response.json())
    # The registry's operations are all there; other apps add their own
    # (each app's tests list them), and every one is checked below.
    assert set(operations) >= EXPECTED_OPERATIONS
    for key, op in operations.items():
        assert op.get("x-required-permission"), key
        assert op.get("x-required-scope") in {"read", "write"}, key
        assert op.get("security"), key
        for status in ("401", "403", "422"):
            schema = op["responses"][status]["content"]["application/json"]
            assert schema["schema"]["$ref"].endswith("/ErrorOut"), (key, status)


def test_docs_page_needs_a_login():
    response = Client().get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
    assert_error(Client().get("/api/openapi.json"), 401, "unauthenticated")


def test_docs_page_renders_for_staff():
    client = client_as()
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"/api/openapi.json" in response.content


def test_docs_page_loads_swagger_from_our_static_files():
    client = client_as()
    html = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr" not in html
    static = "/" + settings.STATIC_URL.strip("/") + "/ninja/"
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        url = static + asset
        assert url in html
        assert client.get(url).status_code == 200, url


# --------------------------------------------------------------------------
# Query counts do not grow with the data
# --------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = send(client, "GET", path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_lists_and_details_do_not_query_per_row(api):
    org = make_org()
    person = make_person(phones=["+358401234599"])

    def add_role(person_id, organization_id) -> None:
        response = send(
            api,
            "POST",
            "/roles",
            {
                "person_id": str(person_id),
                "organization_id": str(organization_id),
                "kind": "contact",
            },
        )
        assert response.status_code == 201, response.content

    # One of everything first, so prefetches that skip empty sets run in both.
    add_role(person.id, org.id)
    send(api, "GET", "/me")  # token last-used stamp is written once, up front
    small = {
        "persons": _queries(api, "/persons"),
        "roles": _queries(api, f"/organizations/{org.id}/roles"),
        "person": _queries(api, f"/persons/{person.id}"),
        "orgs": _queries(api, "/organizations"),
    }
    for i in range(5):
        add_role(make_person(phones=[f"+35840123450{i}"]).id, org.id)
        add_role(person.id, make_org().id)
    large = {
        "persons": _queries(api, "/persons"),
        "roles": _queries(api, f"/organizations/{org.id}/roles"),
        "person": _queries(api, f"/persons/{person.id}"),
        "orgs": _queries(api, "/organizations"),
    }
    assert large == small
