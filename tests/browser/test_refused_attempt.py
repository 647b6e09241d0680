"""End to end in Chromium (issue 4, "done when"): a privacy officer logs in
with TOTP, is refused a page outside the role, and then finds that attempt in
the audit log; a billing clerk's refused attempt and their view of a person
show up for the privacy officer too."""

from __future__ import annotations

import re

import pytest

from rekisteri.testing import TEST_PASSWORD, enrol_totp, make_person, make_staff
from tests.browser.accounts_helpers import (
    login_with_totp,
    privacy_officer_refused_outside_role,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def show_refused(page) -> None:
    page.goto("/audit/")
    page.select_option("select[name=outcome]", "denied")
    page.locator("form[action='/audit/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"outcome=denied"))


def test_the_privacy_officer_sees_their_own_refused_attempt(page) -> None:
    attempt = privacy_officer_refused_outside_role(page)
    assert attempt.status == 403
    show_refused(page)
    row = page.locator("tr", has_text="access.denied")
    assert row.count() == 1
    assert attempt.user.username in row.inner_text()


def test_a_clerks_refused_attempt_and_reads_are_seen_by_the_officer(page) -> None:
    # Customer service reads every person; billing sees billing contacts only.
    make_staff(role="customer_service", username="laskuttaja")
    officer = make_staff(role="privacy_officer", username="tietosuoja")
    device = enrol_totp(officer)
    person = make_person(first_name="Kaisa", last_name="Katsottu")

    log_in(page, "laskuttaja")
    page.goto(f"/persons/{person.id}/")
    assert page.get_by_text("Katsottu").first.is_visible()
    response = page.goto("/audit/")
    assert response is not None and response.status == 403

    page.context.clear_cookies()
    login_with_totp(page, "tietosuoja", device)
    show_refused(page)
    row = page.locator("tr", has_text="laskuttaja")
    assert row.count() == 1
    assert "access.denied" in row.inner_text()

    page.goto(f"/persons/{person.id}/")
    history = page.locator("section[aria-labelledby=access-history-title]")
    assert "laskuttaja" in history.inner_text()
    assert "person.view" in history.inner_text()
