"""Settings for the test suite: the normal settings with fixed test keys.

Tests never depend on a developer's key file, and nothing here is secret.
"""

import os

os.environ.setdefault(
    "REKISTERI_MASTER_KEY", "test-1:dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE"
)
os.environ.setdefault(
    "REKISTERI_INDEX_KEY", "dGVzdC1pbmRleC1rZXktLTMyLWJ5dGVzLWxvbmchISE"
)

from rekisteri.settings import *  # noqa: E402, F403

# Read the key ring on every wrap, and no wait before rotation's last pass.
REKISTERI_KEYRING_CHECK_SECONDS = 0

# Tests never reach PRH: a closed loopback port, no retries. Tests of the
# client give it an httpx.MockTransport instead.
REKISTERI_PRH_BASE_URL = "http://127.0.0.1:9/opendata-ytj-api/v3"
REKISTERI_PRH_RETRIES = 0
REKISTERI_PRH_TIMEOUT = 2.0

# Every {% kept %} fragment is checked against the fragment rendered in full.
REKISTERI_KEPT_CHECK = True

# Tasks run in the calling thread, queued in memory.
HUEY = {"huey_class": "huey.MemoryHuey", "name": "rekisteri-test", "immediate": True}
