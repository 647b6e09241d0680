"""The permission matrix of every privacy route, found by walking the URLs.

Public routes answer anyone; view routes answer the privacy officer and the
auditor; manage routes only the privacy officer. Other roles get 403.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.privacy import breaches, services
from rekisteri.testing import client_as, make_staff
from rekisteri.testing.permissions import site_routes

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")


@pytest.fixture
def ids() -> dict[str, str]:
    services.profile_load_seed(actor=None)
    version = services.notice_publish(actor=None)
    party = services.party_create(
        actor=None,
        data={
            "name": "Konesali Oy",
            "role": "recipient",
            "service": "x",
            "country": "FI",
            "data_categories": ["user.name"],
        },
    )
    record = services.manual_record_create(
        actor=None,
        data={
            "title": "Binder",
            "location": "Locked room",
            "retention_rule": "relationship",
            "created_on": dt.date(2020, 1, 1),
            "destroy_by": dt.date(2030, 1, 1),
        },
    )
    breach = breaches.breach_create(
        actor=None,
        data={
            "title": "Leak",
            "discovered_at": timezone.now(),
            "description": "x",
        },
    )
    return {
        "version_id": str(version.pk),
        "processor_id": str(party.pk),
        "record_id": str(record.pk),
        "breach_id": str(breach.pk),
        "language": "fi",
    }


def privacy_routes():
    return [r for r in site_routes() if r.namespaces[:1] == ("privacy",)]


def test_every_privacy_route_declares_view_manage_or_public():
    perms = {r.required_perm for r in privacy_routes()}
    assert perms == {Perm.PUBLIC, Perm.PRIVACY_VIEW, Perm.PRIVACY_MANAGE}


@pytest.mark.parametrize(
    "role",
    [
        StaffRole.PRIVACY_OFFICER,
        StaffRole.AUDITOR,
        StaffRole.SALES,
        StaffRole.BILLING,
        StaffRole.ADMINISTRATOR,
    ],
)
def test_role_matrix(ids, role):
    user = make_staff(role)
    client = client_as(user)
    problems = []
    for r in privacy_routes():
        url = "/" + PARAM.sub(lambda m: ids[m["name"]], r.route)
        response = client.get(url)
        # Allowed: the page (200), a POST-only route refusing GET (405), or
        # the affected-people export sending back to the breach until the
        # list is computed (302). Refused: 403.
        expected = {200, 302, 405} if has_perm(user, r.required_perm) else {403}
        if response.status_code not in expected:
            problems.append(f"{url} ({r.name}) → {response.status_code}")
    assert not problems, "\n".join(problems)
