"""End to end in Chromium: the message timeline on an organization page
loads by itself, "load more" appends the next page, and a message opens."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rekisteri.messaging.services import message_create
from rekisteri.testing import TEST_PASSWORD, make_org, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_timeline_loads_more_and_opens_a_message(page, settings) -> None:
    settings.REKISTERI_MESSAGING_PAGE_SIZE = 3
    staff = make_staff(role="customer_service", username="viestit")
    org = make_org(name="Viestittelijä Oy")
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    for n in range(5):
        message_create(
            actor=staff,
            organization=org,
            channel="phone",
            direction="in",
            occurred_at=start + dt.timedelta(hours=n),
            subject=f"Puhelu numero {n}",
            body=f"Muistiinpano {n}",
        )

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    page.fill("input[name=username]", "viestit")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/organizations/"))

    page.goto(f"/organizations/{org.id}/")
    timeline = page.locator("#timeline")
    timeline.get_by_text("Puhelu numero 4").wait_for()
    assert timeline.get_by_text("Puhelu numero 1").count() == 0
    timeline.get_by_role("link", name="Näytä lisää").click()
    timeline.get_by_text("Puhelu numero 0").wait_for()
    assert timeline.locator(".timeline__item").count() == 5
    # Nothing overflows the phone-width page.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow

    timeline.get_by_role("link", name="Puhelu numero 2").click()
    page.wait_for_url(re.compile(r"/messages/[0-9a-f-]+/$"))
    assert page.get_by_text("Muistiinpano 2").is_visible()
