"""The registry JSON API's OpenAPI document and docs page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rekisteri.registry.tests.apikit import assert_error
from rekisteri.testing import client_as

pytestmark = pytest.mark.django_db

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
