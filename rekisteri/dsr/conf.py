"""The rights-request portal's settings (docs/requests.md).

Declared and read as ``rekisteri/core/conf.py`` describes: the settings
module's value, else the environment variable of the same name, else the
default.
"""

from __future__ import annotations

from rekisteri.core.conf import AppSettings, Setting, env_int

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_DSR_PER_ADDRESS",
        3,
        "Portal submissions per hour for one email address from one client "
        "network (an IPv4 address, an IPv6 /64).",
        env=env_int,
    ),
    Setting(
        "REKISTERI_DSR_PER_ADDRESS_TOTAL",
        10,
        "Portal submissions per hour for one email address from all clients "
        "(the most mail one mailbox receives from the portal).",
        env=env_int,
    ),
    Setting(
        "REKISTERI_DSR_PER_CLIENT",
        20,
        "Portal submissions per hour from one client network.",
        env=env_int,
    ),
)
setting = SETTINGS.value
