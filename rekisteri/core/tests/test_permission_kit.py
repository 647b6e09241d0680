"""The permission test kit: every route declares a permission, and routes
refuse visitors who lack it.

Routes are found by walking the URL resolver, not by importing view names, so
a new view is covered the moment it is routed. Staff UI views carry
``required_perm`` (set by ``rekisteri.accounts.permissions.require``); JSON API
operations under ``/api/`` declare ``x-required-permission`` in the OpenAPI
document instead.
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.core.testing import make_org, make_person, make_staff
from rekisteri.registry.services import role_create

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@dataclass(frozen=True)
class Route:
    """One routed view: its path template, namespaces and URL pattern."""

    route: str  # "organizations/<uuid:organization_id>/"
    namespaces: tuple[str, ...]
    pattern: URLPattern
    regex_only: bool  # a part is a re_path(): the URL cannot be built from text

    @property
    def name(self) -> str:
        return ":".join([*self.namespaces, self.pattern.name or "?"])

    @property
    def callback(self):
        return self.pattern.callback

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/") or any(
            ns.startswith("api") for ns in self.namespaces
        )

    @property
    def required_perm(self) -> Perm | None:
        return getattr(self.callback, "required_perm", None)


def walk(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()):
    """Every URLPattern under the root urlconf, through includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        regex = isinstance(p.pattern, RegexPattern)
        part = str(p.pattern) if isinstance(p.pattern, RoutePattern) else ""
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            for route in walk(p.url_patterns, prefix + part, ns):
                yield (
                    route
                    if not regex
                    else Route(route.route, route.namespaces, route.pattern, True)
                )
        else:
            yield Route(prefix + part, namespaces, p, regex)


def site_routes() -> list[Route]:
    return [r for r in walk() if not r.is_api]


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
    if importlib.util.find_spec("rekisteri.api") is None:
        pytest.skip("rekisteri/api.py does not exist yet: no API operations to check")
    from rekisteri.api import api

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

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class World:
    """Real objects so that routes with ids point at something that exists."""

    ids: dict[str, str]
    secrets: list[str]  # personal data that must not leak into a response

    def value_for(self, converter: str, name: str, route: str) -> str:
        if converter in ("int",):
            return "1"
        if converter != "uuid":
            return "x"
        for key, value in self.ids.items():
            if key in name:
                return value
        # "<uuid:pk>" after "persons/" and the like.
        before = route[: route.index(f"<{converter}:{name}>")].rstrip("/")
        segment = before.rsplit("/", 1)[-1]
        for key, value in self.ids.items():
            if segment.startswith(key):
                return value
        return str(uuid.uuid4())

    def url(self, r: Route) -> str | None:
        if r.regex_only:
            if not r.pattern.name or r.pattern.pattern.regex.groups:
                return None
            return reverse(r.name)
        return "/" + _PARAM.sub(
            lambda m: self.value_for(m["converter"] or "str", m["name"], r.route),
            r.route,
        )


def build_world() -> World:
    org = make_org(name="Salainen Asiakas Oy")
    person = make_person(
        first_name="Salli",
        last_name="Salainen",
        emails=["salli.salainen@example.fi"],
        phones=["040 765 4321"],
    )
    role = role_create(actor=None, person=person, organization=org, kind="contact")
    owner = make_staff(StaffRole.SALES)
    from rekisteri.accounts.services import api_token_create

    token, _plain = api_token_create(actor=owner, name="kit")
    message = _kit_message(owner, org)
    from rekisteri.contracts.services import (
        contract_create,
        contract_party_add,
        product_create,
    )

    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="KIT", name="Kit product"),
        start_date=role.start_date,
        terms="Salainen ehto",
    )
    party = contract_party_add(
        actor=None, contract=contract, person=person, kind="signatory"
    )
    billing = _billing_world(org, person)
    return World(
        ids={
            **billing,
            "organization": str(org.id),
            "org": str(org.id),
            "person": str(person.id),
            "role": str(role.id),
            "email": str(person.emails.get().id),
            "phone": str(person.phones.get().id),
            "token": str(token.id),
            "message": str(message.id),
            "attachment": str(message.attachments.get().id),
            "contract": str(contract.id),
            "party": str(party.id),
        },
        secrets=[
            "Salainen Asiakas",
            "Salainen",
            "salli.salainen@example.fi",
            org.customer_number,
            "Salainen ehto",
        ],
    )


def _billing_world(org, person) -> dict[str, str]:
    """An issued invoice to the world's person, a collection case and a
    payment import, so billing routes point at real rows."""
    import datetime as dt
    import io

    from rekisteri.billing.collection import collection_case_open, reminder_create
    from rekisteri.billing.payments import payment_import
    from rekisteri.billing.testing import make_invoice

    role_create(actor=None, person=person, organization=org, kind="billing_contact")
    org.postal_street, org.postal_postal_code, org.postal_city = "Katu 1", "00100", "X"
    org.save()
    invoice = make_invoice(
        organization=org, contact=person, invoice_date=dt.date(2026, 1, 1)
    )
    reminder_create(actor=None, invoice=invoice, on=dt.date(2026, 2, 1))
    case = collection_case_open(actor=None, invoice=invoice, on=dt.date(2026, 3, 1))
    batch = payment_import(
        actor=None,
        stream=io.BytesIO(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
            b"<BkToCstmrDbtCdtNtfctn/></Document>"
        ),
    ).payment_import
    return {
        "invoice": str(invoice.id),
        "case": str(case.id),
        "import": str(batch.id),
    }


def _kit_message(actor, org):
    """A message with an attachment, for the message-history routes."""
    import datetime as dt

    from rekisteri.messaging.services import AttachmentIn, message_create

    return message_create(
        actor=actor,
        organization=org,
        channel="phone",
        direction="in",
        occurred_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        subject="Salainen puhelu",
        body="Salainen sisältö",
        attachments=[AttachmentIn("salainen.txt", b"salainen")],
    )


def is_login_redirect(response) -> bool:
    login = reverse("accounts:login")
    return response.status_code in (301, 302, 303) and response["Location"].startswith(
        login
    )


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
    client = Client()
    client.force_login(admin)
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
