"""The controller's own retention periods (docs/retention.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default. :func:`value` refuses a period that is not a whole number of 0 or
more, naming it; ``manage.py check`` reports the same (``retention.E001``).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from rekisteri.core.conf import AppSettings, Setting, env_float, env_int

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
    Setting(
        "REKISTERI_RETENTION_SWEEP_BATCH_SECONDS",
        1.0,
        "Seconds an erasing sweep's batch aims to take on SQLite, where its "
        "transaction holds the database's one write lock; below the database's "
        "5-second busy timeout.",
        env=env_float,
    ),
)
setting = SETTINGS.value

BATCH_SECONDS = "REKISTERI_RETENTION_SWEEP_BATCH_SECONDS"
BUSY_TIMEOUT_SECONDS = 5.0  # settings.py: PRAGMA busy_timeout=5000
PERIODS = tuple(item.name for item in SETTINGS if item.name != BATCH_SECONDS)


def value(name: str) -> int:
    """The period ``name`` (one of :data:`PERIODS`), checked."""
    number = setting(name)
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of 0 or more.")
    return number


def batch_seconds() -> float:
    """:data:`BATCH_SECONDS`, checked: a batch that held SQLite's write lock
    past the busy timeout would make every writer waiting for it fail."""
    number = setting(BATCH_SECONDS)
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or not 0 < number < BUSY_TIMEOUT_SECONDS
    ):
        raise ImproperlyConfigured(
            f"{BATCH_SECONDS} must be a number of seconds above 0 and below "
            f"{BUSY_TIMEOUT_SECONDS:g} (the database's busy timeout)."
        )
    return float(number)
