"""The privacy office's read API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.privacy import breaches, services
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db

API = "/api/v1/privacy"


def bearer(role: str) -> Client:
    user = make_staff(role)
    _token, raw = api_token_create(actor=user, name="compliance", scope="read")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def data():
    services.profile_load_seed(actor=None)
    version = services.notice_publish(actor=None)
    breach = breaches.breach_create(
        actor=None,
        data={
            "title": "Leak",
            "discovered_at": timezone.now() - dt.timedelta(hours=70),
            "description": "x",
        },
    )
    return version, breach


def test_auditor_reads_versions_ropa_parties_and_breaches(data):
    version, breach = data
    client = bearer(StaffRole.AUDITOR)
    versions = client.get(f"{API}/notice/versions").json()
    assert versions[0]["digest"] == version.digest
    ropa = client.get(f"{API}/ropa?lang=fi").json()
    assert any(a["purpose"] == "Asiakaspalvelu" for a in ropa)
    assert client.get(f"{API}/parties").json() == []
    (b,) = client.get(f"{API}/breaches").json()
    assert b["id"] == str(breach.pk)
    assert b["clock"] == "due_soon"


@pytest.mark.parametrize("role", [StaffRole.SALES, StaffRole.ADMINISTRATOR])
def test_other_roles_are_refused(data, role):
    response = bearer(role).get(f"{API}/breaches")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_anonymous_is_refused(data):
    assert Client().get(f"{API}/ropa").status_code == 401
