"""The registry JSON API's lists: keyset pagination, and query counts that do
not grow with the data."""

from __future__ import annotations

import pytest
from django.test import Client

from rekisteri.registry.models import (
    Organization,
)
from rekisteri.registry.tests.apikit import send
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------
# Keyset pagination
# --------------------------------------------------------------------------


def test_keyset_pagination_visits_every_organization_once(api):
    # Names that collide after case-folding exercise the id tie-breaker.
    created = {
        str(make_org(name=f"{'Sama' if i % 3 == 0 else 'Nimi'} {i % 7} Oy").id)
        for i in range(30)
    }
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=10" + (f"&after={cursor}" if cursor else "")
        page = send(api, "GET", f"/organizations?{query}").json()
        seen.extend(o["id"] for o in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not terminate"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == created
    expected = list(
        Organization.objects.order_by("name_key", "id").values_list("id", flat=True)
    )
    assert seen == [str(pk) for pk in expected]


def test_keyset_pagination_of_persons(api):
    created = {str(make_person(last_name=f"Sivu{i % 4}").id) for i in range(12)}
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=5" + (f"&after={cursor}" if cursor else "")
        page = send(api, "GET", f"/persons?{query}").json()
        seen.extend(p["id"] for p in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == created


# --------------------------------------------------------------------------
# Query counts do not grow with the data
# --------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = send(client, "GET", path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_lists_and_details_do_not_query_per_row(api):
    org = make_org()
    person = make_person(phones=["+358401234599"])

    def add_role(person_id, organization_id) -> None:
        response = send(
            api,
            "POST",
            "/roles",
            {
                "person_id": str(person_id),
                "organization_id": str(organization_id),
                "kind": "contact",
            },
        )
        assert response.status_code == 201, response.content

    # One of everything first, so prefetches that skip empty sets run in both.
    add_role(person.id, org.id)
    send(api, "GET", "/me")  # token last-used stamp is written once, up front
    small = {
        "persons": _queries(api, "/persons"),
        "roles": _queries(api, f"/organizations/{org.id}/roles"),
        "person": _queries(api, f"/persons/{person.id}"),
        "orgs": _queries(api, "/organizations"),
    }
    for i in range(5):
        add_role(make_person(phones=[f"+35840123450{i}"]).id, org.id)
        add_role(person.id, make_org().id)
    large = {
        "persons": _queries(api, "/persons"),
        "roles": _queries(api, f"/organizations/{org.id}/roles"),
        "person": _queries(api, f"/persons/{person.id}"),
        "orgs": _queries(api, "/organizations"),
    }
    assert large == small
