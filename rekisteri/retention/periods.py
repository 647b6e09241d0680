"""The Accounting Act's periods as dated data (``LegalPeriod``)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ImproperlyConfigured

from rekisteri.retention.models import LegalPeriod

_cache: dict[str, object] = {"at": 0.0, "rows": None}
CACHE_SECONDS = 60.0


def _rows() -> list[tuple[str, int, dt.date, dt.date | None]]:
    now = time.monotonic()
    rows = _cache["rows"]
    if rows is None or now - float(_cache["at"]) > CACHE_SECONDS:  # type: ignore[arg-type]
        rows = list(
            LegalPeriod.objects.values_list("rule", "years", "valid_from", "valid_to")
        )
        _cache.update(at=now, rows=rows)
    return rows  # type: ignore[return-value]


def clear_cache() -> None:
    _cache.update(at=0.0, rows=None)


def years_for(rule: str, financial_year_end: dt.date) -> int:
    """Years of ``rule`` for a financial year ending on that day."""
    for code, years, start, end in _rows():
        if (
            code == rule
            and start <= financial_year_end
            and (end is None or financial_year_end <= end)
        ):
            return years
    raise ImproperlyConfigured(
        f"No legal period for the retention rule {rule!r} covers a financial "
        f"year ending {financial_year_end.isoformat()}: add one "
        "(retention.LegalPeriod, docs/retention.md)."
    )
