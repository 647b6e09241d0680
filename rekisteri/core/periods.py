"""Periods of EU law counted as Regulation (EEC, Euratom) No 1182/71 counts
them: the time limit of a rights request (GDPR Art. 12(3)) and the month in
which a person whose data came from a third party is informed (Art. 14(3)).

* The day of the event (receipt of the request) is not counted: a period
  expressed in months starts at the beginning of the next day and ends at the
  end of the day that has the same date as the day of receipt, N months
  later; when that month has no such date, at the end of its last day
  (Art. 3(1) and 3(2)(c)).
* A period whose last day is a public holiday, a Saturday or a Sunday ends at
  the end of the next working day (Art. 3(4)). Public holidays are Finland's,
  from the maintained ``holidays`` package.

The extension (Art. 12(3), second sentence) is "by two further months": it is
counted from the end of the original period as a further period of months,
moved to a working day the same way.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache

import holidays

MAX_EXTENSION_MONTHS = 2


@cache
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FI", years=year)


def is_public_holiday(day: dt.date) -> bool:
    """A Finnish public holiday (fixed or Easter-based; Midsummer Eve, which
    is a day off in practice, is in the package's calendar as well)."""
    return day in _finnish_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date ``months`` later, or the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of a period of ``months`` from the event on ``start``, moved
    to the next working day."""
    if months < 0:
        raise ValueError("months must not be negative")
    return next_working_day(add_months(start, months))


def response_deadline(received_on: dt.date) -> dt.date:
    """The Art. 12(3) deadline of a request received on ``received_on``."""
    return period_end(received_on, 1)


def extended_deadline(received_on: dt.date, months: int) -> dt.date:
    """The deadline after extending by ``months`` (1 or 2) further months.

    The further months are counted from the unmoved end of the first month,
    so a first month that ended on a holiday does not push the extension.
    """
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError("an extension is one or two months")
    return period_end(add_months(received_on, 1), months)
