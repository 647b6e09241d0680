"""The public notice and the staff pages give a version the same date."""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from rekisteri.privacy import notice

# 23:30 UTC on 1 March is 01:30 on 2 March in Helsinki.
LATE_EVENING_UTC = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)


def test_the_notice_footer_date_is_the_local_date_staff_pages_show():
    with translation.override("fi"):
        staff = date_filter(timezone.localtime(LATE_EVENING_UTC), "j.n.Y")
    assert staff == "2.3.2026"
    assert notice._date(LATE_EVENING_UTC, "fi") == staff
    assert notice._date(LATE_EVENING_UTC, "en") == "2026-03-02"
