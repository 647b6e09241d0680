"""The registry JSON API refuses bad input with the right code, saves nothing
half-way and echoes no value; unknown ids, paths and failures answer alike."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from rekisteri.registry import selectors
from rekisteri.registry.models import (
    Organization,
    Role,
)
from rekisteri.registry.tests.apikit import assert_error, counts, send
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

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


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "Kaksi Oy", "name": "Toinen Oy"}',
        '{"name": "Kaksi Oy", "contact": {"a": 1, "a": 2}}',
    ],
)
def test_a_field_named_twice_is_refused(api, raw):
    # Decoders differ on which value wins: the body means two things.
    before = counts()
    response = send(api, "POST", "/organizations", raw=raw)
    error = assert_error(response, 400, "duplicate_key")
    assert "fields" not in error
    assert b"Kaksi" not in response.content and b"Toinen" not in response.content
    assert counts() == before


@pytest.mark.parametrize(
    "name", ["matti.meikalainen@example.fi", "<b>x</b>", "x" * 65, "nimi kenttä"]
)
def test_an_unknown_field_name_is_not_repeated_unless_a_name(api, name):
    before = counts()
    raw = json.dumps({"name": "Tuntematon Oy", name: 1})
    response = send(api, "POST", "/organizations", raw=raw)
    error = assert_error(response, 422, "validation_error")
    assert error["fields"] == {
        "body": [
            {"code": "unknown_field", "message": error["fields"]["body"][0]["message"]}
        ]
    }
    assert name.encode() not in response.content
    assert json.dumps(name).encode() not in response.content
    assert counts() == before


@pytest.mark.parametrize(
    "spell",
    [
        lambda u: f"urn:uuid:{u}",
        lambda u: "{" + str(u) + "}",
        lambda u: u.hex,
    ],
    ids=["urn", "braces", "bare-hex"],
)
def test_an_id_in_a_body_has_one_spelling(api, spell):
    rows = _existing()
    before = counts()
    body = {
        "person_id": spell(rows["person"].id),
        "organization_id": str(rows["org"].id),
        "kind": "contact",
    }
    response = send(api, "POST", "/roles", raw=json.dumps(body))
    error = assert_error(response, 422, "validation_error")
    assert [e["code"] for e in error["fields"]["person_id"]] == ["type_uuid"]
    assert counts() == before
    body["person_id"] = str(rows["person"].id).upper()
    assert send(api, "POST", "/roles", raw=json.dumps(body)).status_code == 201


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
