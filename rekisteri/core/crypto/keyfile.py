"""Create a master key file without starting Django.

    python -m rekisteri.core.crypto.keyfile init [PATH]

PATH defaults to where the settings look: REKISTERI_MASTER_KEY_FILE, else
``$REKISTERI_VAR_DIR/keys/master.json`` (``var/`` by default). Nothing is done
when REKISTERI_MASTER_KEY is set or the file exists. When the file is missing
but the var directory already holds databases or backups, no key is made:
a new key could read none of that data, so the command refuses and says how
to restore the key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rekisteri.core.crypto.master import KeyConfigError, create_key_file

USAGE = "usage: python -m rekisteri.core.crypto.keyfile init [PATH]"


def var_dir() -> Path:
    """The directory the settings keep databases in (REKISTERI_VAR_DIR)."""
    base = Path(__file__).resolve().parents[3]
    return Path(os.environ.get("REKISTERI_VAR_DIR", base / "var"))


def default_path() -> Path:
    """The key file the settings will read."""
    if os.environ.get("REKISTERI_MASTER_KEY_FILE"):
        return Path(os.environ["REKISTERI_MASTER_KEY_FILE"])
    return var_dir() / "keys" / "master.json"


def existing_data(var: Path) -> list[Path]:
    """Databases and backups under ``var`` that a new key could not read."""
    found = [
        path
        for path in (var / "rekisteri.sqlite3", var / "keys.sqlite3")
        if path.exists() and path.stat().st_size > 0
    ]
    backups = var / "backups"
    if backups.is_dir():
        found += sorted(backups.glob("*.rkb"))[:1]
    return found


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[1] != "init":
        print(USAGE, file=sys.stderr)
        return 2
    if os.environ.get("REKISTERI_MASTER_KEY"):
        print("REKISTERI_MASTER_KEY is set; no key file needed")
        return 0
    path = Path(argv[2]) if len(argv) == 3 else default_path()
    if path.exists():
        print(f"Master key file {path} exists; keeping it")
        return 0
    var = var_dir()
    data = existing_data(var)
    if data:
        print(
            f"error: the master key file {path} is missing but {var} already holds "
            f"data ({', '.join(str(p) for p in data)}). A new key could not read "
            f"it, so none is made. Restore the key file from its backup to {path} "
            "(chmod 600), or set REKISTERI_MASTER_KEY and REKISTERI_INDEX_KEY. To "
            f"start over with an empty register, move {var} aside first.",
            file=sys.stderr,
        )
        return 1
    try:
        key_id = create_key_file(path)
    except KeyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Created a development master key file {path} (mode 0600, key {key_id}). "
        "Keep it out of database backups; in production set "
        "REKISTERI_MASTER_KEY_FILE, or REKISTERI_MASTER_KEY and REKISTERI_INDEX_KEY."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
