"""The controller's own retention periods (docs/retention.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default. :func:`value` refuses a period that is not a whole number of 0 or
more, naming it; ``manage.py check`` reports the same (``retention.E001``).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from rekisteri.core.conf import AppSettings, Setting, env_int

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_RETENTION_GRACE_MONTHS",
        6,
        "Months kept after the end of a person's last role or contract party, "
        "or of an organization's customer relationship.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_RETENTION_MARKETING_MONTHS",
        24,
        "Months a prospect's data is kept after the last interaction.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_RETENTION_CASE_YEARS",
        3,
        "Years a closed rights-request case is kept.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_RETENTION_LOCK_STALE_MINUTES",
        30,
        "Minutes after which a sweep lock whose holder has not reported is "
        "stale and taken over.",
    ),
)
setting = SETTINGS.value

PERIODS = tuple(item.name for item in SETTINGS)


def value(name: str) -> int:
    """The period ``name`` (one of :data:`PERIODS`), checked."""
    number = setting(name)
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of 0 or more.")
    return number
