"""Small server-rendered SVG charts (no JavaScript, no inline styles: CSP-safe).

A chart is geometry computed here and drawn by a template with classes from
the stylesheet, so the page works with ``style-src 'self'``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: int
    width: int
    y: int
    height: int
    tone: str  # CSS modifier: overdue | upcoming | ok


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int


def bar_chart(
    title: str,
    series: list[tuple[str, int, str]],
    *,
    bar_width: int = 36,
    gap: int = 20,
    height: int = 100,
) -> BarChart:
    """Vertical bars scaled to the largest value; labels are drawn below."""
    top = max([v for _l, v, _t in series] + [1])
    bars = []
    for i, (lbl, value, tone) in enumerate(series):
        h = round(value / top * (height - 20)) if value else 0
        bars.append(
            Bar(
                label=lbl,
                value=value,
                x=gap + i * (bar_width + gap),
                width=bar_width,
                y=height - h,
                height=h,
                tone=tone,
            )
        )
    width = gap + len(series) * (bar_width + gap)
    return BarChart(title=title, bars=bars, width=width, height=height)
