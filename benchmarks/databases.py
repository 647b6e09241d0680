"""Fresh benchmark databases: a SQLite file under var/bench/ or a PostgreSQL
database ``rekisteri_bench`` on 127.0.0.1, created and dropped per run.

``REKISTERI_BENCH_PG_DB`` names another PostgreSQL database (and its
``_keys`` companion), so a benchmark can run beside one that uses the
default name on the same server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = os.environ.get("REKISTERI_BENCH_PG_DB") or "rekisteri_bench"
# The name goes into CREATE/DROP DATABASE, which take no parameters.
if not re.fullmatch(r"[a-z][a-z0-9_]{0,50}", POSTGRES_BENCH_DB):
    raise SystemExit(f"REKISTERI_BENCH_PG_DB: not a plain name: {POSTGRES_BENCH_DB!r}")


# The settings docs/operations.md gives for a register of a million persons
# that a database can take on its own (ALTER DATABASE ... SET). The server's
# memory and checkpoint settings (shared_buffers, max_wal_size) need the
# server's configuration and a restart, so the bench reports the ones it
# ran on (benchmarks.seeding.postgres_settings) instead of changing a server
# others may share.
# Not given on the bench's own cluster (benchmarks/pgcluster.py), whose
# server settings are the documented ones already: a database's own would
# override them there with the smaller values a shared server gets.
APPLY_DATABASE_SETTINGS = True
DATABASE_SETTINGS = {
    "random_page_cost": "1.1",  # solid-state storage: a random read is cheap
    "effective_cache_size": "4GB",  # the planner's guess of the OS page cache
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",  # VACUUM and index builds after a load
    "jit": "off",  # short queries: compiling costs more than it saves
}


@dataclass(frozen=True)
class BenchDatabase:
    """One database under test; ``url`` goes to DATABASE_URL."""

    vendor: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None

    @property
    def keys_url(self) -> str:
        """The key store's database (KEYSTORE_DATABASE_URL), beside the main one."""
        if self.vendor == "sqlite":
            return f"sqlite:///{self.keys_path}"
        return self.url + "_keys"

    @property
    def keys_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.stem + "-keys.sqlite3")

    def create(self) -> None:
        """Start from nothing: no file, or an empty database."""
        if self.vendor == "sqlite":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.drop()
        else:
            _postgres_admin(
                f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}_keys" WITH (FORCE)',
                f'CREATE DATABASE "{POSTGRES_BENCH_DB}"',
                f'CREATE DATABASE "{POSTGRES_BENCH_DB}_keys"',
                *(
                    f'ALTER DATABASE "{name}" SET {setting} = {value!r}'
                    for name in (POSTGRES_BENCH_DB, f"{POSTGRES_BENCH_DB}_keys")
                    for setting, value in DATABASE_SETTINGS.items()
                    if APPLY_DATABASE_SETTINGS
                ),
            )

    def drop(self) -> None:
        if self.vendor == "sqlite":
            assert self.path is not None
            for base in (self.path, self.keys_path):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{base}{suffix}").unlink(missing_ok=True)
        else:
            _postgres_admin(
                f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}_keys" WITH (FORCE)',
            )


def sqlite_database(var_dir: Path, size: int) -> BenchDatabase:
    path = (var_dir / f"bench-{size}.sqlite3").resolve()
    return BenchDatabase("sqlite", f"sqlite:///{path}", path)


def postgres_database() -> BenchDatabase:
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{POSTGRES_BENCH_DB}"
    return BenchDatabase("postgresql", url)


def postgres_version() -> str | None:
    """The server version, or None when PostgreSQL is not reachable."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]).split()[0] if row else None
    except Exception:
        return None


def _postgres_admin(*statements: str) -> None:
    import psycopg

    # CREATE/DROP DATABASE cannot run inside a transaction.
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as c:
        for sql in statements:
            c.execute(sql)
