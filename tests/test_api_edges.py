"""The API's edges with requests like those real clients sent: a body over
Django's size limit, a body that is not declared as JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.messaging.models import Message
from rekisteri.registry.models import Organization
from rekisteri.registry.selectors import SearchKind, classify_query
from rekisteri.testing import make_org, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Client:
    user = make_staff(StaffRole.SALES)
    _token, raw = api_token_create(actor=user, name="t", scope="write")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/organizations", "/api/v1/messages"])
def test_a_body_over_the_upload_limit_is_413_json(api, settings, path):
    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({"name": "x" * too_big, "body": "x"})
    response = api.post(path, body, content_type="application/json")
    error = _error(response, 413, "payload_too_large")
    assert "xxxx" not in error["message"]
    assert not Organization.objects.filter(name__startswith="xxx").exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded"],
)
def test_a_json_text_not_declared_as_json_is_415(api, content_type):
    org = make_org()
    before = Organization.objects.count()
    response = api.post(
        "/api/v1/organizations",
        json.dumps({"name": "Oy Ab"}),
        content_type=content_type,
    )
    _error(response, 415, "unsupported_media_type")
    assert Organization.objects.count() == before
    response = api.post(
        "/api/v1/messages",
        json.dumps(
            {
                "organization_id": str(org.pk),
                "channel": "phone",
                "direction": "in",
                "body": "x",
            }
        ),
        content_type=content_type,
    )
    _error(response, 415, "unsupported_media_type")
    assert not Message.objects.exists()


def test_json_with_a_charset_or_a_json_suffix_type_is_accepted(api):
    for content_type in ("application/json; charset=utf-8", "application/merge+json"):
        response = api.post(
            "/api/v1/organizations",
            json.dumps({"name": f"Oy {content_type[-5:]}"}),
            content_type=content_type,
        )
        assert response.status_code == 201, response.content


@pytest.mark.parametrize("business_id", ["٠١١٢٠٣٨-٩", "０１１２０３８-９"])
def test_a_business_id_in_other_scripts_digits_is_a_field_error(api, business_id):
    response = api.post(
        "/api/v1/organizations",
        json.dumps({"name": "Nokia Oyj", "business_id": business_id}),
        content_type="application/json",
    )
    error = _error(response, 422, "validation_error")
    assert error["fields"]["business_id"][0]["code"] == "business_id_format"
    assert not Organization.objects.exists()


def test_search_by_other_scripts_digits_is_no_identifier_search():
    assert classify_query("0112038-9") == SearchKind.BUSINESS_ID
    assert classify_query("٠١١٢٠٣٨-٩") == SearchKind.NAME
    assert classify_query("+358 40 123 4567") == SearchKind.PHONE
    assert classify_query("+358 ٤٠ ١٢٣ ٤٥٦٧") == SearchKind.NAME
