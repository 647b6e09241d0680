"""The invoicing API (read-only for now): an invoice with its lines, totals,
references and computed payment status.

Writes stay in the staff UI until the token scopes know the billing
permissions (``rekisteri.accounts.api.WRITE_PERMS``). Reading an invoice
shows the billing contact's name, so it is audited like the invoice page.

No ``from __future__ import annotations``: see rekisteri.accounts.api.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import PlainSerializer, WithJsonSchema

from rekisteri.accounts.api import requires
from rekisteri.accounts.permissions import Perm
from rekisteri.audit.services import audit_record
from rekisteri.billing import payments, selectors, services
from rekisteri.billing.models import CENT
from rekisteri.core import formats

router = Router(tags=["billing"])


def _money(value: Decimal) -> str:
    """``0E-12`` → ``"0.00"``, ``1E+20`` → ``"100000000000000000000.00"``."""
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _price(value: Decimal) -> str:
    """A unit price: two to four decimals, plain notation."""
    text = f"{Decimal(value).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):f}"
    whole, decimals = text.split(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _plain(value: Decimal) -> str:
    """A quantity or rate in plain notation, no exponent: ``1E+2`` → ``"100"``."""
    return f"{Decimal(value).normalize():f}"


# Every decimal in the API is a string in plain notation; money has exactly
# two decimals. The serialisers run in the schema, so no operation can leak
# a Decimal's internal form ("0E-12", "787.510000000000", "1.0E+20").
Money = Annotated[
    Decimal,
    PlainSerializer(_money, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "125.50"}
    ),
]
Price = Annotated[
    Decimal,
    PlainSerializer(_price, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2,4}$", "example": "0.1250"}
    ),
]
PlainDecimal = Annotated[
    Decimal,
    PlainSerializer(_plain, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "example": "25.5"}
    ),
]


class LineOut(Schema):
    position: int
    description: str
    quantity: PlainDecimal
    unit: str
    unit_price: Price
    vat_code: str
    vat_rate: PlainDecimal
    net_amount: Money


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
    total_net: Money
    total_vat: Money
    total_gross: Money
    paid: Money
    outstanding: Money
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
