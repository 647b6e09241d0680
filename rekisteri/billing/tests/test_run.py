"""The invoice run: validated as a whole, issued in batches, gapless."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from rekisteri.audit.models import AuditEvent
from rekisteri.billing.choices import InvoiceState
from rekisteri.billing.finvoice import finvoice_bytes
from rekisteri.billing.models import Invoice, InvoiceLine, InvoiceSeries
from rekisteri.billing.run import RunItem, invoice_run
from rekisteri.core.errors import ValidationFailed
from rekisteri.testing import make_org, make_person
from rekisteri.testing.billing import (
    line,
    make_billing_contact,
    make_invoice,
    make_seller,
)

pytestmark = pytest.mark.django_db


def items(n: int) -> list[RunItem]:
    result = []
    for _i in range(n):
        org, contact = make_billing_contact()
        result.append(
            RunItem(
                organization=org,
                billing_contact=contact,
                lines=[line(quantity="2"), line(vat_code="reduced_1")],
            )
        )
    return result


def test_a_run_issues_numbered_invoices_like_one_by_one():
    single = make_invoice(invoice_date=dt.date(2026, 9, 1))
    run = items(5)
    issued = invoice_run(
        actor=None, items=run, invoice_date=dt.date(2026, 9, 1), batch_size=2
    )
    assert [i.number for i in issued] == list(
        range(single.number + 1, single.number + 6)
    )
    assert InvoiceSeries.objects.get().next_number == single.number + 6
    stored = Invoice.objects.get(pk=issued[0].pk)
    assert stored.state == InvoiceState.ISSUED
    assert stored.due_date == dt.date(2026, 9, 15)
    assert stored.contact_name == run[0].billing_contact.full_name
    assert stored.total_gross == Decimal("251.00") + Decimal("113.50")
    assert stored.reference.startswith(run[0].organization.customer_number)
    assert stored.lines.count() == 2
    assert finvoice_bytes(stored).startswith(b"<?xml")
    assert AuditEvent.objects.filter(action="invoice.issue").count() == 6
    # Issued by the run, they are vouchers like any other.
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=stored).update(unit_price=1)


def test_one_bad_item_stops_the_whole_run_before_anything_is_written():
    make_seller()
    run = items(3)
    run[1].lines = [line(quantity="-1")]
    run[2].billing_contact = make_person()
    run.append(
        RunItem(
            organization=make_org(),  # no postal address, no contact role
            billing_contact=run[0].billing_contact,
            lines=[line(vat_code="nope")],
        )
    )
    with pytest.raises(ValidationFailed) as exc:
        invoice_run(actor=None, items=run)
    assert set(exc.value.fields) == {
        "items.1.lines.0.quantity",
        "items.2.billing_contact",
        "items.3.billing_contact",
        "items.3.organization",
        "items.3.lines.0.vat_code",
    }
    assert not Invoice.objects.exists()
    assert not InvoiceSeries.objects.exists()
