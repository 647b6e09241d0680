"""Small server-rendered SVG charts (no JavaScript, no inline styles: CSP-safe).

A chart is geometry computed here and drawn by a template with classes from
the stylesheet, so the page works with ``style-src 'self'``. Bars are
horizontal so that labels of any length stay readable, on a phone too.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 200
BAR_AREA = 160
ROW = 22
BAR = 14


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int  # top of the bar
    width: int
    tone: str  # CSS modifier: overdue, upcoming, a clock state

    @property
    def text_y(self) -> int:
        return self.y + BAR - 3

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    bar_x: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 8


def bar_chart(title: str, series: list[tuple[str, int, str]]) -> BarChart:
    """One bar per ``(label, value, tone)``, scaled to the largest value."""
    top = max([v for _l, v, _t in series] + [1])
    bars = [
        Bar(
            label=label,
            value=value,
            y=4 + i * ROW,
            width=round(value / top * BAR_AREA) if value else 0,
            tone=tone,
        )
        for i, (label, value, tone) in enumerate(series)
    ]
    return BarChart(
        title=title,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 30,
        height=8 + len(series) * ROW,
    )
