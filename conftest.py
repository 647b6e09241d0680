"""Project-wide pytest configuration."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the Django ORM
# calls the tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list) -> None:
    """Give every database test the key store too, and every transactional
    test the database it found.

    Encrypted fields read and write data keys in the separate ``keys``
    database, so a test that touches the register needs both. The marker is
    rewritten once here instead of in every test module.

    A transactional test empties the tables when it ends. Without
    ``serialized_rollback`` Django then re-creates the content types under new
    ids, and the next test that restores the serialized database meets them
    and fails on their unique key; so every transactional test restores what
    the migrations made, in any order.
    """

    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        kwargs = dict(marker.kwargs)
        kwargs.setdefault("databases", "__all__")
        if kwargs.get("transaction") or (marker.args and marker.args[0]):
            kwargs.setdefault("serialized_rollback", True)
        if kwargs != marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


def pytest_configure(config: object) -> None:
    """Let the test runner empty the audit and invoice tables between
    transactional tests.

    On SQLite the audit table refuses DELETE unless a purge permit row exists
    (migration ``audit.0002``); Django's flush deletes every table, so the
    flush statements are wrapped in a permit for the test run only.
    PostgreSQL's flush is TRUNCATE, which the row triggers do not see.
    """
    # The backend's base module imports its operations module; importing the
    # operations module first would be circular.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class  # noqa: N806

    original = DatabaseOperations.sql_flush
    if getattr(original, "audit_permit", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self,
            style,
            tables,
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )
        # Tables whose rows refuse DELETE unless their permit table has a row:
        # audit events (audit.0002) and issued invoices (billing.0003).
        permits = [
            permit
            for guarded, permit in (
                ("audit_auditevent", "audit_auditpurgepermit"),
                ("billing_invoice", "billing_voucherpurgepermit"),
            )
            if guarded in tables
        ]
        if not permits:
            return statements
        quoted = [f'"{p}"' for p in permits]
        return [
            # Table names are the constants above, not input.
            *(f"""INSERT INTO "{p}" ("reason") VALUES ('flush');""" for p in permits),  # noqa: S608
            *(s for s in statements if not any(q in s for q in quoted)),
            *(f'DELETE FROM "{p}";' for p in permits),  # noqa: S608
        ]

    sql_flush.audit_permit = True  # type: ignore[attr-defined]
    DatabaseOperations.sql_flush = sql_flush


def _sqlite_install_env(var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "REKISTERI_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "rekisteri.settings_test",
    }
    for name in ("DATABASE_URL", "KEYSTORE_DATABASE_URL", "REKISTERI_BACKUP_DIR"):
        env.pop(name, None)
    return env


@pytest.fixture
def install_env() -> Callable[[Path], dict[str, str]]:
    """The environment that runs ``manage.py`` on an installation in a
    given var directory (SQLite, unless the caller adds a DATABASE_URL)."""
    return _sqlite_install_env


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory whose two SQLite databases ``manage.py migrate_all``
    made, once per test run (about twenty seconds)."""
    base = tmp_path_factory.mktemp("migrated-install")
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate_all", "-v0"],
        cwd=Path(__file__).resolve().parent,
        env=_sqlite_install_env(base),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return base


@pytest.fixture
def sqlite_install(migrated_sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    """``tmp_path`` made a migrated SQLite installation (a copy of the run's
    template) and the environment that runs ``manage.py`` on it, for tests
    that drive ``manage.py`` in subprocesses as an operator would after
    ``migrate_all``. Tests of what ``migrate_all`` itself does (file modes,
    the master key's refusal, an old key-store schema) run it themselves."""
    shutil.copytree(migrated_sqlite_template, tmp_path, dirs_exist_ok=True)
    return _sqlite_install_env(tmp_path)
