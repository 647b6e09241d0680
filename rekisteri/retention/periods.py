"""The Accounting Act's periods as dated data (``LegalPeriod``)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ImproperlyConfigured

from rekisteri.retention.models import LegalPeriod

_cache: dict[str, object] = {"at": 0.0, "rows": None}
# The Accounting Act 2:10 as migration 0002 seeds it: used only while the
# table holds no period at all (a database being restored or emptied), so a
# write is never refused for want of the law's own default. A table with
# periods that leaves a financial year uncovered is a configuration error.
STATUTORY = {"bookkeeping_voucher": 6, "bookkeeping_book": 10}
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


def _find(rule: str, financial_year_end: dt.date) -> int | None:
    for code, years, start, end in _rows():
        if (
            code == rule
            and start <= financial_year_end
            and (end is None or financial_year_end <= end)
        ):
            return years
    return None


def years_for(rule: str, financial_year_end: dt.date) -> int:
    """Years of ``rule`` for a financial year ending on that day."""
    found = _find(rule, financial_year_end)
    if found is None:
        # The cached rows may predate a period added since (or a table that
        # was being restored): read them again before refusing.
        clear_cache()
        found = _find(rule, financial_year_end)
    if found is not None:
        return found
    if not _rows() and rule in STATUTORY:
        return STATUTORY[rule]
    raise ImproperlyConfigured(
        f"No legal period for the retention rule {rule!r} covers a financial "
        f"year ending {financial_year_end.isoformat()}: add one "
        "(retention.LegalPeriod, docs/retention.md)."
    )
