"""In Chromium, logged out: the public privacy notice shows the controller."""

from __future__ import annotations

import pytest

from rekisteri.privacy import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_public_notice_logged_out_shows_the_controller(page) -> None:
    services.profile_load_seed(actor=None)
    version = services.notice_publish(actor=None)

    page.goto("/tietosuoja/")
    assert "/accounts/login/" not in page.url
    assert page.get_by_role("heading", name="Tietosuojaseloste").is_visible()
    controller = page.locator("article.notice-doc section").filter(
        has=page.get_by_role("heading", name="Rekisterinpitäjä", exact=True)
    )
    assert controller.is_visible()
    lines = [x for x in controller.inner_text().splitlines() if x.strip()]
    assert lines[:2] == ["Rekisterinpitäjä", "LeadDesk Solutions Oy"]
    assert page.get_by_text("Tero Lepistö").first.is_visible()
    assert page.get_by_text(version.digest).is_visible()
    # No staff navigation for a visitor.
    assert page.locator("nav.mainnav").count() == 0

    page.goto("/privacy/")
    assert page.get_by_role("heading", name="Privacy notice", exact=True).is_visible()
