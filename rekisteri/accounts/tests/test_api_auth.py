"""API authentication, token scopes and role permissions."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import ApiToken
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.accounts.services import api_token_create, api_token_revoke
from rekisteri.api import api as ninja_api
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def new_token(role: str = StaffRole.SALES, scope: str = "write") -> tuple[Any, str]:
    """(ApiToken, plaintext) for a new user with ``role``."""
    user = make_staff(role)
    return api_token_create(actor=user, name="integraatio", scope=scope)


def post(client: Client, path: str, body: Any):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json"
    )


def patch(client: Client, path: str, body: Any):
    return client.patch(
        f"{API}{path}", data=json.dumps(body), content_type="application/json"
    )


def error_code(response) -> str:
    assert response["Content-Type"].startswith("application/json")
    assert b"Traceback" not in response.content
    return response.json()["error"]["code"]


ORG_BODY = {"name": "Valtuutus Oy"}


# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------


def test_no_token_is_401():
    response = Client().get(f"{API}/organizations")
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_token_on_a_write_is_401_not_a_csrf_error():
    response = post(Client(), "/organizations", ORG_BODY)
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rk_000000000000_nope",
        "Bearer not-a-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "rk_000000000000_nope",
    ],
)
def test_bad_credentials_are_401(header):
    response = Client(headers={"Authorization": header}).get(f"{API}/organizations")
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"


def test_wrong_secret_with_a_real_prefix_is_401():
    token, raw = new_token()
    forged = raw[: raw.rindex("_") + 1] + "x" * 43
    assert forged != raw
    response = bearer(forged).get(f"{API}/organizations")
    assert response.status_code == 401


def test_revoked_token_is_401():
    token, raw = new_token()
    assert bearer(raw).get(f"{API}/me").status_code == 200
    api_token_revoke(actor=token.user, token_id=token.id)
    response = bearer(raw).get(f"{API}/me")
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"


def test_expired_token_is_401():
    token, raw = new_token()
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = bearer(raw).get(f"{API}/organizations")
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"


def test_token_of_a_deactivated_user_is_401():
    token, raw = new_token()
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    assert bearer(raw).get(f"{API}/organizations").status_code == 401


# --------------------------------------------------------------------------
# Token scope
# --------------------------------------------------------------------------


def test_read_scope_token_reads_and_searches_but_cannot_write():
    token, raw = new_token(scope="read")
    client = bearer(raw)
    org = make_org(name="Lukija Oy")
    person = make_person()

    assert client.get(f"{API}/organizations").status_code == 200
    assert client.get(f"{API}/persons/{person.id}").status_code == 200
    found = post(client, "/search", {"q": "Lukija"})
    assert found.status_code == 200
    assert [o["id"] for o in found.json()["organizations"]] == [str(org.id)]

    before = (Organization.objects.count(), Person.objects.count())
    for response in (
        post(client, "/organizations", ORG_BODY),
        patch(client, f"/organizations/{org.id}", {"name": "Muutettu Oy"}),
        post(client, "/persons", {"first_name": "A", "last_name": "B"}),
        patch(client, f"/persons/{person.id}", {"first_name": "C"}),
        post(
            client,
            "/roles",
            {
                "person_id": str(person.id),
                "organization_id": str(org.id),
                "kind": "contact",
            },
        ),
    ):
        assert response.status_code == 403, response.content
        assert error_code(response) == "token_scope"
    assert (Organization.objects.count(), Person.objects.count()) == before
    org.refresh_from_db()
    assert org.name == "Lukija Oy"
    assert not Role.objects.exists()


def test_write_scope_token_can_write():
    _token, raw = new_token(scope="write")
    response = post(bearer(raw), "/organizations", ORG_BODY)
    assert response.status_code == 201, response.content


# --------------------------------------------------------------------------
# Role permissions
# --------------------------------------------------------------------------


def test_billing_can_read_but_not_write():
    _token, raw = new_token(StaffRole.BILLING, scope="write")
    client = bearer(raw)
    org = make_org()
    assert client.get(f"{API}/organizations/{org.id}").status_code == 200
    before = Organization.objects.count()
    response = post(client, "/organizations", ORG_BODY)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    response = patch(client, f"/organizations/{org.id}", {"status": "customer"})
    assert response.status_code == 403
    assert Organization.objects.count() == before


def test_permission_is_checked_before_the_body():
    # A caller who may not write learns nothing about the write's rules.
    _token, raw = new_token(StaffRole.BILLING, scope="write")
    response = post(bearer(raw), "/organizations", {"name": 1, "foo": "bar"})
    assert response.status_code == 403
    response = bearer(raw).post(
        f"{API}/organizations", data="{broken", content_type="application/json"
    )
    assert response.status_code == 403


def test_administrator_cannot_read_the_register():
    _token, raw = new_token(StaffRole.ADMINISTRATOR, scope="write")
    client = bearer(raw)
    person = make_person()
    for path in ("/persons", f"/persons/{person.id}", "/organizations"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 403, path
        assert error_code(response) == "forbidden"
    response = post(client, "/search", {"q": "Matti"})
    assert response.status_code == 403
    # Their own identity is not register data.
    assert client.get(f"{API}/me").status_code == 200


# --------------------------------------------------------------------------
# Every operation declares and enforces a permission
# --------------------------------------------------------------------------


def _schema(client: Client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def test_every_operation_declares_a_known_permission_and_scope():
    _token, raw = new_token()
    operations = _operations(_schema(bearer(raw)))
    assert operations
    for method, path, op in operations:
        perm = Perm(op["x-required-permission"])
        assert perm is not Perm.PUBLIC, (method, path)
        assert op["x-required-scope"] in {"read", "write"}
        # Only reads (and the POST search) are open to read-scope tokens.
        if op["x-required-scope"] == "read" and method != "GET":
            assert path.endswith("/search"), (method, path)
        if perm is Perm.REGISTRY_CHANGE:
            assert op["x-required-scope"] == "write", (method, path)


@pytest.mark.parametrize("role", list(StaffRole.values))
def test_every_operation_enforces_its_declared_permission(role):
    """Call each operation as each role: 403 exactly when the role lacks it."""
    _token, raw = new_token(role, scope="write")
    client = bearer(raw)
    user = _token.user
    schema = _schema(client)
    for method, path, op in _operations(schema):
        perm = Perm(op["x-required-permission"])
        url = path
        for name in ("organization_id", "person_id", "role_id"):
            url = url.replace(f"{{{name}}}", str(uuid.uuid4()))
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(
                method, url, data="{}", content_type="application/json"
            )
        if has_perm(user, perm):
            assert response.status_code != 403, (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path)
            assert error_code(response) == "forbidden"


def _api_patterns() -> list[tuple[str, Any]]:
    """(route, view) of every URL pattern below /api/."""

    def walk(patterns: list, prefix: str) -> list[tuple[str, Any]]:
        found = []
        for p in patterns:
            if isinstance(p, URLResolver):
                found += walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.callback))
        return found

    return [
        (route, view)
        for route, view in walk(get_resolver().url_patterns, "")
        if route.startswith("api/")
    ]


def test_every_api_url_declares_required_perm_for_the_permission_kit():
    routes = _api_patterns()
    assert any(r.startswith("api/v1/organizations") for r, _ in routes)
    for route, view in routes:
        assert isinstance(getattr(view, "required_perm", None), Perm), route
        if route.startswith("api/v1/"):
            # An operation route: the permission of each method, too.
            assert view.required_perms, route
    by_route = dict(routes)
    org_view = by_route["api/v1/organizations"]
    assert org_view.required_perms == {
        "GET": Perm.REGISTRY_VIEW,
        "POST": Perm.REGISTRY_CHANGE,
    }


def test_operation_permissions_match_the_openapi_document():
    _token, raw = new_token()
    schema = _schema(bearer(raw))
    declared = {
        (method, "/api/" + route): perm
        for route, perms in ninja_api.operation_permissions().items()
        for method, perm in perms.items()
    }
    documented = {
        (method, path.replace("{", "<").replace("}", ">")): Perm(
            op["x-required-permission"]
        )
        for method, path, op in _operations(schema)
    }
    assert declared == documented


# --------------------------------------------------------------------------
# Staff session (for trying the docs)
# --------------------------------------------------------------------------


def test_session_user_can_read_and_write_with_csrf():
    user = make_staff(StaffRole.SALES)
    client = client_as(user, client=Client(enforce_csrf_checks=True))
    assert client.get(f"{API}/organizations").status_code == 200

    before = Organization.objects.count()
    response = post(client, "/organizations", ORG_BODY)
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    assert Organization.objects.count() == before

    # The docs page hands out the CSRF token Swagger UI sends back.
    client.get("/api/docs")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/organizations",
        data=json.dumps(ORG_BODY),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content


def test_session_permissions_follow_the_role():
    client = client_as(StaffRole.AUDITOR)
    assert client.get(f"{API}/organizations").status_code == 403


# --------------------------------------------------------------------------
# /me
# --------------------------------------------------------------------------


def test_me_with_a_token():
    token, raw = new_token(StaffRole.CUSTOMER_SERVICE, scope="read")
    response = bearer(raw).get(f"{API}/me")
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == token.user.username
    assert me["role"] == "customer_service"
    assert me["auth_method"] == "token"
    assert me["token"]["scope"] == "read"
    assert me["token"]["prefix"] == token.prefix
    assert dt.datetime.fromisoformat(me["token"]["expires_at"]) > timezone.now()
    # The secret is shown once, at creation; never again.
    # rk_<hex prefix>_<secret>: the secret itself may contain "_".
    secret = raw.split("_", 2)[2]
    assert len(secret) >= 40
    assert secret not in response.content.decode()
    assert token.secret_hash not in response.content.decode()


def test_me_with_a_session():
    user = make_staff(StaffRole.BILLING)
    client = client_as(user)
    me = client.get(f"{API}/me").json()
    assert me["username"] == user.username
    assert me["auth_method"] == "session"
    assert me["token"] is None


def test_api_responses_are_not_cached():
    _token, raw = new_token()
    assert bearer(raw).get(f"{API}/me")["Cache-Control"] == "no-store"
    assert Client().get(f"{API}/me")["Cache-Control"] == "no-store"


def test_every_changing_permission_needs_a_write_token() -> None:
    """A read-scope token can never reach an operation that changes data: any
    permission named ``*.change`` or ``*.manage`` is a write permission."""
    from rekisteri.accounts.api import WRITE_PERMS
    from rekisteri.accounts.permissions import Perm

    changing = {p for p in Perm if p.value.endswith((".change", ".manage"))}
    assert changing and changing <= WRITE_PERMS
