"""The permission kit: every route declares a permission, refuses visitors
who lack it, and does what its app declared for those who hold it.

The machinery is rekisteri/testing/permissions.py; each app declares its
routes in ``rekisteri/<app>/tests/permission_routes.py`` (docs/architecture.md,
Permission expectations). A route that no app declared fails
:func:`test_every_route_has_an_expectation`.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.testing import client_as, make_staff
from rekisteri.testing.permissions import (
    HTTP_METHODS,
    Expect,
    api,
    build_world,
    check_api_operation,
    check_site_route,
    is_login_redirect,
    site_routes,
    tables,
    undeclared_and_stale,
)

# --------------------------------------------------------------------------
# Every route declares a permission
# --------------------------------------------------------------------------


def test_there_are_routes_to_check():
    names = {r.name for r in site_routes()}
    assert "registry:home" in names
    assert "accounts:login" in names


def test_every_view_declares_a_permission():
    missing = [
        f"{r.route or '/'} ({r.name})" for r in site_routes() if r.required_perm is None
    ]
    assert not missing, (
        "These routes declare no permission; decorate the view with "
        "@require(Perm....) from rekisteri.accounts.permissions:\n  "
        + "\n  ".join(missing)
    )


def _undeclared_view(request):
    return HttpResponse("no permission declared")


@require(Perm.REGISTRY_VIEW)
def _declared_view(request):
    return HttpResponse("ok")


# A urlconf for the kit's own test: one declared and one undeclared route,
# one of them behind an include with a namespace.
urlpatterns = [
    path("declared/", _declared_view, name="declared"),
    path(
        "nested/",
        include(([path("<uuid:pk>/undeclared/", _undeclared_view)], "nested")),
    ),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_walk_finds_an_undeclared_view_behind_an_include():
    routes = {r.route: r for r in site_routes()}
    assert set(routes) == {"declared/", "nested/<uuid:pk>/undeclared/"}
    assert routes["declared/"].required_perm is Perm.REGISTRY_VIEW
    undeclared = routes["nested/<uuid:pk>/undeclared/"]
    assert undeclared.required_perm is None
    assert undeclared.namespaces == ("nested",)


def test_declared_permissions_are_known():
    unknown = [
        f"{r.name}: {r.required_perm!r}"
        for r in site_routes()
        if r.required_perm is not None and r.required_perm not in set(Perm)
    ]
    assert not unknown


def test_api_operations_declare_a_permission():
    schema = api.get_openapi_schema()
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations, "the API has no operations"
    missing = [
        f"{method.upper()} {path}"
        for path, method, op in operations
        if op.get("x-required-permission") not in {p.value for p in Perm}
    ]
    assert not missing, (
        "API operations without a valid x-required-permission (use "
        "rekisteri.accounts.api.requires):\n  " + "\n  ".join(missing)
    )


# --------------------------------------------------------------------------
# Routes refuse those without the permission
# --------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_get_nothing():
    world = build_world()
    client = Client()
    leaks = []
    for r in site_routes():
        if r.required_perm is Perm.PUBLIC:
            continue
        url = world.url(r)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        ok = is_login_redirect(response) or response.status_code in (401, 403, 405)
        if not ok:
            leaks.append(f"{url} ({r.name}) → {response.status_code}")
    assert not leaks, "Anonymous requests not refused:\n  " + "\n  ".join(leaks)


@pytest.mark.django_db
def test_administrators_cannot_read_the_register():
    """Administrators manage accounts; they do not read customer data."""
    world = build_world()
    admin = make_staff(StaffRole.ADMINISTRATOR)
    client = client_as(admin)
    registry = [r for r in site_routes() if r.namespaces[:1] == ("registry",)]
    urls = [world.url(r) for r in registry]
    # Not vacuous: detail pages are asked about a customer that exists.
    assert any(world.ids["organization"] in (u or "") for u in urls)
    problems = []
    for r in registry:
        url = world.url(r)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        allowed = r.required_perm is not None and has_perm(admin, r.required_perm)
        if not allowed and response.status_code not in (403, 404):
            problems.append(f"{url} ({r.name}) → {response.status_code}")
            continue
        body = response.content.decode(errors="replace")
        leaked = [s for s in world.secrets if s in body]
        if leaked:
            problems.append(f"{url} ({r.name}) shows customer data")
    assert not problems, "Administrator reached the register:\n  " + "\n  ".join(
        problems
    )


# --------------------------------------------------------------------------
# Every route: declared by its app (deny by default), refused without its
# permission, exactly the expected audit events with it, 404 worded like
# missing for an id outside the world
# --------------------------------------------------------------------------


def test_every_route_has_an_expectation():
    """100 % coverage: every routed view and every API operation is declared
    in the permission_routes.py of some app."""
    missing, stale = undeclared_and_stale()
    assert not missing, (
        "Routes no app declared; add each to SITE (or API) in "
        "rekisteri/<app>/tests/permission_routes.py:\n  " + "\n  ".join(missing)
    )
    assert not stale, "Entries for routes that no longer exist:\n  " + "\n  ".join(
        stale
    )


def test_the_tables_are_collected_from_the_apps():
    owners = tables().owners
    assert owners["registry:person_detail"] == "registry"
    assert owners["GET /api/v1/invoices/{invoice_id}"] == "billing"
    assert all(isinstance(e, Expect) for e in tables().site.values())


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(tables().site))
def test_site_route_permissions_and_audit_events(name):
    check_site_route(name)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(tables().api))
def test_api_operation_permissions_and_audit_events(key):
    check_api_operation(key)
