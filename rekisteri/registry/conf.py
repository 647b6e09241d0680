"""The register's settings.

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_int

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_CUSTOMER_NUMBER_START",
        1000,
        "The first customer-number base; a number is the next value and a "
        "7-3-1 check digit, never reused.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_AUDIT_READS",
        True,
        "Whether the register's reads are audited: always, but for the audit "
        "benchmark's baseline (no environment variable turns it off).",
    ),
)
setting = SETTINGS.value
