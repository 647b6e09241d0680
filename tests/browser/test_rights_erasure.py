"""In Chromium: the privacy officer opens a person, downloads the access
export, sees the erasure plan keep the invoice's billing contact under the
Accounting Act, executes the erasure, and the person's email is no longer
found by the header search."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.services import role_create
from rekisteri.testing import enrol_totp, make_org, make_person, make_staff
from rekisteri.testing.billing import make_invoice
from tests.browser.accounts_helpers import login_with_totp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADDRESS = "eero.erasmus@asiakas.example"


def test_export_plan_erase_and_the_address_is_gone(page) -> None:
    org = make_org(name="Asiakas Oy")
    person = make_person(first_name="Eero", last_name="Erasmus", emails=[ADDRESS])
    for kind in ("contact", "billing_contact"):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind=kind,
            start_date=dt.date(2025, 1, 1),
        )
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "20100",
        "Turku",
    )
    org.save()
    make_invoice(organization=org, contact=person, invoice_date=dt.date(2026, 1, 15))
    officer = make_staff(StaffRole.PRIVACY_OFFICER, username="tietosuoja")
    login_with_totp(page, officer.username, enrol_totp(officer))

    page.goto(f"/persons/{person.id}/")
    # The export is built as an encrypted file the officer downloads from
    # their list of exports (docs/rights.md, Stored exports).
    page.locator("[data-testid=export-json]").click()
    page.wait_for_url(re.compile(r"/rights/exports/$"))
    with page.expect_download() as info:
        page.locator("[data-testid=export-download]").first.click()
    with open(info.value.path(), "rb") as fh:
        export = json.load(fh)
    values = [v["value"] for item in export["items"] for v in item["values"]]
    assert ADDRESS in values and "Erasmus" in values

    page.goto(f"/persons/{person.id}/")
    page.locator(f"a[href='/rights/persons/{person.id}/erasure/']").click()
    page.wait_for_url(re.compile(r"/erasure/$"))
    kept = page.locator("[data-testid=erasure-plan] tr[data-fate=kept]").filter(
        has_text="kirjanpitolaki"
    )
    assert kept.count() >= 1
    assert "billing." in (kept.first.get_attribute("data-model") or "")

    page.fill("input[name=reason]", "Rekisteröidyn pyyntö")
    page.fill("input[name=case_ref]", "DSR-2026-0077")
    page.check("input[name=confirm]")
    page.locator("form[action$='/erasure/execute/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/erasure/$"))
    assert page.locator("[data-testid=erasure-receipt]").is_visible()
    assert "DSR-2026-0077" in page.locator("[data-testid=erasure-receipt]").inner_text()

    search = page.locator("header input[name=q]")
    search.fill(ADDRESS)
    search.press("Enter")
    page.wait_for_load_state()
    # Not found: no jump to the person's page, and the address shows nowhere.
    assert f"/persons/{person.id}/" not in page.url
    assert ADDRESS not in page.content().replace(f'value="{ADDRESS}"', "")
