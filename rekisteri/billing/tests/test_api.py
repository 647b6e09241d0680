"""The invoicing API: read an invoice with its status; permission enforced."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.api import api
from rekisteri.audit.models import AuditEvent
from rekisteri.billing.api import _money
from rekisteri.billing.payments import payment_record
from rekisteri.testing import client_as
from rekisteri.testing.billing import line, make_invoice

pytestmark = pytest.mark.django_db


def test_get_invoice_with_status_and_audit():
    invoice = make_invoice()
    payment_record(actor=None, invoice=invoice, amount="25.50", paid_on=dt.date.today())
    client = client_as(StaffRole.BILLING)
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
    client = client_as(StaffRole.SALES)
    assert client.get(f"/api/v1/invoices/{invoice.id}").status_code == 403
    billing = client_as(StaffRole.BILLING)
    assert billing.get("/api/v1/invoices/not-a-uuid").status_code == 404


MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def test_money_is_always_a_plain_two_decimal_string():
    assert _money(Decimal("0E-12")) == "0.00"
    assert _money(Decimal("787.510000000000")) == "787.51"
    assert _money(Decimal("1.00000000000000E+20")) == "100000000000000000000.00"
    invoice = make_invoice(
        lines=[line(quantity="1.5", unit_price="0.1250"), line(unit_price="627.82")]
    )
    today = dt.date.today()
    # Two payments that sum to the whole: the database's sum has many decimals.
    payment_record(actor=None, invoice=invoice, amount="700.00", paid_on=today)
    payment_record(
        actor=None,
        invoice=invoice,
        amount=str(invoice.total_gross - Decimal("700.00")),
        paid_on=today,
    )
    client = client_as(StaffRole.BILLING)
    body = client.get(f"/api/v1/invoices/{invoice.id}").json()
    for field in ("total_net", "total_vat", "total_gross", "paid", "outstanding"):
        assert MONEY.match(body[field]), (field, body[field])
    assert body["outstanding"] == "0.00" and body["status"] == "paid"
    assert body["paid"] == f"{invoice.total_gross:.2f}"
    first = body["lines"][0]
    assert MONEY.match(first["net_amount"])
    assert first["unit_price"] == "0.125"
    assert first["quantity"] == "1.5"
    assert not re.search(r"[0-9]E[+-]?[0-9]", json.dumps(body))
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["InvoiceOut"]["properties"]["paid"]["type"] == "string"
    assert schemas["LineOut"]["properties"]["net_amount"]["type"] == "string"
