"""The permission kit as a library: walk every URL route, build a world of
real objects, and check each route against what its app declared.

Routes are found by walking the URL resolver, not by importing view names, so
a new view is covered the moment it is routed. Staff UI views carry
``required_perm`` (set by ``rekisteri.accounts.permissions.require``); JSON API
operations under ``/api/`` declare ``x-required-permission`` in the OpenAPI
document instead.

Each app declares what its routes do in ``rekisteri/<app>/tests/
permission_routes.py`` (docs/architecture.md, Permission expectations):

* ``SITE``: ``{"namespace:route_name": Expect(...)}`` for staff UI routes;
* ``API``: ``{"METHOD /api/v1/path": Expect(...)}`` for API operations;
* optionally ``world(base) -> World``: the app's rows in the kit's world, so
  its routes with ids point at something that exists.

:func:`tables` collects them from every installed app; a route that no app
declared fails the kit (deny by default), and so does a route declared twice
or an entry for a route that no longer exists. The test module that runs the
kit is ``rekisteri/core/tests/test_permission_kit.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import importlib.util
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import ApiToken
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.api import api
from rekisteri.audit.models import AuditEvent
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

# Today, for request bodies that need a date.
TODAY = dt.date.today().isoformat()

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}

# The module each app keeps its route table in.
ROUTES_MODULE = "tests.permission_routes"

# --------------------------------------------------------------------------
# Walking the routes
# --------------------------------------------------------------------------


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


def is_login_redirect(response) -> bool:
    login = reverse("accounts:login")
    return response.status_code in (301, 302, 303) and response["Location"].startswith(
        login
    )


# --------------------------------------------------------------------------
# The world: real objects for the routes' ids
# --------------------------------------------------------------------------


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class World:
    """Real objects so that routes with ids point at something that exists."""

    ids: dict[str, str] = field(default_factory=dict)
    # Personal data that must not leak into a response.
    secrets: list[str] = field(default_factory=list)
    int_ids: dict[str, str] = field(default_factory=dict)
    # Staff members who own one of the world's objects, by Expect.user.
    owners: dict[str, Any] = field(default_factory=dict)

    def add(self, part: World, *, source: str) -> None:
        """Take in an app's part; two parts naming the same key is an error."""
        for mine, theirs in (
            (self.ids, part.ids),
            (self.int_ids, part.int_ids),
            (self.owners, part.owners),
        ):
            clash = sorted(set(mine) & set(theirs))
            assert not clash, f"{source}: world keys already taken: {clash}"
            mine.update(theirs)
        self.secrets.extend(part.secrets)

    def value_for(self, converter: str, name: str, route: str) -> str:
        if converter in ("int", "id"):
            # Integer ids (staff accounts, throttles) are named like uuids.
            for key, value in self.int_ids.items():
                if key in name:
                    return value
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


@dataclass(frozen=True)
class Base:
    """The objects every app's part of the world builds on: a customer
    organization, a contact person there (with an email and a phone), a sales
    user who owns things, and a customer-service colleague."""

    org: Any
    person: Any
    role: Any
    owner: Any
    colleague: Any


def build_world() -> World:
    """The base objects, then each app's part in the order of INSTALLED_APPS."""
    org = make_org(name="Salainen Asiakas Oy")
    person = make_person(
        first_name="Salli",
        last_name="Salainen",
        emails=["salli.salainen@example.fi"],
        phones=["040 765 4321"],
    )
    role = role_create(actor=None, person=person, organization=org, kind="contact")
    owner = make_staff(StaffRole.SALES)
    colleague = make_staff(StaffRole.CUSTOMER_SERVICE, username="kit-colleague")
    base = Base(org=org, person=person, role=role, owner=owner, colleague=colleague)
    world = World(
        ids={
            "organization": str(org.id),
            "org": str(org.id),
            "person": str(person.id),
            "role": str(role.id),
            "email": str(person.emails.get().id),
            "phone": str(person.phones.get().id),
        },
        secrets=[
            "Salainen Asiakas",
            "Salainen",
            "salli.salainen@example.fi",
            org.customer_number,
        ],
    )
    for label, module in route_modules():
        build = getattr(module, "world", None)
        if build is not None:
            world.add(build(base), source=label)
    return world


# --------------------------------------------------------------------------
# What each route does: the apps' tables
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What one route (or API operation) does for a user who may use it.

    ``events`` are the audit actions it records, in order and nothing else.
    ``user`` is ``"owner"`` for routes about the caller's own objects (their
    API tokens), or the key of an app's world ``owners`` (``"exporter"``, a
    stored export's maker): anyone else's object is out of scope, hence 404.
    """

    method: str = "GET"
    events: tuple[str, ...] = ()
    status: int = 200
    # Request body; a string "@<key>" is replaced by the world's id for <key>.
    data: dict | None = None
    user: str = "holder"
    # Brings the world into the state the route needs (runs before the
    # requests; its own events are not counted).
    prepare: Callable[[World], None] | None = None
    # Query string added to the URL ("@<key>" values filled like ``data``).
    query: dict | None = None


def route_modules() -> list[tuple[str, Any]]:
    """(app label, ``permission_routes`` module) of every project app that
    has one, in the order of INSTALLED_APPS."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("rekisteri."):
            continue
        name = f"{config.name}.{ROUTES_MODULE}"
        if importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        found.append((config.label, importlib.import_module(name)))
    return found


@dataclass(frozen=True)
class Tables:
    site: dict[str, Expect]
    api: dict[str, Expect]
    # Entry -> the app that declared it.
    owners: dict[str, str]


@functools.cache
def tables() -> Tables:
    """Every app's SITE and API entries; an entry declared twice is an error."""
    site: dict[str, Expect] = {}
    api: dict[str, Expect] = {}
    owners: dict[str, str] = {}
    for label, module in route_modules():
        for mine, theirs in (
            (site, getattr(module, "SITE", {})),
            (api, getattr(module, "API", {})),
        ):
            for key, expect in theirs.items():
                assert key not in owners, (
                    f"{key} is declared by both {owners[key]} and {label}"
                )
                assert isinstance(expect, Expect), f"{label}: {key} is no Expect"
                owners[key] = label
                mine[key] = expect
    return Tables(site=site, api=api, owners=owners)


def undeclared_and_stale() -> tuple[list[str], list[str]]:
    """Routes no app declared, and declarations of routes that do not exist."""
    declared = tables()
    site = set(kit_site_routes())
    api_ops = set(api_operations())
    missing = sorted((site - set(declared.site)) | (api_ops - set(declared.api)))
    stale = sorted((set(declared.site) - site) | (set(declared.api) - api_ops))
    return missing, stale


# Roles tried, in order, for a holder and for someone without a permission.
ROLE_ORDER = [
    StaffRole.SALES,
    StaffRole.CUSTOMER_SERVICE,
    StaffRole.BILLING,
    StaffRole.PRIVACY_OFFICER,
    StaffRole.AUDITOR,
    StaffRole.ADMINISTRATOR,
]


def api_operations() -> dict[str, Perm]:
    """{"METHOD /path": permission} of every operation in the OpenAPI document."""
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}": Perm(op["x-required-permission"])
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


def kit_site_routes() -> dict[str, Route]:
    """Every routed view that is not an API operation (those are checked by
    operation): staff pages, and the API's docs and schema. Regex catch-alls
    have no URL to build."""
    return {
        r.name: r
        for r in walk()
        if not r.regex_only and not hasattr(r.callback, "required_perms")
    }


class Kit:
    """A world, users per role, and a way to see which events a request made."""

    def __init__(self) -> None:
        self.world = build_world()
        self.users: dict[str, Any] = {}

    def user(self, role: str):
        if role not in self.users:
            self.users[role] = make_staff(role)
        return self.users[role]

    def holder(self, perm: Perm, expect: Expect):
        if perm is Perm.PUBLIC:
            return None  # public pages are tried as the public
        if expect.user != "holder":
            return self.owner(expect)
        for role in ROLE_ORDER:
            if perm in (Perm.PUBLIC, Perm.AUTHENTICATED, Perm.OWN_TOKENS) or has_perm(
                self.user(role), perm
            ):
                return self.user(role)
        raise AssertionError(f"no role holds {perm}")

    def owner(self, expect: Expect):
        """The staff member whose own object the route is about."""
        if expect.user == "owner":
            return ApiToken.objects.get(pk=self.world.ids["token"]).user
        return self.world.owners[expect.user]

    def lacker(self, perm: Perm):
        """A staff user without ``perm``; None when only anonymity lacks it."""
        for role in ROLE_ORDER:
            if not has_perm(self.user(role), perm):
                return self.user(role)
        return None

    def filled(self, data: dict | None) -> dict:
        """``data`` with "@<key>" values replaced by the world's ids."""
        return {
            k: self.world.ids[v[1:]] if isinstance(v, str) and v.startswith("@") else v
            for k, v in (data or {}).items()
        }

    def request(self, user, method: str, url: str, data: dict | None, api: bool):
        # As if the password (and code) had just been given again: the kit
        # checks permissions, not the re-authentication step.
        client = Client() if user is None else client_as(user, reauth=True)
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        if api:
            body = self.filled(data)
            response = getattr(client, method.lower())(
                url, body if method != "GET" else None, content_type="application/json"
            )
        elif method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, self.filled(data))
        events = list(
            AuditEvent.objects.filter(id__gt=before or 0)
            .order_by("id")
            .values_list("action", flat=True)
        )
        return response, events


def _api_url(kit: Kit, path: str, *, missing: bool = False) -> str:
    def value(match: re.Match) -> str:
        if missing:
            return str(uuid.uuid4())
        name = match[1]
        for key, val in kit.world.ids.items():
            if key in name:
                return val
        raise AssertionError(f"no world id for {name}")

    return re.sub(r"\{([^}]+)\}", value, path)


def _check(kit: Kit, key: str, perm: Perm, expect: Expect, url, missing_url, api):
    problems = []
    # 1. Without the permission: refused, and (for staff) recorded as such.
    if perm is not Perm.PUBLIC:
        response, events = kit.request(None, expect.method, url, expect.data, api)
        refused = is_login_redirect(response) or response.status_code in (401, 403)
        if not refused:
            problems.append(f"anonymous → {response.status_code}")
        if events:
            problems.append(f"anonymous recorded {events}")
        lacker = kit.lacker(perm)
        if lacker is not None:
            response, events = kit.request(lacker, expect.method, url, expect.data, api)
            if response.status_code != 403:
                problems.append(f"{lacker.role} → {response.status_code}, not 403")
            if events != ["access.denied"]:
                problems.append(f"{lacker.role} recorded {events}, not access.denied")
    # 2. With it: success and exactly the declared events.
    holder = kit.holder(perm, expect)
    response, events = kit.request(holder, expect.method, url, expect.data, api)
    who = holder.role if holder is not None else "anonymous"
    if response.status_code != expect.status:
        problems.append(f"{who} → {response.status_code}, not {expect.status}")
    if tuple(events) != expect.events:
        problems.append(f"{who} recorded {events}, expected {expect.events}")
    # 3. An id that names nothing the user may see: 404, and nothing recorded.
    if missing_url is not None and perm is not Perm.PUBLIC:
        response, events = kit.request(
            holder, expect.method, missing_url, expect.data, api
        )
        if response.status_code != 404:
            problems.append(f"out of scope → {response.status_code}, not 404")
        if events:
            problems.append(f"out of scope recorded {events}")
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


def check_site_route(name: str) -> None:
    """Refused without its permission, exactly the declared events with it,
    404 worded like missing for an id outside the world."""
    kit = Kit()
    route = kit_site_routes()[name]
    expect = tables().site[name]
    if expect.prepare is not None:
        expect.prepare(kit.world)
    url = kit.world.url(route)
    if expect.query:
        url += "?" + urlencode(kit.filled(expect.query))
    missing_url = None
    if any(f"<{c}:" in route.route for c in ("uuid", "int", "id")):
        missing_url = "/" + _PARAM.sub(
            lambda m: {
                "uuid": str(uuid.uuid4()),
                "int": "987654321",
                "id": "987654321",
            }.get(m["converter"], "x"),
            route.route,
        )
        if expect.user != "holder":
            # Someone else's object: out of scope for the owner's colleague.
            missing_url = url
    if expect.user != "holder" and missing_url is not None:
        _check_owner_scope(kit, name, route, expect, url)
        missing_url = None
    _check(kit, name, route.required_perm, expect, url, missing_url, api=False)


def _check_owner_scope(kit: Kit, name: str, route: Route, expect: Expect, url: str):
    """Another staff member asking for the owner's object gets 404."""
    owner = kit.owner(expect)
    colleague = next(
        kit.user(role)
        for role in ROLE_ORDER
        if kit.user(role).pk != owner.pk
        and has_perm(kit.user(role), route.required_perm)
    )
    response, events = kit.request(colleague, expect.method, url, expect.data, False)
    assert response.status_code == 404, f"{name}: another user's object answered"
    assert not events, f"{name}: out of scope recorded {events}"


def check_api_operation(key: str) -> None:
    """As :func:`check_site_route`, for one operation of the JSON API."""
    kit = Kit()
    perm = api_operations()[key]
    expect = tables().api[key]
    if expect.prepare is not None:
        expect.prepare(kit.world)
    _method, path = key.split(" ", 1)
    url = _api_url(kit, path)
    missing_url = _api_url(kit, path, missing=True) if "{" in path else None
    _check(kit, key, perm, expect, url, missing_url, api=True)
