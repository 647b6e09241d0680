"""What the register's API tests share: a token client, a JSON call, row counts
and the API's error shape (the ``api`` fixture is in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.registry.models import (
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.testing import make_staff

API = "/api/v1"


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
