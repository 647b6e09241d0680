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
