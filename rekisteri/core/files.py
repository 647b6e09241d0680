"""Owner-only files: SQLite databases, their -wal/-shm files and backups.

The settings set the process umask to 077, so what this process creates is
private. A database created by an earlier version (0644) is tightened on the
first connection.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


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
