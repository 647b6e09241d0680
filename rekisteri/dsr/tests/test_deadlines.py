"""Art. 12(3) deadlines counted as Regulation 1182/71 counts periods."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekisteri.core.periods import (
    add_months,
    extended_deadline,
    is_public_holiday,
    is_working_day,
    response_deadline,
)

D = dt.date


@pytest.mark.parametrize(
    ("received", "deadline", "why"),
    [
        (D(2026, 3, 10), D(2026, 4, 10), "same date next month, a Friday"),
        (D(2026, 1, 15), D(2026, 2, 16), "Sunday 15 Feb moves to Monday"),
        (D(2026, 1, 31), D(2026, 3, 2), "28 Feb (no 31st) is a Saturday"),
        (D(2026, 3, 31), D(2026, 4, 30), "April has no 31st: its last day"),
        (D(2026, 12, 31), D(2027, 2, 1), "year end: 31 Jan 2027 is a Sunday"),
        # Leap years: 29 February exists in 2028, not in 2027.
        (D(2028, 1, 31), D(2028, 2, 29), "leap year: last day of February"),
        (D(2028, 1, 29), D(2028, 2, 29), "leap year: the same date exists"),
        (D(2027, 1, 29), D(2027, 3, 1), "no 29 Feb 2027: the 28th, a Sunday"),
        (D(2024, 2, 29), D(2024, 4, 2), "29 Mar 2024 Good Friday, Easter Monday"),
        # Easter-based holidays.
        (D(2026, 3, 3), D(2026, 4, 7), "3 Apr 2026 Good Friday to Tuesday"),
        (D(2026, 4, 14), D(2026, 5, 15), "Ascension Day 14 May 2026"),
        (D(2026, 5, 19), D(2026, 6, 22), "Midsummer Eve and Day 2026"),
        # Fixed holidays.
        (D(2026, 4, 1), D(2026, 5, 4), "May Day, a Friday in 2026"),
        (D(2027, 11, 6), D(2027, 12, 7), "Independence Day, a Monday in 2027"),
        (D(2026, 11, 24), D(2026, 12, 28), "Christmas Eve to Boxing Day 2026"),
        (D(2026, 12, 6), D(2027, 1, 7), "Epiphany, a Wednesday in 2027"),
        (D(2026, 12, 1), D(2027, 1, 4), "New Year's Day 2027 is a Friday"),
    ],
)
def test_response_deadline(received, deadline, why):
    assert response_deadline(received) == deadline, why


def test_finnish_holidays_come_from_the_library():
    assert is_public_holiday(D(2026, 4, 6))  # Easter Monday
    assert is_public_holiday(D(2026, 12, 6))  # Independence Day
    assert is_public_holiday(D(2026, 10, 31))  # All Saints' Day (Saturday)
    assert not is_public_holiday(D(2026, 4, 7))
    assert not is_working_day(D(2026, 1, 6))  # Epiphany, a Tuesday
    assert is_working_day(D(2026, 1, 7))


@pytest.mark.parametrize(
    ("received", "months", "deadline"),
    [
        # 28 Feb 2026 + two months = 28 Apr 2026, a Tuesday.
        (D(2026, 1, 31), 2, D(2026, 4, 28)),
        # 10 Apr + one month = 10 May 2026, a Sunday.
        (D(2026, 3, 10), 1, D(2026, 5, 11)),
        # 29 Feb 2028 + two months = 29 Apr 2028, a Saturday.
        (D(2028, 1, 29), 2, D(2028, 5, 2)),
    ],
)
def test_extended_deadline(received, months, deadline):
    assert extended_deadline(received, months) == deadline


@pytest.mark.parametrize("months", [0, 3, -1])
def test_extension_is_one_or_two_months(months):
    with pytest.raises(ValueError):
        extended_deadline(D(2026, 1, 1), months)


days = st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31))
# Pure date arithmetic: on a loaded machine wall-clock limits only add noise.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(days, st.integers(min_value=0, max_value=36))
def test_add_months_keeps_the_date_or_takes_the_last_day(day, months):
    end = add_months(day, months)
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == months
    if end.day != day.day:
        assert end.day < day.day
        assert (end + dt.timedelta(days=1)).day == 1  # the last day of the month


@relaxed
@given(days)
def test_deadline_is_the_first_working_day_on_or_after_a_month(received):
    unmoved = add_months(received, 1)
    deadline = response_deadline(received)
    assert is_working_day(deadline)
    assert deadline >= unmoved > received
    # Nothing between is a working day: the period was moved no further
    # than needed (Saturday 22 Dec to Wednesday 26 Dec is the longest run).
    day = unmoved
    while day < deadline:
        assert not is_working_day(day)
        day += dt.timedelta(days=1)
    assert (deadline - unmoved).days <= 5


@relaxed
@given(days, st.sampled_from([1, 2]))
def test_extension_never_shortens_the_deadline(received, months):
    extended = extended_deadline(received, months)
    assert is_working_day(extended)
    assert extended > response_deadline(received)
