"""The PRH / YTJ connector's settings (docs/connectors.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_float, env_int, env_str

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_PRH_BASE_URL",
        "https://avoindata.prh.fi/opendata-ytj-api/v3",
        "The PRH open data API v3.",
        env=env_str,
    ),
    Setting(
        "REKISTERI_PRH_TIMEOUT",
        20.0,
        "Seconds per request.",
        env=env_float,
    ),
    Setting(
        "REKISTERI_PRH_RETRIES",
        5,
        "Retries after the first attempt, on 429 and 5xx.",
        env=env_int,
    ),
    Setting(
        "REKISTERI_PRH_BACKOFF",
        1.0,
        "Seconds before the first retry, doubled per retry.",
        env=env_float,
    ),
    Setting(
        "REKISTERI_PRH_RETRY_MAX_WAIT",
        60.0,
        "Cap on one wait in seconds, Retry-After included.",
        env=env_float,
    ),
    Setting(
        "REKISTERI_PRH_MAX_PAGES",
        1000,
        "Pages of one search at most.",
        env=env_int,
    ),
)
setting = SETTINGS.value
