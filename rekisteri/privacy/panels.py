"""Panels other apps add to the privacy office's dashboard and navigation.

The privacy app sits below the apps that handle privacy work (rights
requests, for one), so it does not import them: each registers a provider
in its ``AppConfig.ready``. A provider gets the user and today's date and
returns a :class:`Panel` (or None to show nothing to that user).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rekisteri.privacy.charts import BarChart


@dataclass(frozen=True)
class Panel:
    """Counts with links, charts, and a navigation entry."""

    title: str
    url: str
    # (label, value, tone, url): tone is a chart__bar/badge modifier.
    counts: list[tuple[str, int, str, str]] = field(default_factory=list)
    charts: list[BarChart] = field(default_factory=list)
    # URL names (``namespace:name``) whose pages mark the nav entry current.
    namespace: str = ""


PanelProvider = Callable[[Any, dt.date], Panel | None]
_providers: dict[str, PanelProvider] = {}


def register(name: str, provider: PanelProvider) -> None:
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def panels(user: Any, today: dt.date) -> list[Panel]:
    found = []
    for name in sorted(_providers):
        panel = _providers[name](user, today)
        if panel is not None:
            found.append(panel)
    return found
