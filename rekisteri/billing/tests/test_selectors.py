"""Invoicing selectors: scope by permission, filters, balances."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.billing import selectors
from rekisteri.billing.payments import balance_of, payment_record
from rekisteri.billing.services import credit_note_issue
from rekisteri.core.errors import NotFound
from rekisteri.testing import client_as, make_staff
from rekisteri.testing.billing import make_invoice

pytestmark = pytest.mark.django_db


def test_without_billing_access_invoices_look_missing():
    invoice = make_invoice()
    sales = make_staff(StaffRole.SALES)
    with pytest.raises(NotFound):
        selectors.invoice_get(user=sales, invoice_id=invoice.id)
    assert (
        selectors.organization_invoices(user=sales, organization=invoice.organization)
        == []
    )
    assert selectors.person_invoices(user=sales, person=invoice.billing_contact) == []


def test_invoice_get_annotates_the_balance_and_refuses_bad_ids():
    billing = make_staff(StaffRole.BILLING)
    invoice = make_invoice()
    found = selectors.invoice_get(user=billing, invoice_id=str(invoice.id))
    assert hasattr(found, "paid_sum") and balance_of(found).status == "open"
    for bad in ("not-a-uuid", uuid.uuid4(), None):
        with pytest.raises(NotFound):
            selectors.invoice_get(user=billing, invoice_id=bad)


def test_list_filters():
    billing = make_staff(StaffRole.BILLING)
    draft = make_invoice(issue=False)
    overdue = make_invoice(invoice_date=dt.date(2020, 1, 1))
    current = make_invoice()
    assert {i.pk for i in selectors.invoice_list(user=billing, state="draft")} == {
        draft.pk
    }
    assert {i.pk for i in selectors.invoice_list(user=billing, state="issued")} == {
        overdue.pk,
        current.pk,
    }
    assert {i.pk for i in selectors.invoice_list(user=billing, overdue=True)} == {
        overdue.pk
    }
    assert len(selectors.invoice_list(user=billing)) == 3


def test_the_overdue_list_holds_only_invoices_still_owing():
    billing = make_staff(StaffRole.BILLING)
    today = dt.date.today()
    past = today - dt.timedelta(days=60)
    unpaid = make_invoice(invoice_date=past)
    partly = make_invoice(invoice_date=past)
    paid = make_invoice(invoice_date=past)
    overpaid = make_invoice(invoice_date=past)
    credited = make_invoice(invoice_date=past)
    not_due = make_invoice()
    payment_record(actor=None, invoice=partly, amount="25.50", paid_on=today)
    payment_record(actor=None, invoice=paid, amount="125.50", paid_on=today)
    payment_record(actor=None, invoice=overpaid, amount="200", paid_on=today)
    note = credit_note_issue(actor=None, invoice=credited, invoice_date=past)
    listed = set(selectors.invoice_list(user=billing, overdue=True))
    assert listed == {unpaid, partly}
    assert not listed & {paid, overpaid, credited, note, not_due}
    client = client_as(billing)
    page = client.get("/billing/?show=overdue").content.decode()
    assert f"/billing/invoices/{unpaid.pk}/" in page
    assert f"/billing/invoices/{paid.pk}/" not in page
