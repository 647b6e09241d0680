"""The retention dates on the person and organization pages and in the
access export: one stored date everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.services import role_create
from rekisteri.retention import services
from rekisteri.rights import services as rights
from rekisteri.testing import client_as, make_org, make_person

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = make_org(status="customer")
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=D(2020, 1, 1),
        end_date=D(2025, 8, 31),
    )
    services.recompute_persons([person.pk])
    services.recompute_organizations([org.pk])
    return org, person


def test_person_and_organization_pages_show_kept_until(client, world):
    org, person = world
    client_as(StaffRole.SALES, client=client)
    page = client.get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    ).content.decode()
    assert 'id="retention-title"' in page
    assert 'datetime="2026-02-28"' in page
    org_page = client.get(
        reverse("registry:organization_detail", kwargs={"organization_id": org.pk})
    ).content.decode()
    assert 'datetime="2026-02-28"' in org_page


def test_export_names_the_same_date(world):
    _org, person = world
    export = rights.export_person(actor=None, person=person)
    person_items = [i for i in export["items"] if i["model"] == "registry.Person"]
    assert person_items
    for item in person_items:
        assert {r["until"] for r in item["info"]["retention"]} == {"2026-02-28"}
