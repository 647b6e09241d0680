"""The permission test kit: every route declares a permission, and routes
refuse visitors who lack it.

Routes are found by walking the URL resolver, not by importing view names, so
a new view is covered the moment it is routed. Staff UI views carry
``required_perm`` (set by ``rekisteri.accounts.permissions.require``); JSON API
operations under ``/api/`` declare ``x-required-permission`` in the OpenAPI
document instead.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person, make_staff

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
    int_ids: dict[str, str] = field(default_factory=dict)
    # Staff members who own one of the world's objects, by Expect.user.
    owners: dict[str, Any] = field(default_factory=dict)

    def value_for(self, converter: str, name: str, route: str) -> str:
        if converter == "int":
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
    # A colleague for the staff administration routes, and a locked address.
    from rekisteri.accounts.models import LoginThrottle

    colleague = make_staff(StaffRole.CUSTOMER_SERVICE, username="kit-colleague")
    throttle = LoginThrottle.objects.create(
        key="address:192.0.2.1",
        client="192.0.2.1",
        failures=20,
        locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    from rekisteri.accounts.models import RoleGrant

    grant = RoleGrant.objects.create(
        user=colleague, role=StaffRole.AUDITOR, requested_by=owner
    )
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
    privacy = _privacy_world()
    connectors = _connectors_world(org, person)
    from rekisteri.dsr.services import case_create
    from rekisteri.retention.models import SweepRun

    sweep_run = SweepRun.objects.create(
        as_of=dt.date.today(), dry_run=True, status="finished"
    )
    from rekisteri.rights.models import RecipientNotice, Rectification

    rectified = Rectification.objects.create(
        person=person, case_ref="KIT-3", fields=["last_name"], categories=["user.name"]
    )
    from rekisteri.core.sealed_files import expiry
    from rekisteri.rights.models import StaffExport

    # A stored export is its maker's alone (docs/rights.md, Stored exports).
    exporter = make_staff(StaffRole.PRIVACY_OFFICER, username="kit-exporter")
    staff_export = StaffExport.objects.create(
        person=person,
        fmt="json",
        filename=f"access-export-{person.pk}.json",
        content_type="application/json",
        content=b"{}",
        size=2,
        expires_at=expiry(7),
        made_by=exporter,
    )
    notice = RecipientNotice.objects.create(
        person=person,
        rectification=rectified,
        recipient="Kit Hosting Oy",
        categories=["user.name"],
    )
    dsr_case = case_create(
        actor=None,
        kinds=["access"],
        channel="letter",
        requester_name="Salainen Pyytäjä",
        requester_address="Salainen katu 1",
    ).case
    return World(
        ids={
            **billing,
            **privacy,
            **connectors,
            "dsr": str(dsr_case.id),
            "notice": str(notice.id),
            "export": str(staff_export.id),
            # A colleague's account id, for forms that name one ("@kit_staff").
            "kit_staff": str(colleague.pk),
            "grant": str(grant.id),
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
        int_ids={
            "user": str(colleague.pk),
            "throttle": str(throttle.pk),
            "run": str(sweep_run.pk),
        },
        owners={"exporter": exporter},
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
    from rekisteri.testing.billing import make_invoice

    role_create(actor=None, person=person, organization=org, kind="billing_contact")
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "00100",
        "Espoo",
    )
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


def _connectors_world(org, person) -> dict[str, str]:
    """A registry value waiting for review at the world's organization, and
    the world's person waiting to be told their data came from a vendor."""
    from rekisteri.connectors.models import InformTask, RegistryReview
    from rekisteri.registry.models import DataSource
    from rekisteri.registry.services import provenance_record

    review = RegistryReview.objects.create(
        organization=org,
        field="name",
        current_value=org.name,
        proposed_value="Salainen Asiakas Oyj",
        provenance=provenance_record(actor=None, source="prh"),
    )
    task = InformTask.objects.create(
        person=person,
        source=DataSource.objects.get(code="fonecta"),
        obtained_on=dt.date.today(),
        due=dt.date.today() + dt.timedelta(days=30),
    )
    return {"review": str(review.id), "task": str(task.id)}


def _privacy_world() -> dict[str, str]:
    """The shipped controller profile, a published notice (the public pages
    show it), a processor, a paper record and a breach for the privacy
    office's routes."""
    import datetime as dt

    from django.utils import timezone

    from rekisteri.privacy import breaches
    from rekisteri.privacy import services as privacy

    privacy.profile_load_seed(actor=None)
    version = privacy.notice_publish(actor=None)
    processor = privacy.party_create(
        actor=None,
        data={
            "name": "Kit Hosting Oy",
            "role": "processor",
            "service": "Hosting",
            "country": "FI",
            "data_categories": ["user.name"],
            "agreement_date": dt.date(2025, 1, 1),
        },
    )
    record = privacy.manual_record_create(
        actor=None,
        data={
            "title": "Kit binder",
            "location": "Locked room",
            "retention_rule": "relationship",
            "created_on": dt.date(2020, 1, 1),
            "destroy_by": dt.date(2030, 1, 1),
        },
    )
    breach = breaches.breach_create(
        actor=None,
        data={
            "title": "Kit breach",
            "discovered_at": timezone.now() - dt.timedelta(hours=1),
            "description": "Kit",
        },
    )
    return {
        "version": str(version.id),
        "processor": str(processor.id),
        "record": str(record.id),
        "breach": str(breach.id),
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


# --------------------------------------------------------------------------
# Every route: refused without its permission, exactly the expected audit
# events with it, 404 worded like missing for an id outside the world
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What one route (or API operation) does for a user who may use it.

    ``events`` are the audit actions it records, in order and nothing else.
    ``user`` is ``"owner"`` for routes about the caller's own objects (their
    API tokens), ``"exporter"`` for a stored export's maker: anyone else's
    object is out of scope, hence 404.
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


TODAY = dt.date.today().isoformat()

# Staff UI routes by name. A new route without an entry fails
# test_every_route_has_an_expectation.
EXPECTED_SITE: dict[str, Expect] = {
    "registry:home": Expect(status=302),
    "registry:organization_list": Expect(events=("organization.list",)),
    "registry:organization_create": Expect(),
    "registry:organization_detail": Expect(events=("organization.view",)),
    "registry:organization_edit": Expect(events=("organization.view",)),
    "registry:person_list": Expect(events=("person.list",)),
    "registry:person_create": Expect(),
    # The contracts section lists the person's contract attachments.
    "registry:person_detail": Expect(events=("person.view", "contract_party.list")),
    "registry:person_edit": Expect(events=("person.view",)),
    "registry:role_create": Expect(events=("person.view",)),
    "registry:role_edit": Expect(events=("person.view",)),
    "registry:role_end": Expect("POST", ("role.end",), 302, {}),
    "registry:search": Expect("POST", ("registry.search",), 200, {"q": "Salainen"}),
    # PRH is out of reach in tests (settings_test points at a closed loopback
    # port): the refresh answers with a message and writes nothing.
    "connectors:prh_refresh": Expect("POST", (), 302, {}),
    "connectors:review_list": Expect(events=("registry_review.list",)),
    "connectors:review_decide": Expect(
        "POST", ("registry_review.reject",), 302, {"decision": "reject"}
    ),
    "connectors:inform_list": Expect(events=("connectors.inform_list",)),
    # A token the session does not hold: back to the upload form.
    "connectors:contacts_upload": Expect(),
    "connectors:contacts_import": Expect("POST", (), 302, {"op": "import"}),
    "connectors:inform_act": Expect(
        "POST", ("connectors.inform",), 302, {"op": "record", "channel": "letter"}
    ),
    "accounts:login": Expect(),
    "accounts:logout": Expect("POST", (), 302, {}),
    "accounts:tokens": Expect(),
    "accounts:token_revoke": Expect(
        "POST", ("api_token.revoke",), 302, {}, user="owner"
    ),
    # Both steps of the two-step login send a visitor without a pending
    # login back to the first step.
    "accounts:mfa_verify": Expect(status=302),
    "accounts:mfa_enrol": Expect(status=302),
    "accounts:reauth": Expect(),
    "accounts:account": Expect(),
    "accounts:password_change": Expect(),
    "accounts:attestation": Expect(),
    # Without an authenticator there are no codes: off to enrolment.
    "accounts:recovery_codes": Expect("POST", (), 302, {}),
    "accounts:staff_list": Expect(),
    "accounts:staff_create": Expect(),
    "accounts:staff_detail": Expect(),
    "accounts:staff_role": Expect(),
    "accounts:staff_password": Expect(),
    "accounts:staff_active": Expect("POST", ("staff_user.disable",), 302, {}),
    "accounts:staff_unlock": Expect("POST", ("auth.unlock",), 302, {}),
    "accounts:staff_mfa_reset": Expect(),
    "accounts:staff_training": Expect(
        "POST",
        ("staff_training.record",),
        302,
        {"completed_on": TODAY, "course": "kit"},
    ),
    "accounts:address_unlock": Expect("POST", ("auth.unlock",), 302, {}),
    "accounts:access_review": Expect(),
    "accounts:role_grant_decide": Expect(
        "POST", ("role_grant.reject",), 302, {"decision": "reject"}
    ),
    "accounts:access_review_decide": Expect(
        "POST", ("access_review.record",), 302, {"decision": "recertify"}
    ),
    "set_language": Expect("POST", (), 302, {"language": "en"}),
    "contracts:contract_list": Expect(),
    "contracts:contract_create": Expect(),
    # One event per person attached, one for the terms shown.
    "contracts:contract_detail": Expect(events=("contract.view", "contract.view")),
    "contracts:contract_edit": Expect(),
    "contracts:contract_activate": Expect("POST", ("contract.activate",), 302, {}),
    "contracts:contract_end": Expect(prepare=lambda w: activate(w)),
    "contracts:contract_terminate": Expect(prepare=lambda w: activate(w)),
    "contracts:contract_delete": Expect(
        "POST", ("contract_party.remove", "contract.delete"), 302, {}
    ),
    "contracts:party_add": Expect(),
    "contracts:party_remove": Expect("POST", ("contract_party.remove",), 302, {}),
    # The world's invoice is issued, reminded and in an open collection case:
    # issuing, deleting or editing it again, or opening a second case, is
    # refused with a message (no event); the routes still answer, not 403.
    "billing:invoice_list": Expect(),
    "billing:seller_settings": Expect(),
    "billing:invoice_create": Expect(),
    "billing:invoice_detail": Expect(events=("invoice.view",)),
    "billing:invoice_edit": Expect(status=302),
    "billing:invoice_issue": Expect("POST", (), 302, {}),
    "billing:invoice_delete": Expect("POST", (), 302, {}),
    "billing:credit_note_create": Expect("POST", ("credit_note.issue",), 302, {}),
    "billing:invoice_finvoice": Expect(events=("invoice.export",)),
    "billing:payment_create": Expect(),
    "billing:reminder_create": Expect("POST", ("reminder.create",), 302, {}),
    "billing:collection_open": Expect("POST", (), 302, {}),
    "billing:collection_hand_over": Expect(),
    "billing:collection_close": Expect("POST", (), 302, {}),
    "billing:payment_import": Expect(),
    "billing:payment_import_detail": Expect(),
    "messaging:message_create": Expect(query={"organization": "@organization"}),
    "messaging:message_detail": Expect(events=("message.view",)),
    "messaging:message_delete": Expect(),
    "messaging:attachment_download": Expect(events=("message.attachment_view",)),
    "messaging:organization_timeline": Expect(events=("message.list",)),
    "messaging:person_timeline": Expect(events=("message.list",)),
    "messaging:import_upload": Expect(),
    "restrictions:marketing": Expect(events=("marketing.list",)),
    "restrictions:marketing_csv": Expect(events=("marketing.export",)),
    "restrictions:restrict": Expect(
        "POST",
        ("restriction.place",),
        302,
        {"reason": "Kiistää osoitteen", "ground": "accuracy"}
        | {"requested_by": "data_subject"},
    ),
    "restrictions:lift": Expect(
        "POST",
        ("restriction.lift",),
        302,
        {"reason": "Selvitetty"},
        prepare=lambda w: restrict(w),
    ),
    "restrictions:object": Expect(
        "POST", ("objection.record",), 302, {"purpose": "direct_marketing"}
    ),
    "access:matrix": Expect(),
    "access:matrix_edit": Expect(),
    "access:scope_edit": Expect(),
    "audit:log": Expect(events=("audit.view",)),
    "audit:person_access": Expect(events=("audit.subject_view",)),
    "audit:person_access_csv": Expect(events=("audit.export",)),
    # Privacy office. The public notice pages answer anyone; the world has
    # published version 1. Writes record their events; the affected-people
    # export sends back to the breach until the list has been computed.
    "privacy:notice_fi": Expect(),
    "privacy:notice_sv": Expect(),
    "privacy:notice_en": Expect(),
    "privacy:notice_fi_md": Expect(),
    "privacy:notice_fi_html": Expect(),
    "privacy:notice_sv_md": Expect(),
    "privacy:notice_sv_html": Expect(),
    "privacy:notice_en_md": Expect(),
    "privacy:notice_en_html": Expect(),
    "privacy:dashboard": Expect(),
    "privacy:profile": Expect(),
    "privacy:profile_edit": Expect(),
    "privacy:profile_texts": Expect(query={"lang": "sv"}),
    "privacy:profile_load_seed": Expect(
        "POST",
        (
            "controller_profile.update",
            "controller_profile.texts_update",
            "controller_profile.texts_update",
            "controller_profile.texts_update",
        ),
        302,
        {},
    ),
    "privacy:notice_admin": Expect(),
    "privacy:notice_publish": Expect("POST", ("notice.publish",), 302, {}),
    "privacy:notice_waive": Expect(
        "POST", ("notice.waive",), 302, {"item": "dpo", "reason": "None appointed"}
    ),
    "privacy:notice_version": Expect(),
    "privacy:ropa": Expect(),
    "privacy:ropa_csv": Expect(events=("ropa.export",)),
    "privacy:ropa_json": Expect(events=("ropa.export",)),
    "privacy:party_list": Expect(),
    "privacy:party_create": Expect(),
    "privacy:party_edit": Expect(),
    "privacy:manual_record_list": Expect(),
    "privacy:manual_record_create": Expect(),
    "privacy:manual_record_detail": Expect(),
    "privacy:manual_record_edit": Expect(),
    "privacy:manual_record_destroy": Expect(
        "POST",
        ("manual_record.destroy",),
        302,
        {
            "destroyed_on": TODAY,
            "destruction_method": "shredding",
            "destroyed_by": "@kit_staff",
        },
    ),
    "privacy:breach_list": Expect(),
    "privacy:breach_create": Expect(),
    "privacy:breach_detail": Expect(),
    "privacy:breach_edit": Expect(),
    "privacy:breach_affected": Expect(
        "POST",
        ("breach.affected_compute",),
        302,
        {
            "account": "@kit_staff",
            "start": "2026-01-01T00:00",
            "end": "2026-01-02T00:00",
        },
    ),
    "privacy:breach_affected_csv": Expect(status=302),
    # Rights requests: the public portal (no login) and the case pages.
    "dsr:portal_fi": Expect(),
    "dsr:portal_sv": Expect(),
    "dsr:portal_en": Expect(),
    "dsr:confirm_fi": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:confirm_sv": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:confirm_en": Expect("POST", (), 400, {"draft": "x", "code": "1"}),
    "dsr:download_fi": Expect(),
    "dsr:download_sv": Expect(),
    "dsr:download_en": Expect(),
    "dsr:case_list": Expect(),
    "dsr:case_create": Expect(),
    "dsr:case_detail": Expect(events=("dsr.view",)),
    "dsr:case_act": Expect("POST", ("dsr.assign",), 302, {"op": "assign"}),
    # ninja's empty root: public, and answers the API's JSON 404.
    # Data-subject rights. The world's person is in an open collection case:
    # the erasure is refused naming the hold (recorded), the plan shows it.
    "rights:export_schema": Expect(),
    "rights:person_export_build": Expect(
        "POST", ("rights.export", "rights.export_file"), 302, {"format": "json"}
    ),
    "rights:my_exports": Expect(),
    "rights:export_download": Expect(
        events=("rights.export_download",), user="exporter"
    ),
    "rights:person_erasure": Expect(events=("rights.erasure_plan",)),
    "rights:person_rectify": Expect(events=("person.view",)),
    "rights:notices": Expect(),
    "rights:notice_record": Expect(
        "POST", ("rights.recipient_notice",), 302, {"state": "impossible"}
    ),
    "rights:person_erase": Expect(
        "POST", ("rights.erase",), 302, {"confirm": "yes", "reason": "kit"}
    ),
    # Retention: the privacy office's forecast, due list and sweep runs
    # (subject ids and dates, no personal value: nothing to audit).
    "jobs:job_list": Expect(),
    "retention:forecast": Expect(),
    "retention:due": Expect(),
    "retention:runs": Expect(),
    "retention:run_detail": Expect(),
    "api:api-root": Expect(status=404),
    "api:openapi-json": Expect(),
    "api:openapi-view": Expect(),
}

# API operations by "METHOD /path" as the OpenAPI document names them.
EXPECTED_API: dict[str, Expect] = {
    "GET /api/v1/organizations": Expect(events=("organization.list",)),
    "POST /api/v1/persons/{person_id}/restriction": Expect(
        "POST", ("restriction.place",), 201, {"reason": "Kiistää osoitteen"}
    ),
    "POST /api/v1/persons/{person_id}/restriction/lift": Expect(
        "POST",
        ("restriction.lift",),
        200,
        {"reason": "Selvitetty"},
        prepare=lambda w: restrict(w),
    ),
    "POST /api/v1/persons/{person_id}/objections": Expect(
        "POST", ("objection.record",), 201, {"purpose": "direct_marketing"}
    ),
    "GET /api/v1/marketing/selection": Expect(events=("marketing.list",)),
    "POST /api/v1/organizations": Expect(
        "POST", ("organization.create",), 201, {"name": "Kit Oy"}
    ),
    "GET /api/v1/organizations/{organization_id}": Expect(
        events=("organization.view",)
    ),
    "PATCH /api/v1/organizations/{organization_id}": Expect(
        "PATCH", ("organization.update",), 200, {"status": "customer"}
    ),
    "GET /api/v1/organizations/{organization_id}/roles": Expect(
        events=("organization.view",)
    ),
    "GET /api/v1/persons": Expect(events=("person.list",)),
    "POST /api/v1/persons": Expect(
        "POST", ("person.create",), 201, {"first_name": "Kit", "last_name": "Testi"}
    ),
    "GET /api/v1/persons/{person_id}": Expect(events=("person.view",)),
    "PATCH /api/v1/persons/{person_id}": Expect(
        "PATCH", ("person.update",), 200, {"preferred_language": "en"}
    ),
    "POST /api/v1/roles": Expect(
        "POST",
        ("role.create",),
        201,
        {
            "kind": "support_user",
            "person_id": "@person",
            "organization_id": "@organization",
        },
    ),
    "PATCH /api/v1/roles/{role_id}": Expect(
        "PATCH", ("role.update",), 200, {"title": "CTO"}
    ),
    "POST /api/v1/roles/{role_id}/end": Expect("POST", ("role.end",), 200, {}),
    "POST /api/v1/search": Expect("POST", ("registry.search",), 200, {"q": "Salainen"}),
    "GET /api/v1/me": Expect(),
    "GET /api/v1/products": Expect(),
    "GET /api/v1/contracts": Expect(),
    "GET /api/v1/contracts/ending": Expect(),
    "POST /api/v1/contracts": Expect(
        "POST",
        ("contract.create",),
        201,
        {"organization_id": "@organization", "product": "KIT", "start_date": TODAY},
    ),
    "GET /api/v1/contracts/{contract_id}": Expect(events=("contract.view",)),
    "PATCH /api/v1/contracts/{contract_id}": Expect(
        "PATCH", ("contract.update",), 200, {"notice_period": 3}
    ),
    "DELETE /api/v1/contracts/{contract_id}": Expect(
        "DELETE", ("contract_party.remove", "contract.delete"), 204, {}
    ),
    "POST /api/v1/contracts/{contract_id}/activate": Expect(
        "POST", ("contract.activate",), 200, {}
    ),
    "POST /api/v1/contracts/{contract_id}/end": Expect(
        "POST", ("contract.end",), 200, {}, prepare=lambda w: activate(w)
    ),
    "POST /api/v1/contracts/{contract_id}/terminate": Expect(
        "POST", ("contract.terminate",), 200, {}, prepare=lambda w: activate(w)
    ),
    "GET /api/v1/contracts/{contract_id}/parties": Expect(events=("contract.view",)),
    "POST /api/v1/contracts/{contract_id}/parties": Expect(
        "POST",
        ("contract_party.add",),
        201,
        {"person_id": "@person", "kind": "contact"},
    ),
    "POST /api/v1/contract-parties/{party_id}/remove": Expect(
        "POST", ("contract_party.remove",), 204, {}
    ),
    "GET /api/v1/organizations/{organization_id}/contracts": Expect(),
    "GET /api/v1/invoices/{invoice_id}": Expect(events=("invoice.view",)),
    "GET /api/v1/messages/{message_id}": Expect(events=("message.view",)),
    "GET /api/v1/organizations/{organization_id}/messages": Expect(
        events=("message.list",)
    ),
    "GET /api/v1/persons/{person_id}/messages": Expect(events=("message.list",)),
    "GET /api/v1/privacy/notice/versions": Expect(),
    "GET /api/v1/privacy/ropa": Expect(),
    "GET /api/v1/privacy/parties": Expect(),
    "GET /api/v1/privacy/breaches": Expect(),
    "GET /api/v1/persons/{person_id}/export": Expect(events=("rights.export",)),
    "GET /api/v1/persons/{person_id}/erasure-plan": Expect(
        events=("rights.erasure_plan",)
    ),
    "POST /api/v1/persons/{person_id}/erasure": Expect(
        "POST", ("rights.erase",), 409, {"reason": "kit", "confirm": True}
    ),
    "GET /api/v1/dsr/cases": Expect(),
    "POST /api/v1/dsr/cases": Expect(
        "POST",
        ("dsr.create",),
        201,
        {"kinds": ["access"], "channel": "letter", "requester_address": "Katu 1"},
    ),
    "GET /api/v1/dsr/cases/{dsr_id}": Expect(events=("dsr.view",)),
    "POST /api/v1/dsr/cases/{dsr_id}/steps": Expect(
        "POST", ("dsr.assign",), 200, {"op": "assign"}
    ),
    "POST /api/v1/messages": Expect(
        "POST",
        ("message.create",),
        201,
        {
            "organization_id": "@organization",
            "channel": "phone",
            "direction": "in",
            "occurred_at": "2026-01-06T10:00:00Z",
            "subject": "Kit",
        },
    ),
}


def restrict(world: World) -> None:
    """Restrict the world's person (lifting needs a restriction)."""
    from rekisteri.registry.models import Person
    from rekisteri.restrictions.services import restriction_place

    restriction_place(
        actor=None, person=Person.objects.get(pk=world.ids["person"]), reason="Kit"
    )


def activate(world: World) -> None:
    """Put the world's draft contract in force (end and terminate need it)."""
    from rekisteri.contracts.models import Contract
    from rekisteri.contracts.services import contract_activate

    contract_activate(
        actor=None, contract=Contract.objects.get(pk=world.ids["contract"])
    )


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
    from rekisteri.api import api

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


def test_every_route_has_an_expectation():
    """100 % coverage: every routed view and every API operation is in a table."""
    site = set(kit_site_routes())
    api_ops = set(api_operations())
    missing = sorted((site - set(EXPECTED_SITE)) | (api_ops - set(EXPECTED_API)))
    stale = sorted((set(EXPECTED_SITE) - site) | (set(EXPECTED_API) - api_ops))
    assert not missing, "Routes without an entry in the kit's tables:\n  " + (
        "\n  ".join(missing)
    )
    assert not stale, "Entries for routes that no longer exist:\n  " + "\n  ".join(
        stale
    )


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
            from rekisteri.accounts.models import ApiToken

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
        from rekisteri.audit.models import AuditEvent

        client = Client()
        if user is not None:
            client.force_login(user)
            # As if the password (and code) had just been given again: the
            # kit checks permissions, not the re-authentication step.
            from rekisteri.accounts.sessions import mark_reauth

            session = client.session
            mark_reauth(session)
            session.save()
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


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED_SITE))
def test_site_route_permissions_and_audit_events(name):
    kit = Kit()
    route = kit_site_routes()[name]
    expect = EXPECTED_SITE[name]
    if expect.prepare is not None:
        expect.prepare(kit.world)
    url = kit.world.url(route)
    if expect.query:
        from urllib.parse import urlencode

        url += "?" + urlencode(kit.filled(expect.query))
    missing_url = None
    if "<uuid:" in route.route or "<int:" in route.route:
        missing_url = "/" + _PARAM.sub(
            lambda m: {"uuid": str(uuid.uuid4()), "int": "987654321"}.get(
                m["converter"], "x"
            ),
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


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(EXPECTED_API))
def test_api_operation_permissions_and_audit_events(key):
    kit = Kit()
    perm = api_operations()[key]
    expect = EXPECTED_API[key]
    if expect.prepare is not None:
        expect.prepare(kit.world)
    _method, path = key.split(" ", 1)
    url = _api_url(kit, path)
    missing_url = _api_url(kit, path, missing=True) if "{" in path else None
    _check(kit, key, perm, expect, url, missing_url, api=True)
