"""The key store's settings (docs/security.md, Keys).

Declared and read as ``rekisteri/core/conf.py`` describes. The master keys
themselves (``REKISTERI_MASTER_KEY``, ``REKISTERI_INDEX_KEY``) are read from
the environment by ``rekisteri/core/crypto/master.py`` and never become
settings.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from rekisteri.core.conf import AppSettings, Setting, env_float, env_path

SETTINGS = AppSettings(
    __name__,
    Setting(
        "REKISTERI_MASTER_KEY_FILE",
        lambda: Path(settings.VAR_DIR) / "keys" / "master.json",
        "The master-key file (0600) when the environment keys are not set.",
        env=env_path,
    ),
    Setting(
        "REKISTERI_KEYRING_CHECK_SECONDS",
        2.0,
        "Seconds a process trusts its copy of the key ring; keys rotate-master "
        "waits this long before its final pass.",
        env=env_float,
    ),
)
setting = SETTINGS.value
