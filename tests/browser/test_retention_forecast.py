"""In Chromium: the privacy officer opens the retention forecast from the
privacy office's navigation, sees the monthly chart and drills down."""

from __future__ import annotations

import datetime as dt

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.services import role_create
from rekisteri.retention import services
from rekisteri.testing import enrol_totp, make_org, make_person, make_staff
from tests.browser.accounts_helpers import login_with_totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_forecast_renders_and_drills_down(page) -> None:
    org = make_org(status="customer")
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2022, 1, 31),
    )
    services.recompute_persons([person.pk])
    officer = make_staff(StaffRole.PRIVACY_OFFICER, username="tietosuojavastaava")
    login_with_totp(page, officer.username, enrol_totp(officer))

    page.goto("/privacy-office/")
    page.locator("nav.privacy-nav").get_by_role("link", name="Säilytysajat").click()
    assert page.get_by_role("heading", name="Säilytysaikaennuste").is_visible()
    assert page.locator("figure.chart svg").is_visible()
    row = page.locator("tbody tr").filter(has_text="asiakassuhde").first
    row.get_by_role("link").first.click()
    assert page.locator("time[datetime='2022-07-31']").is_visible()
