"""Project-wide pytest configuration."""

import os

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
    import pytest

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
