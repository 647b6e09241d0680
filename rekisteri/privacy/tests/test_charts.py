"""Chart geometry."""

from rekisteri.privacy.charts import BAR_AREA, bar_chart


def test_bars_scale_to_the_largest_value_and_zero_draws_nothing():
    chart = bar_chart("t", [("a", 4, "overdue"), ("b", 2, "upcoming"), ("c", 0, "ok")])
    widths = [b.width for b in chart.bars]
    assert widths == [BAR_AREA, BAR_AREA // 2, 0]
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)
    assert chart.height > chart.bars[-1].y


def test_an_empty_series_has_no_division_by_zero():
    chart = bar_chart("t", [("a", 0, "ok")])
    assert chart.bars[0].width == 0
