"""A shredded key does not survive in the key store's SQLite WAL."""

from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from django.conf import settings
from django.db import connections

from rekisteri.keystore import keys


@pytest.mark.django_db
def test_a_shred_checkpoints_the_key_store_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(keys, "checkpoint", lambda: calls.append(1))
    subject = uuid.uuid4()
    keys.current_key(subject, "crm")
    with django_capture_on_commit_callbacks(using="keys", execute=True) as callbacks:
        keys.shred(subject, "crm", reason="test")
    assert callbacks and calls == [1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__")
def test_checkpoint_answers_on_the_configured_key_store():
    result = keys.checkpoint()
    if connections["keys"].vendor == "sqlite":
        assert result is not None and len(result) == 3
    else:
        assert result is None


def test_the_sqlite_settings_leave_no_key_bytes_in_the_wal(tmp_path):
    """With the key store's pragmas (WAL, secure_delete), overwriting a key
    and checkpointing with TRUNCATE leaves its bytes in neither file."""
    path = tmp_path / "keys.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    init = settings.SQLITE_OPTIONS["init_command"] + " PRAGMA secure_delete=ON;"
    for statement in filter(None, (s.strip() for s in init.split(";"))):
        db.execute(statement)
    secret = os.urandom(32).hex().encode()
    db.execute("CREATE TABLE k (id INTEGER PRIMARY KEY, wrapped BLOB)")
    db.execute("INSERT INTO k (wrapped) VALUES (?)", (secret,))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("UPDATE k SET wrapped = NULL")
    wal = path.with_name(path.name + "-wal")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert wal.stat().st_size == 0
    assert secret not in path.read_bytes()
    db.close()
