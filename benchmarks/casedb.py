"""A fresh database (and key store) for a benchmark case run in a process
of its own, on SQLite or on the local PostgreSQL.

Used by the benchmarks that time one import end to end
(``benchmarks.prh``, ``benchmarks.contacts``); each names its databases so
that two of them never share one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def sqlite_paths(var_dir: Path, name: str) -> list[Path]:
    path = (var_dir / f"{name}.sqlite3").resolve()
    return [path, path.with_name(f"{name}-keys.sqlite3")]


def pg_name(name: str) -> str:
    """``rekisteri_bench_<name>``, or REKISTERI_BENCH_<NAME>_DB."""
    return os.environ.get(
        f"REKISTERI_BENCH_{name.upper()}_DB", f"rekisteri_bench_{name}"
    )


def drop_database(vendor: str, var_dir: Path, name: str) -> None:
    if vendor == "sqlite":
        for base in sqlite_paths(var_dir, name):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        return
    db = pg_name(name)
    _pg(
        f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{db}_keys" WITH (FORCE)',
    )


def fresh_database(vendor: str, var_dir: Path, name: str) -> dict[str, str]:
    """Environment for a case on a new, empty database (and key store)."""
    drop_database(vendor, var_dir, name)
    if vendor == "sqlite":
        path, keys = sqlite_paths(var_dir, name)
        return {
            "DATABASE_URL": f"sqlite:///{path}",
            "KEYSTORE_DATABASE_URL": f"sqlite:///{keys}",
        }
    db = pg_name(name)
    _pg(f'CREATE DATABASE "{db}"', f'CREATE DATABASE "{db}_keys"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return {
        "DATABASE_URL": f"{base}/{db}",
        "KEYSTORE_DATABASE_URL": f"{base}/{db}_keys",
    }


def run_cases(
    *,
    module: str,
    name: str,
    args: Any,
    render: Callable[[list[dict[str, Any]]], str],
    log: Callable[[str], None],
    unit: str,
) -> None:
    """For each of ``args.databases``: a fresh database, ``python -m module
    --case=VENDOR`` in a process of its own, its figures collected; then
    ``<name>.json`` in ``args.var_dir`` and the rendered table printed."""
    results: list[dict[str, Any]] = []
    for vendor in [d.strip() for d in args.databases.split(",") if d.strip()]:
        log(f"{vendor}, {args.size:,} {unit}")
        try:
            env = {
                **os.environ,
                **fresh_database(vendor, args.var_dir, name),
                "REKISTERI_VAR_DIR": str(args.var_dir.resolve()),
                "DJANGO_SETTINGS_MODULE": "rekisteri.settings",
            }
        except Exception as exc:  # PostgreSQL not reachable: say so
            results.append({"database": vendor, "size": args.size, "failed": str(exc)})
            continue
        out = args.var_dir / f"{name}-case-{vendor}.json"
        out.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            module,
            f"--case={vendor}",
            f"--out={out}",
            f"--size={args.size}",
            f"--var-dir={args.var_dir}",
        ]
        code = subprocess.call(command, env=env, cwd=ROOT)  # noqa: S603
        if code != 0 or not out.exists():
            results.append(
                {"database": vendor, "size": args.size, "failed": f"exit status {code}"}
            )
            continue
        results.append(json.loads(out.read_text()))
        out.unlink()
        drop_database(vendor, args.var_dir, name)
    (args.var_dir / f"{name}.json").write_text(
        json.dumps(
            {"date": dt.datetime.now(dt.UTC).isoformat(), "runs": results}, indent=2
        )
    )
    print(render(results))
