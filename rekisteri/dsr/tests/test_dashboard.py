"""The privacy dashboard shows the rights-request counts and monthly chart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.dsr import dashboard, services
from rekisteri.testing import client_as, make_staff

pytestmark = pytest.mark.django_db


def _case(days_ago: int):
    return services.case_create(
        actor=None,
        kinds=["access"],
        channel="letter",
        requester_address="Katu 1",
        received_at=timezone.now() - dt.timedelta(days=days_ago),
    ).case


def test_counts_and_monthly_chart_on_the_dashboard():
    _case(60)  # overdue
    _case(27)  # due within 7 days
    _case(0)
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    panel = dashboard.panel(officer, timezone.localdate())
    assert [c[1] for c in panel.counts] == [3, 1, 1]
    assert sum(b.value for b in panel.charts[0].bars) == 3
    assert len(panel.charts[0].bars) == dashboard.MONTHS
    client = client_as(officer)
    body = client.get("/privacy-office/").content.decode()
    assert "/privacy-office/requests/?view=overdue" in body
    assert 'href="/privacy-office/requests/"' in body  # the office's navigation


def test_no_panel_without_the_permission():
    assert dashboard.panel(make_staff(StaffRole.SALES), timezone.localdate()) is None


def test_months_run_back_across_the_year():
    starts = dashboard._month_starts(dt.date(2026, 2, 14), 4)
    assert starts == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
