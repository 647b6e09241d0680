"""End to end in Chromium: sales creates a contract; billing invoices it,
issues the invoice, downloads its Finvoice, records a payment and sees the
invoice paid."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rekisteri.billing.models import Invoice
from rekisteri.billing.tests.finvoice_schema import assert_valid
from rekisteri.contracts.models import Contract
from rekisteri.contracts.services import product_create
from rekisteri.testing import TEST_PASSWORD, make_org, make_staff
from rekisteri.testing.billing import make_seller

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/(organizations|billing|accounts/tokens)/"))


def test_contract_invoice_issue_download_finvoice_and_pay(page, tmp_path) -> None:
    make_staff(role="sales", username="sanna")
    make_staff(role="billing", username="leena")
    product_create(actor=None, code="HR-PRO", name="Henkilöstöhallinto Pro")
    make_seller()
    org = make_org(
        name="Pohjolan Ohjelmisto Oy",
        postal_street="Satamakatu 3",
        postal_postal_code="00160",
        postal_city="Helsinki",
    )

    # Sales makes the contract through its UI.
    log_in(page, "sanna")
    page.goto(f"/organizations/{org.id}/")
    page.get_by_role("link", name="Uusi sopimus").click()
    page.select_option("select[name=product]", "HR-PRO")
    page.fill("input[name=start_date]", "2026-01-01")
    page.get_by_role("button", name="Tallenna").click()
    page.wait_for_url(re.compile(r"/contracts/[0-9a-f-]{36}/$"))
    contract = Contract.objects.get(organization=org)

    # Billing invoices it.
    log_in(page, "leena")
    page.goto(f"/organizations/{org.id}/")
    page.locator(f"a[href='/billing/organizations/{org.id}/invoices/new/']").click()
    page.wait_for_url(re.compile(r"/invoices/new/$"))
    # No billing contact yet: type one in.
    page.fill("input[name=contact_first_name]", "Olli")
    page.fill("input[name=contact_last_name]", "Ostaja")
    page.fill("input[name=contact_street]", "Satamakatu 3")
    page.fill("input[name=contact_postal_code]", "00160")
    page.fill("input[name=contact_city]", "Helsinki")
    page.fill("input[name=lines-0-description]", "Ylläpito 10/2026")
    page.fill("input[name=lines-0-quantity]", "2")
    page.fill("input[name=lines-0-unit_price]", "50,00")
    page.select_option("select[name=lines-0-vat_code]", "general")
    page.select_option("select[name=contract]", str(contract.id))
    page.locator("form.form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/billing/invoices/[0-9a-f-]+/$"))
    invoice = Invoice.objects.get(organization=org)
    assert invoice.contract == contract
    assert page.locator("#invoice-total").inner_text().startswith("125,50")

    page.locator(f"form[action$='/invoices/{invoice.id}/issue/'] button").click()
    page.wait_for_selector("#invoice-status[data-status=open]")
    invoice.refresh_from_db()
    assert invoice.number is not None

    with page.expect_download() as info:
        page.locator(f"a[href$='/invoices/{invoice.id}/finvoice.xml']").click()
    path = tmp_path / "finvoice.xml"
    info.value.save_as(path)
    root = assert_valid(path.read_bytes())  # the official Finvoice 3.0 schema
    assert root.find("InvoiceDetails/InvoiceNumber").text == str(invoice.number)
    assert (
        root.find("EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount").text
        == "125,50"
    )

    page.locator(f"a[href$='/invoices/{invoice.id}/payments/new/']").click()
    page.fill("input[name=amount]", "125,50")
    page.fill("input[name=paid_on]", dt.date.today().isoformat())
    page.locator("form.form [type=submit]").first.click()
    page.wait_for_selector("#invoice-status[data-status=paid]")
    assert page.locator("#invoice-paid").inner_text().startswith("125,50")

    # A phone-sized screen: the invoice and the invoice form do not scroll
    # sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    for path in (
        f"/billing/invoices/{invoice.id}/",
        f"/billing/organizations/{org.id}/invoices/new/",
        "/billing/",
    ):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
