"""Create a master key file without starting Django.

python -m rekisteri.core.crypto.keyfile init var/keys/master.json
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rekisteri.core.crypto.master import KeyConfigError, create_key_file


def default_path() -> Path:
    if os.environ.get("REKISTERI_MASTER_KEY_FILE"):
        return Path(os.environ["REKISTERI_MASTER_KEY_FILE"])
    base = Path(__file__).resolve().parents[3]
    var = Path(os.environ.get("REKISTERI_VAR_DIR", base / "var"))
    return var / "keys" / "master.json"


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] != "init":
        print(
            "usage: python -m rekisteri.core.crypto.keyfile init PATH", file=sys.stderr
        )
        return 2
    path = Path(argv[2])
    if path.exists():
        print(f"{path} exists; keeping it")
        return 0
    try:
        key_id = create_key_file(path)
    except KeyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Created a development master key file {path} (mode 0600, key {key_id}). "
        "Keep it out of backups of the database; in production set "
        "REKISTERI_MASTER_KEY_FILE or REKISTERI_MASTER_KEY and REKISTERI_INDEX_KEY."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
