"""A fresh database (and key store) for a benchmark case run in a process
of its own, on SQLite or on the local PostgreSQL.

Used by the benchmarks that time one import end to end
(``benchmarks.contacts``); each names its databases so that two of them
never share one.
"""

from __future__ import annotations

from pathlib import Path

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def sqlite_paths(var_dir: Path, name: str) -> list[Path]:
    path = (var_dir / f"{name}.sqlite3").resolve()
    return [path, path.with_name(f"{name}-keys.sqlite3")]


def drop_database(vendor: str, var_dir: Path, name: str) -> None:
    if vendor == "sqlite":
        for base in sqlite_paths(var_dir, name):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        return
    db = f"rekisteri_bench_{name}"
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
    db = f"rekisteri_bench_{name}"
    _pg(f'CREATE DATABASE "{db}"', f'CREATE DATABASE "{db}_keys"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return {
        "DATABASE_URL": f"{base}/{db}",
        "KEYSTORE_DATABASE_URL": f"{base}/{db}_keys",
    }
