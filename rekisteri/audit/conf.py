"""The audit log's settings (docs/security.md, Audit log).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_int

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_AUDIT_RETENTION_YEARS",
        5,
        "Years an audit event is kept before manage.py audit purge removes it.",
        env=env_int,
    ),
)
setting = SETTINGS.value
