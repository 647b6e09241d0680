"""End to end in Chromium: log in, find a person by email, edit their phone."""

from __future__ import annotations

import re

import pytest

from rekisteri.registry.models import PersonPhone
from rekisteri.registry.services import role_create
from rekisteri.testing import TEST_PASSWORD, make_org, make_person, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_login_search_by_email_and_edit_phone(page) -> None:
    staff = make_staff(role="customer_service", username="aino")
    org = make_org(name="Pohjolan Ohjelmisto Oy")
    person = make_person(
        first_name="Liisa",
        last_name="Järvinen",
        emails=["liisa.jarvinen@pohjola.example"],
        phones=["040 123 4567"],
    )
    role_create(actor=staff, person=person, organization=org, kind="contact")

    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "aino")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/organizations/"))

    search = page.locator("header input[name=q]")
    search.fill("Liisa.Jarvinen@pohjola.example")
    search.press("Enter")
    page.wait_for_url(re.compile(rf"/persons/{person.id}/$"))
    # The query is never part of a URL.
    assert "pohjola" not in page.url
    assert page.get_by_text("Järvinen").first.is_visible()

    page.goto(f"/persons/{person.id}/edit/")
    phone = page.locator("input[name=phones]").first
    assert phone.input_value() in {"+358401234567", "040 1234567", "040 123 4567"}
    phone.fill("050 765 4321")
    page.locator("form:has(input[name=phones]) [type=submit]").click()
    page.wait_for_url(re.compile(rf"/persons/{person.id}/$"))
    assert page.get_by_text("050 7654321").first.is_visible()
    assert [p.number for p in PersonPhone.objects.filter(person=person)] == [
        "+358507654321"
    ]
