"""Reads to a replica, writes and the rights engine on the primary
(rekisteri/core/dbrouter.py).

The replica here is a second database alias on the same test database, so
the routing is seen in which connection ran each query.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import StaffUser
from rekisteri.core import dbrouter
from rekisteri.core.dbrouter import (
    PRIMARY,
    REPLICA,
    ReplicaReadsMiddleware,
    ReplicaRouter,
    primary,
    replica_reads,
)
from rekisteri.registry.models import Organization, Person
from rekisteri.rights import engine
from rekisteri.rights.services import export_person
from rekisteri.testing import client_as, make_org, make_person, make_staff

# Transactional: each alias is its own connection, so a read on one cannot
# be served by the other's open test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica() -> Iterator[None]:
    """The alias ``replica`` on the test database, as DATABASE_REPLICA_URL
    would configure it (the same database stands in for a streaming copy)."""
    configured = REPLICA in connections.settings  # DATABASE_REPLICA_URL
    if not configured:
        connections.settings[REPLICA] = {**connections[PRIMARY].settings_dict}
    # Connected here: the test case refuses to open connections to aliases
    # it did not list when it started.
    connections[REPLICA].connect()
    try:
        yield
    finally:
        if not configured:
            connections[REPLICA].close()
            del connections[REPLICA]
            del connections.settings[REPLICA]


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self) -> Queries:
        self._p = CaptureQueriesContext(connections[PRIMARY]).__enter__()
        self._r = CaptureQueriesContext(connections[REPLICA]).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._r.__exit__(*exc)
        self._p.__exit__(*exc)

    def on(self, alias: str, table: str) -> int:
        ctx = self._p if alias == PRIMARY else self._r
        return sum(f'"{table}"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.skipif(
    REPLICA in connections.settings, reason="DATABASE_REPLICA_URL is set"
)
def test_without_a_replica_the_router_leaves_everything_to_django():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Person) is None
        assert router.db_for_write(Person) is None


def test_outside_a_replica_scope_reads_stay_on_the_primary(replica):
    person = make_person()
    with Queries() as q:
        assert Person.objects.get(pk=person.pk).pk == person.pk
    assert q.on(PRIMARY, "registry_person") == 1
    assert q.on(REPLICA, "registry_person") == 0


def test_a_replica_scope_reads_the_register_from_the_replica(replica):
    person = make_person()
    with replica_reads(), Queries() as q:
        found = Person.objects.get(pk=person.pk)
        assert found._state.db == REPLICA
        assert list(found.emails.all())
    assert q.on(REPLICA, "registry_person") == 1
    assert q.on(REPLICA, "registry_personemail") == 1
    assert q.on(PRIMARY, "registry_person") == 0


def test_staff_audit_and_rights_records_are_read_on_the_primary(replica):
    user = make_staff(StaffRole.CUSTOMER_SERVICE)
    with replica_reads(), Queries() as q:
        StaffUser.objects.get(pk=user.pk)
        list(Person.objects.all())
    assert q.on(PRIMARY, "accounts_staffuser") == 1
    assert q.on(REPLICA, "accounts_staffuser") == 0
    router = ReplicaRouter()
    for label in ("audit", "sessions", "rights", "dsr", "restrictions", "access"):
        assert label in dbrouter.PRIMARY_APPS
    with replica_reads():
        from rekisteri.audit.models import AuditEvent

        assert router.db_for_read(AuditEvent) == PRIMARY
        assert router.db_for_read(Person) == REPLICA


def test_a_write_pins_the_rest_of_the_scope_to_the_primary(replica):
    person = make_person()
    with replica_reads():
        with Queries() as before:
            Person.objects.get(pk=person.pk)
        assert not dbrouter.pinned()
        org = make_org()  # a register write
        assert dbrouter.pinned()
        with Queries() as after:  # read-after-write
            Person.objects.get(pk=person.pk)
            assert Organization.objects.filter(pk=org.pk).exists()
    assert before.on(REPLICA, "registry_person") == 1
    assert after.on(PRIMARY, "registry_person") == 1
    assert after.on(PRIMARY, "registry_organization") == 1
    assert len(after._r.captured_queries) == 0
    # A new scope (the next request) reads the replica again.
    with replica_reads():
        assert ReplicaRouter().db_for_read(Person) == REPLICA


def test_an_audit_write_does_not_pin(replica):
    """Audit and session rows are read on the primary anyway, so writing
    them (every page view records one) leaves the register's reads where
    they were."""
    from rekisteri.audit.models import AuditEvent

    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(AuditEvent) == PRIMARY
        assert not dbrouter.pinned()
        assert router.db_for_read(Person) == REPLICA


def test_reads_inside_a_transaction_see_its_writes_on_the_primary(replica):
    with replica_reads(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Person) == PRIMARY
    with replica_reads():
        assert ReplicaRouter().db_for_read(Person) == REPLICA


def test_primary_block_keeps_reads_on_the_primary(replica):
    person = make_person()
    with replica_reads(), Queries() as q:
        with primary():
            Person.objects.get(pk=person.pk)
        Person.objects.get(pk=person.pk)
    assert q.on(PRIMARY, "registry_person") == 1
    assert q.on(REPLICA, "registry_person") == 1


def test_the_rights_engine_reads_the_primary(replica):
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    person = make_person(phones=["+358401234567"])
    with replica_reads(), Queries() as q:
        scope = engine.locate(person)
        assert scope.families()
        export_person(actor=officer, person=person)
    assert q.on(PRIMARY, "registry_personemail") >= 1
    assert len(q._r.captured_queries) == 0


def test_the_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "registry") is False
    assert router.allow_migrate(PRIMARY, "registry") is None


def _request(name: str, method: str = "GET", **kwargs):
    path = reverse(name, kwargs=kwargs)
    request = getattr(RequestFactory(), method.lower())(path)
    request.resolver_match = resolve(path)
    return request


def test_the_middleware_opens_the_replica_for_the_listed_views_only(replica):
    seen = {}

    def view(request):
        seen["read"] = ReplicaRouter().db_for_read(Person)
        make_org()  # the view writes ...
        seen["after_write"] = ReplicaRouter().db_for_read(Person)
        return HttpResponse()

    def run(request):
        middleware = ReplicaReadsMiddleware(lambda r: _call(middleware, r))
        return middleware(request)

    def _call(middleware, request):
        middleware.process_view(request, view, (), {})
        return view(request)

    run(_request("registry:person_list"))
    assert seen == {"read": REPLICA, "after_write": PRIMARY}
    run(_request("registry:search", "POST"))
    assert seen["read"] == REPLICA
    run(_request("registry:person_create", "POST"))  # a write view
    assert seen["read"] == PRIMARY
    run(_request("registry:person_list", "POST"))  # not a listed method
    assert seen["read"] == PRIMARY
    # After the request the scope is gone: a command reads the primary.
    assert ReplicaRouter().db_for_read(Person) == PRIMARY


def test_the_person_page_reads_the_register_from_the_replica(replica, client):
    user = make_staff(StaffRole.CUSTOMER_SERVICE)
    person = make_person()
    client_as(user, client=client)
    url = reverse("registry:person_detail", kwargs={"person_id": person.pk})
    with Queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    assert person.last_name in response.content.decode()
    assert q.on(REPLICA, "registry_person") >= 1
    assert q.on(PRIMARY, "registry_person") == 0
    # Sign-in state and the audit chain stay on the primary.
    assert q.on(PRIMARY, "django_session") >= 1
    assert q.on(REPLICA, "django_session") == 0
    assert q.on(REPLICA, "audit_auditevent") == 0


def test_the_api_s_register_reads_go_to_the_replica_and_its_writes_do_not(replica):
    from django.test import Client

    from rekisteri.accounts.services import api_token_create

    user = make_staff(StaffRole.CUSTOMER_SERVICE)
    _token, raw = api_token_create(actor=user, name="t", scope="write")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    person = make_person()
    with Queries() as q:
        response = client.get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200
    assert response.json()["last_name"] == person.last_name
    assert q.on(REPLICA, "registry_person") >= 1
    assert q.on(PRIMARY, "registry_person") == 0
    # The token and the audit chain stay on the primary.
    assert q.on(REPLICA, "audit_auditevent") == 0
    assert q.on(REPLICA, "accounts_apitoken") == 0
    with Queries() as q:
        response = client.get("/api/v1/persons")
    assert response.status_code == 200
    assert q.on(REPLICA, "registry_person") >= 1
    # A change on the same path reads and writes the primary.
    with Queries() as q:
        response = client.patch(
            f"/api/v1/persons/{person.pk}",
            data={"first_name": "Uusi"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert q.on(REPLICA, "registry_person") == 0
