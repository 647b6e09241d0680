"""Invoices as a rights participant (rekisteri.core.participants).

The engine reaches invoices itself (their ``billing_contact`` path leads to
the person) and reads the bookkeeping copy sealed under the contact's
bookkeeping key. What it cannot know is the date until which an invoice is
kept: an invoice is an accounting voucher, kept six years from the end of
the calendar year in which its financial year ended (Accounting Act 2:10).
With the calendar year as the financial year the invoice of 15.3.2026 is
kept until 31.12.2032. The financial year and the legal period come from
``rekisteri.core.fiscal`` (the setting and the retention app's dated legal
periods), so the export and the retention engine name the same date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rekisteri.billing.models import Invoice
from rekisteri.core import compiled, fiscal, idlist
from rekisteri.core.participants import Participant


def voucher_kept_until(invoice: Any) -> dt.date | None:
    """31.12. of the sixth year after the invoice's financial year ended."""
    day = invoice.invoice_date or (
        invoice.created_at.date() if invoice.created_at else None
    )
    if day is None:
        return None
    return fiscal.voucher_until(day)


def vouchers_kept_until(invoices: list[Any]) -> dict[Any, dt.date | None]:
    """:func:`voucher_kept_until` of many invoices: invoice id → date. The
    dates of invoices located without them (the erasure plan reads rows with
    only what locates them, rights.engine) are read together, one query per
    500."""
    wanted = [
        i.pk
        for i in invoices
        if {"invoice_date", "created_at"} & i.get_deferred_fields()
    ]
    read: dict[Any, tuple[Any, Any]] = {}
    for chunk in idlist.chunks(wanted):
        # Compiled once per process (core/compiled.py): every plan asks it.
        for pk, invoice_date, created_at in compiled.among_rows(
            "billing.rights.voucher_dates",
            lambda keys: (
                Invoice.objects.filter(idlist.among("pk", keys))
                .order_by()
                .values_list("pk", "invoice_date", "created_at")
            ),
            chunk,
            model=Invoice,
        ):
            read[pk] = (invoice_date, created_at)
    out: dict[Any, dt.date | None] = {}
    month = fiscal.end_month()
    until: dict[dt.date, dt.date] = {}  # a voucher's day → its date, once
    for invoice in invoices:
        if invoice.pk in read:
            invoice_date, created_at = read[invoice.pk]
        elif invoice.get_deferred_fields():
            continue  # removed since it was located
        else:
            invoice_date, created_at = invoice.invoice_date, invoice.created_at
        day = invoice_date or (created_at.date() if created_at else None)
        if day is not None and day not in until:
            until[day] = fiscal.voucher_until(day, month)
        out[invoice.pk] = until[day] if day is not None else None
    return out


PARTICIPANT_ENTRY = Participant(
    name="billing.vouchers",
    until={"billing.Invoice": voucher_kept_until},
    until_many={"billing.Invoice": vouchers_kept_until},
)
