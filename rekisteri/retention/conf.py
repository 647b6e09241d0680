"""The controller's own retention periods (``REKISTERI_RETENTION``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

REQUIRED = (
    "relationship_grace_months",
    "marketing_months",
    "privacy_case_years",
    "lock_stale_minutes",
)


def value(name: str) -> int:
    conf = getattr(settings, "REKISTERI_RETENTION", None) or {}
    if name not in conf:
        raise ImproperlyConfigured(
            f"REKISTERI_RETENTION has no {name!r}: set it in the settings "
            "(docs/retention.md lists every period)."
        )
    number = conf[name]
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ImproperlyConfigured(
            f"REKISTERI_RETENTION[{name!r}] must be a whole number of 0 or more."
        )
    return number
