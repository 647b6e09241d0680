"""The financial year and the calendar arithmetic of retention periods.

The financial year (tilikausi) ends on the last day of a month, the same
month every year (``REKISTERI_FINANCIAL_YEAR_END_MONTH``, 12 for the
calendar year; kirjanpitolaki 1:4). The Accounting Act's periods (2:10)
run from its end:

- vouchers (an invoice) are kept until 31.12. of the sixth year after the
  calendar year in which the financial year ended;
- the books are kept ten years from the end of the financial year.

The number of years is dated data (``retention.LegalPeriod``); this module
only does the arithmetic, so the billing app (below the retention app) and
the retention engine compute the same dates. An app above may register a
``years(rule, financial_year_end) -> int`` source (:func:`register_years`);
without one the statutory numbers of today are used.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from rekisteri.core.conf import setting

STATUTORY_YEARS = {"bookkeeping_voucher": 6, "bookkeeping_book": 10}

YearsSource = Callable[[str, dt.date], int]
_years_source: list[YearsSource] = []


def register_years(source: YearsSource) -> None:
    """Register (or replace) where the legal periods' years come from."""
    _years_source[:] = [source]


def legal_years(rule: str, financial_year_end: dt.date) -> int:
    if _years_source:
        return _years_source[0](rule, financial_year_end)
    return STATUTORY_YEARS[rule]


def end_month() -> int:
    month = int(setting("REKISTERI_FINANCIAL_YEAR_END_MONTH"))
    if not 1 <= month <= 12:
        raise ValueError("REKISTERI_FINANCIAL_YEAR_END_MONTH must be 1-12")
    return month


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)
def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end
    (29.2.2024 + 12 months is 28.2.2025). Remembered: a recompute asks it
    for thousands of subjects whose roles ended on the same few days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def financial_year_end(day: dt.date, month: int | None = None) -> dt.date:
    """The last day of the financial year that contains ``day``."""
    month = end_month() if month is None else month
    year = day.year if day.month <= month else day.year + 1
    return month_end(year, month)


def voucher_until(day: dt.date, month: int | None = None) -> dt.date:
    """A voucher dated ``day`` is kept until 31.12. of the sixth year after
    the calendar year in which its financial year ended."""
    fy_end = financial_year_end(day, month)
    return dt.date(fy_end.year + legal_years("bookkeeping_voucher", fy_end), 12, 31)


def book_until(day: dt.date, month: int | None = None) -> dt.date:
    """The books of the financial year containing ``day`` are kept ten years
    from its end: to the end of the same month ten years later (a year
    ending 28.2.2030 is kept until 29.2.2040)."""
    fy_end = financial_year_end(day, month)
    later = add_months(fy_end, 12 * legal_years("bookkeeping_book", fy_end))
    return month_end(later.year, later.month)
