"""`manage.py check --deploy` with the production settings is clean of the
TLS warnings (W005 subdomains, W008 redirect, W021 preload)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_with_https_has_no_tls_warnings(tmp_path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "KEYSTORE_DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="rekisteri.settings_test",
        REKISTERI_VAR_DIR=str(tmp_path),
        REKISTERI_HTTPS="1",
        REKISTERI_SECRET_KEY=secrets.token_urlsafe(50),
        REKISTERI_ALLOWED_HOSTS="rekisteri.example.fi",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    for warning in ("security.W005", "security.W008", "security.W021"):
        assert warning not in output, output
