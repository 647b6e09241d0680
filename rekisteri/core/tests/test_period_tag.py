"""``{% period %}`` (core_tags) renders what core/partials/period.html does."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", ["fi", "en"])
@pytest.mark.parametrize(
    "start,end",
    [
        ("2024-03-01", None),
        ("2024-03-01", "2025-11-30"),
        (None, None),
    ],
)
def test_the_period_tag_renders_what_the_period_partial_does(language, start, end):
    role = SimpleNamespace(
        start_date=start and dt.date.fromisoformat(start),
        end_date=end and dt.date.fromisoformat(end),
    )
    with translation.override(language):
        included = Template('{% include "core/partials/period.html" %}').render(
            Context({"role": role})
        )
        tagged = Template(
            "{% load core_tags %}{% period role.start_date role.end_date %}"
        ).render(Context({"role": role}))
    assert tagged == included.removesuffix("\n")


def test_iso_day_is_the_date_filter_in_y_m_d():
    from django.template.defaultfilters import date as date_filter

    from rekisteri.core.templatetags.core_tags import iso_day

    days = [dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(2024, 2, 29)]
    days += [dt.date(2020, 1, 1) + dt.timedelta(days=n) for n in range(0, 3000, 7)]
    for value in days:
        assert iso_day(value) == date_filter(value, "Y-m-d")
    moment = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert iso_day(moment) == date_filter(moment, "Y-m-d")
    assert iso_day(None) == date_filter(None, "Y-m-d") == ""
