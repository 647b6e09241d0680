"""Date arithmetic for notice periods."""

from __future__ import annotations

import calendar
import datetime as dt

from rekisteri.contracts.choices import NoticeUnit

# Upper bounds a notice period may have; longer ones are typing mistakes.
MAX_NOTICE = {NoticeUnit.DAYS: 730, NoticeUnit.MONTHS: 36}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end.

    31 January + 1 month is 28/29 February: notice "of one month" given on
    the last day of January runs out at the end of February.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def notice_end(notice_given_on: dt.date, period: int, unit: str) -> dt.date:
    """The earliest termination date for notice given on ``notice_given_on``."""
    if unit == NoticeUnit.DAYS:
        return notice_given_on + dt.timedelta(days=period)
    return add_months(notice_given_on, period)
