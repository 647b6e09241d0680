"""The invoicing API: read an invoice with its status; permission enforced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.billing.payments import payment_record
from rekisteri.billing.testing import make_invoice
from rekisteri.core.testing import make_staff

pytestmark = pytest.mark.django_db


def test_get_invoice_with_status_and_audit():
    invoice = make_invoice()
    payment_record(actor=None, invoice=invoice, amount="25.50", paid_on=dt.date.today())
    client = Client()
    client.force_login(make_staff(StaffRole.BILLING))
    response = client.get(f"/api/v1/invoices/{invoice.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "partly_paid"
    assert body["outstanding"] == "100.00"
    assert body["number"] == invoice.number
    assert body["rf_reference"].startswith("RF")
    assert body["lines"][0]["vat_code"] == "general"
    assert AuditEvent.objects.filter(action="invoice.view").exists()


def test_others_are_refused_and_missing_is_404():
    invoice = make_invoice()
    client = Client()
    client.force_login(make_staff(StaffRole.SALES))
    assert client.get(f"/api/v1/invoices/{invoice.id}").status_code == 403
    billing = Client()
    billing.force_login(make_staff(StaffRole.BILLING))
    assert billing.get("/api/v1/invoices/not-a-uuid").status_code == 404
