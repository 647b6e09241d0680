"""The rights engine's settings (docs/rights.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_int

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_STAFF_EXPORT_DAYS",
        7,
        "Days a staff member's stored export of a person can be downloaded "
        "before the daily job removes it.",
        env=env_int,
    ),
)
setting = SETTINGS.value
