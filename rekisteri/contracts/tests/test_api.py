"""The contracts JSON API: lifecycle, refused input, permissions, token
scope, pagination and the declared permissions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.audit.models import AuditEvent
from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person, make_staff
from rekisteri.testing.contracts import make_contract, make_product

pytestmark = pytest.mark.django_db

API = "/api/v1"
DAY = dt.timedelta(days=1)


def token_client(role: str = StaffRole.SALES, scope: str = "write") -> Client:
    user = make_staff(role)
    _token, raw = api_token_create(actor=user, name="t", scope=scope)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def send(client: Client, method: str, path: str, body: Any = None):
    kwargs: dict[str, Any] = {}
    if method.upper() != "GET":
        kwargs = {
            "data": "" if body is None else json.dumps(body),
            "content_type": "application/json",
        }
    return getattr(client, method.lower())(f"{API}{path}", **kwargs)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    return body["error"]


def test_create_activate_terminate_over_the_api():
    client = token_client()
    org = make_org()
    make_product(code="HR-PRO", name="HR Pro")
    response = send(
        client,
        "POST",
        "/contracts",
        {
            "organization_id": str(org.pk),
            "product": "HR-PRO",
            "start_date": "2024-01-01",
            "notice_period": 2,
            "notice_unit": "months",
            "terms": "Erityisehto",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["product"]["code"] == "HR-PRO"
    assert body["organization"]["id"] == str(org.pk)
    cid = body["id"]
    assert send(client, "POST", f"/contracts/{cid}/activate").json()["status"] == (
        "active"
    )
    early = (timezone.localdate() + 5 * DAY).isoformat()
    err = error(
        send(
            client, "POST", f"/contracts/{cid}/terminate", {"termination_date": early}
        ),
        422,
        "validation_error",
    )
    assert err["fields"]["termination_date"][0]["code"] == "notice_period"
    done = send(client, "POST", f"/contracts/{cid}/terminate").json()
    assert done["status"] == "terminated"
    assert done["ends_on"] == done["termination_date"]
    error(send(client, "POST", f"/contracts/{cid}/activate"), 409, "transition_invalid")
    error(send(client, "DELETE", f"/contracts/{cid}"), 409, "not_draft")


def test_validation_errors_name_fields_and_save_nothing():
    client = token_client()
    org = make_org()
    make_product(code="HR-PRO")
    err = error(
        send(
            client,
            "POST",
            "/contracts",
            {
                "organization_id": str(org.pk),
                "product": "HR-PRO",
                "start_date": "2025-05-01",
                "end_date": "2025-04-01",
                "notice_period": 400,
                "notice_unit": "months",
            },
        ),
        422,
        "validation_error",
    )
    assert set(err["fields"]) == {"end_date", "notice_period"}
    err = error(
        send(
            client,
            "POST",
            "/contracts",
            {"organization_id": str(org.pk), "product": "X", "start_date": "nope"},
        ),
        422,
        "validation_error",
    )
    assert err["fields"]["start_date"][0]["code"] == "date_invalid"
    err = error(
        send(
            client,
            "POST",
            "/contracts",
            {
                "organization_id": "00000000-0000-4000-8000-000000000000",
                "product": "HR-PRO",
                "start_date": "2025-05-01",
            },
        ),
        422,
        "validation_error",
    )
    assert "organization_id" in err["fields"]
    assert not Contract.objects.exists()


def test_patch_delete_and_404():
    client = token_client()
    contract = make_contract(make_org())
    response = send(
        client,
        "PATCH",
        f"/contracts/{contract.pk}",
        {"terms": "Uusi", "end_date": None},
    )
    assert response.status_code == 200 and response.json()["terms"] == "Uusi"
    error(
        send(client, "PATCH", f"/contracts/{contract.pk}", {"owner": "x"}),
        422,
        "validation_error",
    )
    assert send(client, "DELETE", f"/contracts/{contract.pk}").status_code == 204
    error(send(client, "GET", f"/contracts/{contract.pk}"), 404, "not_found")
    error(send(client, "GET", "/contracts/not-an-id"), 404, "not_found")


def test_parties_over_the_api_need_a_role_and_are_audited():
    client = token_client()
    org = make_org()
    person = make_person()
    contract = make_contract(org, start_date=dt.date(2025, 1, 1))
    path = f"/contracts/{contract.pk}/parties"
    err = error(
        send(client, "POST", path, {"person_id": str(person.pk), "kind": "signatory"}),
        422,
        "validation_error",
    )
    assert err["fields"]["person"][0]["code"] == "no_role"
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    response = send(
        client, "POST", path, {"person_id": str(person.pk), "kind": "signatory"}
    )
    assert response.status_code == 201, response.content
    party_id = response.json()["id"]
    listed = send(client, "GET", path).json()
    assert [p["person"]["id"] for p in listed] == [str(person.pk)]
    assert AuditEvent.objects.filter(
        action="contract.view", subject_id=person.pk
    ).exists()
    response = send(client, "POST", f"/contract-parties/{party_id}/remove")
    assert response.status_code == 204
    assert not ContractParty.objects.exists()


def test_ending_list_validates_days_and_paginates():
    client = token_client(StaffRole.BILLING)
    org = make_org()
    made = [
        make_contract(
            org,
            active=True,
            start_date=dt.date(2024, 1, 1),
            end_date=timezone.localdate() + n * DAY,
        )
        for n in (1, 2, 3, 100)
    ]
    first = send(client, "GET", "/contracts/ending?days=30&limit=2").json()
    assert [c["number"] for c in first["items"]] == [m.number for m in made[:2]]
    second = send(
        client,
        "GET",
        f"/contracts/ending?days=30&limit=2&after={first['next_cursor']}",
    ).json()
    assert [c["number"] for c in second["items"]] == [made[2].number]
    assert second["next_cursor"] is None
    default = send(client, "GET", "/contracts/ending").json()
    assert len(default["items"]) == 3  # 90 days by default
    err = error(
        send(client, "GET", "/contracts/ending?days=-1"), 422, "validation_error"
    )
    assert err["fields"]["days"][0]["code"] == "too_small"
    error(send(client, "GET", "/contracts/ending?days=abc"), 422, "validation_error")
    error(
        send(client, "GET", "/contracts/ending?after=not-a-cursor"),
        422,
        "validation_error",
    )


def test_permissions_and_token_scope():
    org = make_org()
    contract = make_contract(org)
    # Customer service reads but does not change contracts.
    reader = token_client(StaffRole.CUSTOMER_SERVICE)
    assert send(reader, "GET", f"/contracts/{contract.pk}").status_code == 200
    error(send(reader, "POST", f"/contracts/{contract.pk}/activate"), 403, "forbidden")
    # Administrators see nothing of it.
    admin = token_client(StaffRole.ADMINISTRATOR)
    error(send(admin, "GET", "/contracts"), 403, "forbidden")
    # A read-scope token of a sales user may not write.
    read_only = token_client(StaffRole.SALES, scope="read")
    response = send(read_only, "POST", f"/contracts/{contract.pk}/activate")
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.status == "draft"
    assert send(read_only, "GET", f"/organizations/{org.pk}/contracts").json()[0][
        "number"
    ] == (contract.number)


def test_operations_declare_their_permissions():
    from rekisteri.api import api

    schema = api.get_openapi_schema()
    ops = {
        (path, method): op
        for path, item in schema["paths"].items()
        if "contract" in path or path.endswith("/products")
        for method, op in item.items()
    }
    assert len(ops) >= 13
    for (_path, method), op in ops.items():
        expected = "contracts.view" if method == "get" else "contracts.change"
        assert op["x-required-permission"] == expected
        if method != "get":
            assert op["x-required-scope"] == "write"
