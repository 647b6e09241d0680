"""Invoices as a rights participant (rekisteri.core.participants).

The engine reaches invoices itself (their ``billing_contact`` path leads to
the person) and reads the bookkeeping copy sealed under the contact's
bookkeeping key. What it cannot know is the date until which an invoice is
kept: an invoice is an accounting voucher, kept six years from the end of
the calendar year in which its financial year ended (Accounting Act 2:10).
The financial year is the calendar year, so the invoice of 15.3.2026 is
kept until 31.12.2032.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rekisteri.core.participants import Participant

VOUCHER_YEARS = 6


def voucher_kept_until(invoice: Any) -> dt.date | None:
    """31.12. of the sixth year after the invoice's financial year."""
    day = invoice.invoice_date or (
        invoice.created_at.date() if invoice.created_at else None
    )
    if day is None:
        return None
    return dt.date(day.year + VOUCHER_YEARS, 12, 31)


PARTICIPANT_ENTRY = Participant(
    name="billing.vouchers",
    until={"billing.Invoice": voucher_kept_until},
)
