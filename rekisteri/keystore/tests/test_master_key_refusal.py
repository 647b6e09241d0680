"""A master key that unwraps nothing is refused at start, with a clear message,
and ``keyfile init`` never makes a new key over existing data."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from rekisteri.core.crypto import keyfile
from rekisteri.core.crypto.master import KeyConfigError, LocalMasterKeys
from rekisteri.keystore import keys
from rekisteri.testing import make_person


@pytest.fixture
def unrelated_key(monkeypatch):
    """Switch to a freshly made key file's provider (another id, other
    material) after the data was written."""

    def switch() -> LocalMasterKeys:
        return _switch(monkeypatch)

    return switch


def _switch(monkeypatch) -> LocalMasterKeys:
    old = keys.provider()
    fresh = LocalMasterKeys("mk-fresh", {"mk-fresh": b"\x09" * 32}, old.index_key())
    monkeypatch.setattr(keys, "provider", lambda: fresh)
    return fresh


@pytest.mark.django_db
def test_an_unrelated_master_key_is_refused(unrelated_key) -> None:
    make_person(last_name="Avain")  # data keys wrapped under test-1
    keys.verify_master_key()
    unrelated_key()
    with pytest.raises(KeyConfigError, match="unwraps nothing") as info:
        keys.verify_master_key()
    assert "test-1" in str(info.value)
    assert "restore" in str(info.value).lower()


@pytest.mark.django_db
def test_keys_verify_and_migrate_all_refuse_an_unrelated_key(unrelated_key) -> None:
    make_person(last_name="Avain")
    keys.verify_master_key()
    unrelated_key()
    with pytest.raises(CommandError, match="unwraps nothing"):
        call_command("keys", "verify")
    with pytest.raises((CommandError, KeyConfigError), match="unwraps nothing"):
        call_command("migrate_all", verbosity=0)


@pytest.mark.django_db
def test_data_keys_under_an_unconfigured_master_are_refused(monkeypatch) -> None:
    make_person(last_name="Avain")
    old = keys.provider()
    keys.verify_master_key()
    # Only a new key configured, while data keys still need test-1.
    only_new = LocalMasterKeys("test-2", {"test-2": b"\x02" * 32}, old.index_key())
    monkeypatch.setattr(keys, "provider", lambda: only_new)
    with pytest.raises(KeyConfigError, match="test-1"):
        keys.verify_master_key()


def test_init_refuses_a_new_key_when_var_has_data(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("REKISTERI_MASTER_KEY", raising=False)
    monkeypatch.delenv("REKISTERI_MASTER_KEY_FILE", raising=False)
    monkeypatch.setenv("REKISTERI_VAR_DIR", str(tmp_path))
    (tmp_path / "keys.sqlite3").write_bytes(b"SQLite format 3\0")
    assert keyfile.main(["keyfile", "init"]) == 1
    assert not (tmp_path / "keys" / "master.json").exists()
    err = capsys.readouterr().err
    assert "restore" in err.lower()
    assert "master.json" in err
