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

from rekisteri.core import fiscal
from rekisteri.core.participants import Participant


def voucher_kept_until(invoice: Any) -> dt.date | None:
    """31.12. of the sixth year after the invoice's financial year ended."""
    day = invoice.invoice_date or (
        invoice.created_at.date() if invoice.created_at else None
    )
    if day is None:
        return None
    return fiscal.voucher_until(day)


PARTICIPANT_ENTRY = Participant(
    name="billing.vouchers",
    until={"billing.Invoice": voucher_kept_until},
)
