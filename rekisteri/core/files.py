"""Owner-only files: SQLite databases, their -wal/-shm files and backups.

:func:`prepare_process` sets the process umask to 077, so what this process
creates is private, and makes ``var/`` (0700). The entry points call it
before Django loads the apps (``manage.py``, ``rekisteri/wsgi.py``: the job
queue opens its SQLite file under ``var/`` while the apps load), and the core
app's ``ready`` calls it again for processes that set Django up themselves
(the test runner, the benchmarks). The settings module does none of it: it
only reads the environment. A database created by an earlier version (0644)
is tightened on the first connection.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def prepare_var_dir(var_dir: Path, static_root: Path | None = None) -> None:
    """Owner-only files from now on, ``var_dir`` in place with mode 0700 and
    the static root (which WhiteNoise expects to exist) made."""
    os.umask(0o077)
    var_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    with contextlib.suppress(PermissionError):
        var_dir.chmod(PRIVATE_DIR)
    if static_root is not None:
        static_root.mkdir(parents=True, exist_ok=True)


def prepare_process() -> None:
    """:func:`prepare_var_dir` for the configured ``VAR_DIR`` and
    ``STATIC_ROOT``; reading them loads the settings, not the apps."""
    prepare_var_dir(Path(settings.VAR_DIR), Path(settings.STATIC_ROOT))


@functools.cache
def local_secret_key(var_dir: Path) -> str:
    """The signing key of a local installation, read on first use.

    Kept in ``var_dir/secret_key`` (mode 0600) so sessions survive restarts;
    made at random the first time. Production sets REKISTERI_SECRET_KEY and
    never reaches this.
    """
    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    """chmod ``path`` to ``mode`` if it exists and is looser."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if os.stat(path).st_mode & 0o777 & ~mode:
            os.chmod(path, mode)


def tighten_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: a SQLite file and its companions
    are owner-only."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        make_private(Path(name + suffix))
