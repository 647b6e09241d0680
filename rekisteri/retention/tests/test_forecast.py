"""The privacy officer's forecast, due list and run log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.core import holds
from rekisteri.registry.services import role_create
from rekisteri.retention import dashboard, selectors, services
from rekisteri.retention.sweep import run_sweep
from rekisteri.testing import client_as, make_org, make_person, make_staff

D = dt.date
pytestmark = pytest.mark.django_db


def ended_contact(end: dt.date):
    org = make_org(status="customer")
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=D(2020, 1, 1),
        end_date=end,
    )
    services.recompute_persons([person.pk])
    services.recompute_organizations([org.pk])
    return person


@pytest.fixture
def officer_client():
    client = client_as(StaffRole.PRIVACY_OFFICER)
    return client


def test_forecast_counts_per_horizon():
    today = timezone.localdate()
    ended_contact(D(2022, 1, 31))  # due now
    # Kept until 6 months after the end: ends 5 months and 20 days ago ->
    # due in about 10 days; ends 4 months ago -> due in about 60 days.
    ended_contact(today - dt.timedelta(days=172))
    ended_contact(today - dt.timedelta(days=122))
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    rows = {
        (r.kind, r.rule): r.counts
        for r in selectors.forecast(user=officer, today=today)
    }
    assert rows[("person", "relationship")] == (1, 2, 3, 3)
    assert rows[("organization", "relationship")] == (1, 2, 3, 3)
    months = selectors.monthly(user=officer, today=today)
    assert len(months) == 12 and sum(n for _m, n in months) == 4


def test_pages_render_for_the_privacy_officer(officer_client):
    person = ended_contact(D(2022, 1, 31))
    holds.register(
        "test.hold",
        lambda pid: (
            [holds.Hold("litigation", "Litigation pending.")]
            if pid == person.pk
            else []
        ),
    )
    try:
        run = run_sweep()
        page = officer_client.get(reverse("retention:forecast"))
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" in body and reverse("retention:due") in body
        due = officer_client.get(
            reverse("retention:due") + "?kind=person&rule=relationship&within=0"
        )
        assert due.status_code == 200
        assert "Litigation pending." in due.content.decode()
    finally:
        holds.unregister("test.hold")
    runs = officer_client.get(reverse("retention:runs"))
    assert runs.status_code == 200
    detail = officer_client.get(
        reverse("retention:run_detail", kwargs={"run_id": run.pk})
    )
    assert "Litigation pending." in detail.content.decode()
    assert "litigation" in detail.content.decode()
    dash = officer_client.get(reverse("privacy:dashboard")).content.decode()
    assert reverse("retention:forecast") in dash


def test_other_roles_are_refused(client):
    client_as(StaffRole.SALES, client=client)
    for name in ("retention:forecast", "retention:runs", "retention:due"):
        assert client.get(reverse(name)).status_code in (403, 404)
    assert dashboard.panel(make_staff(StaffRole.SALES), timezone.localdate()) is None
