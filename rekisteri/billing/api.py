"""The invoicing API (read-only for now): an invoice with its lines, totals,
references and computed payment status.

Writes stay in the staff UI until the token scopes know the billing
permissions (``rekisteri.accounts.api.WRITE_PERMS``). Reading an invoice
shows the billing contact's name, so it is audited like the invoice page.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.audit.services import audit_record
from rekisteri.billing import payments, selectors, services
from rekisteri.core import formats

router = Router(tags=["billing"])


class LineOut(Schema):
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_code: str
    vat_rate: Decimal
    net_amount: Decimal


class InvoiceOut(Schema):
    id: str
    kind: str
    state: str
    status: str
    number: int | None
    organization_id: str
    invoice_date: dt.date | None
    due_date: dt.date | None
    reference: str | None
    rf_reference: str | None
    billing_contact: str
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    paid: Decimal
    outstanding: Decimal
    lines: list[LineOut]


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="Get an invoice")
@requires(Perm.BILLING_VIEW)
def invoice_detail(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    """One invoice or credit note with its computed payment status."""
    user = request.auth  # type: ignore[attr-defined]
    invoice = selectors.invoice_get(user=user, invoice_id=invoice_id)
    audit_record(
        actor=user,
        action="invoice.view",
        target_type="invoice",
        target_id=invoice.pk,
        subject_id=invoice.billing_contact_id,
        fields=services.CONTACT_FIELDS,
        categories=services.CONTACT_CATEGORIES,
        purpose=services.PURPOSE,
        request=request,
    )
    balance = payments.balance_of(invoice)
    return {
        "id": str(invoice.pk),
        "kind": invoice.kind,
        "state": invoice.state,
        "status": balance.status,
        "number": invoice.number,
        "organization_id": str(invoice.organization_id),
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "reference": invoice.reference,
        "rf_reference": formats.rf_reference(invoice.reference)
        if invoice.reference
        else None,
        "billing_contact": str(invoice.contact_name),
        "total_net": invoice.total_net,
        "total_vat": invoice.total_vat,
        "total_gross": invoice.total_gross,
        "paid": balance.paid,
        "outstanding": balance.outstanding,
        "lines": list(invoice.lines.all()),
    }
