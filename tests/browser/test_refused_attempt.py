"""End to end in Chromium: a billing clerk is refused the audit log; the
privacy officer then finds that attempt in the log and sees who opened a
person's page."""

from __future__ import annotations

import re

import pytest

from rekisteri.core.testing import TEST_PASSWORD, make_person, make_staff

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


def test_a_refused_attempt_is_seen_by_the_privacy_officer(page) -> None:
    make_staff(role="billing", username="laskuttaja")
    make_staff(role="privacy_officer", username="tietosuoja")
    person = make_person(first_name="Kaisa", last_name="Katsottu")

    log_in(page, "laskuttaja")
    page.goto(f"/persons/{person.id}/")
    assert page.get_by_text("Katsottu").first.is_visible()
    response = page.goto("/audit/")
    assert response is not None and response.status == 403

    page.context.clear_cookies()
    log_in(page, "tietosuoja")
    page.goto("/audit/")
    page.select_option("select[name=outcome]", "denied")
    page.locator("form[action='/audit/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"outcome=denied"))
    row = page.locator("tr", has_text="laskuttaja")
    assert row.count() == 1
    assert "access.denied" in row.inner_text()

    page.goto(f"/persons/{person.id}/")
    history = page.locator("section[aria-labelledby=access-history-title]")
    assert "laskuttaja" in history.inner_text()
    assert "person.view" in history.inner_text()
