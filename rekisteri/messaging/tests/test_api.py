"""The message-history API: keyset timelines, detail, create, refusals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.audit.models import AuditEvent
from rekisteri.messaging.models import Message
from rekisteri.testing import make_org, make_person, make_staff

pytestmark = pytest.mark.django_db
API = "/api/v1"


def token_client(role: str = StaffRole.SALES, scope: str = "write") -> Client:
    user = make_staff(role)
    _token, raw = api_token_create(actor=user, name="t", scope=scope)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.user = user  # type: ignore[attr-defined]
    return client


def post(client: Client, path: str, body: Any):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json"
    )


def _body(org, n: int, **extra) -> dict:
    return {
        "organization_id": str(org.id),
        "channel": "phone",
        "direction": "in",
        "occurred_at": f"2026-01-05T09:{n:02d}:00+02:00",
        "subject": f"Puhelu {n}",
        "body": "Sisältö",
        **extra,
    }


def test_create_then_page_through_the_timeline():
    client = token_client()
    org = make_org()
    person = make_person()
    ids = []
    for n in range(5):
        response = post(
            client,
            "/messages",
            _body(org, n, participants=[{"role": "from", "person_id": str(person.id)}]),
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    created = response.json()
    assert created["body"] == "Sisältö"
    assert created["participants"][0]["person_id"] == str(person.id)
    first = client.get(f"{API}/organizations/{org.id}/messages", {"limit": 2}).json()
    assert [m["id"] for m in first["items"]] == ids[::-1][:2]
    second = client.get(
        f"{API}/organizations/{org.id}/messages",
        {"limit": 2, "after": first["next_cursor"]},
    ).json()
    assert [m["id"] for m in second["items"]] == ids[::-1][2:4]
    assert "body" not in second["items"][0]
    mine = client.get(f"{API}/persons/{person.id}/messages").json()
    assert len(mine["items"]) == 5 and mine["next_cursor"] is None
    detail = client.get(f"{API}/messages/{ids[0]}").json()
    assert detail["subject"] == "Puhelu 0"
    assert AuditEvent.objects.filter(action="message.list").count() == 3
    assert AuditEvent.objects.filter(action="message.view").count() == 1


def test_create_refusals_are_field_errors_without_values():
    client = token_client()
    org = make_org()
    response = post(
        client,
        "/messages",
        _body(org, 1, person_id=str(make_person().id), subject="  "),
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["organization"][0]["code"] == "key_owner"
    assert fields["subject"][0]["code"] == "required"
    missing = post(
        client,
        "/messages",
        _body(
            org, 1, participants=[{"person_id": "00000000-0000-4000-8000-000000000000"}]
        ),
    )
    assert missing.json()["error"]["fields"]["participants"][0]["code"] == "not_found"
    assert not Message.objects.exists()


def test_permissions_and_scopes():
    org = make_org()
    billing = token_client(StaffRole.BILLING)
    assert billing.get(f"{API}/organizations/{org.id}/messages").status_code == 403
    reader = token_client(StaffRole.SALES, scope="read")
    assert reader.get(f"{API}/organizations/{org.id}/messages").status_code == 200
    assert post(reader, "/messages", _body(org, 1)).status_code == 403
    assert Client().get(f"{API}/organizations/{org.id}/messages").status_code == 401


def test_bad_cursor_and_unknown_message():
    client = token_client()
    org = make_org()
    bad = client.get(f"{API}/organizations/{org.id}/messages", {"after": "nope"})
    assert bad.status_code == 422
    assert client.get(f"{API}/messages/nope").status_code == 404


def test_contract_link_and_its_refusal_name_the_field_as_sent():
    from rekisteri.contracts.services import contract_create, product_create

    client = token_client()
    org, other = make_org(), make_org()
    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="API", name="Rajapinta"),
        start_date=dt.date(2026, 1, 1),
    )
    ok = post(client, "/messages", _body(org, 1, contract_id=str(contract.id)))
    assert ok.status_code == 201 and ok.json()["contract_id"] == str(contract.id)
    refused = post(client, "/messages", _body(other, 2, contract_id=str(contract.id)))
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert fields["contract_id"][0]["code"] == "other_customer"
