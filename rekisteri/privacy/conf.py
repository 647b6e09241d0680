"""The privacy office's settings (docs/privacy-office.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_str

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_HOSTING_COUNTRY",
        "FI",
        "Where the servers are (ISO 3166 alpha-2); manage.py check and the "
        "privacy notice's transfer section read it.",
        env=env_str,
    ),
    Setting(
        "REKISTERI_HOSTING_TRANSFER_MECHANISM",
        "none",
        "The transfer mechanism (adequacy or scc) a country outside the EU/EEA needs.",
        env=env_str,
    ),
)
setting = SETTINGS.value
