"""End to end in Chromium: create a contract from the organization page,
activate it, attach a person, and read it on a 375 px phone screen."""

from __future__ import annotations

import re

import pytest

from rekisteri.contracts.models import Contract, ContractParty
from rekisteri.contracts.services import product_create
from rekisteri.registry.services import role_create
from rekisteri.testing import TEST_PASSWORD, make_org, make_person, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_create_activate_and_attach_a_person(page) -> None:
    make_staff(role="sales", username="myyja")
    org = make_org(name="Sopimusasiakas Oy")
    person = make_person(first_name="Sanni", last_name="Sopija")
    role_create(actor=None, person=person, organization=org, kind="contact")
    product_create(actor=None, code="HR-PRO", name="Henkilöstöhallinto Pro")

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "myyja")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/organizations/"))

    page.goto(f"/organizations/{org.id}/")
    page.get_by_role("link", name="Uusi sopimus").click()
    page.select_option("select[name=product]", "HR-PRO")
    # An end before the start is shown next to the field; nothing is saved.
    page.fill("input[name=start_date]", "2025-03-01")
    page.fill("input[name=end_date]", "2025-02-01")
    page.get_by_role("button", name="Tallenna").click()
    assert page.locator("#id_end_date_error").is_visible()
    assert not Contract.objects.exists()
    page.fill("input[name=end_date]", "")
    page.fill("input[name=notice_period]", "3")
    page.get_by_role("button", name="Tallenna").click()
    page.wait_for_url(re.compile(r"/contracts/[0-9a-f-]{36}/$"))
    assert page.get_by_text("Luonnos").first.is_visible()
    assert page.get_by_text("3 kuukautta").is_visible()  # months by default

    page.get_by_role("button", name="Ota voimaan").click()
    page.wait_for_url(re.compile(r"/contracts/[0-9a-f-]{36}/$"))
    assert page.get_by_text("Sopimus on voimassa.").is_visible()
    assert Contract.objects.get().status == "active"

    page.get_by_role("link", name="Liitä henkilö").click()
    page.select_option("select[name=person]", str(person.id))
    page.select_option("select[name=kind]", "signatory")
    page.get_by_role("button", name="Liitä", exact=True).click()
    page.wait_for_url(re.compile(r"/contracts/[0-9a-f-]{36}/$"))
    assert page.get_by_role("link", name="Sanni Sopija").is_visible()
    assert ContractParty.objects.get().kind == "signatory"

    # A phone-sized screen: the page does not scroll sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
