"""var/, every database and every backup are owner-only after a real start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_var_databases_and_backups_are_owner_only(tmp_path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    # A database left by an earlier version with the usual 0644.
    (var / "keys.sqlite3").touch()
    (var / "keys.sqlite3").chmod(0o644)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "KEYSTORE_DATABASE_URL"}
    }
    env.update(
        REKISTERI_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="rekisteri.settings_test",
    )
    run = [sys.executable, str(ROOT / "manage.py")]
    # A loose umask, as a shell often has: the settings must not rely on it.
    subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$@"', "sh", *run, "migrate_all", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$@"', "sh", *run, "backup", "create"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    assert mode(var) == 0o700
    files = [p for p in var.rglob("*") if p.is_file() and "static" not in p.parts]
    names = {p.name for p in files}
    assert {"rekisteri.sqlite3", "keys.sqlite3"} <= names
    assert any(name.endswith(".rkb") for name in names)
    loose = {str(p.relative_to(var)): oct(mode(p)) for p in files if mode(p) != 0o600}
    assert loose == {}
    dirs = [p for p in var.rglob("*") if p.is_dir() and "static" not in p.parts]
    assert {
        str(p.relative_to(var)): oct(mode(p)) for p in dirs if mode(p) != 0o700
    } == {}
