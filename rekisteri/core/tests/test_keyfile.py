"""The development key file: created once, private, found where settings look."""

from __future__ import annotations

import stat

from rekisteri.core.crypto import keyfile
from rekisteri.core.crypto.master import from_file


def test_init_creates_a_private_key_file_once(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("REKISTERI_MASTER_KEY", raising=False)
    monkeypatch.delenv("REKISTERI_MASTER_KEY_FILE", raising=False)
    monkeypatch.setenv("REKISTERI_VAR_DIR", str(tmp_path))
    assert keyfile.main(["keyfile", "init"]) == 0
    path = tmp_path / "keys" / "master.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    provider = from_file(path)
    assert len(provider.index_key()) == 32
    assert keyfile.main(["keyfile", "init"]) == 0  # kept, not replaced
    assert path.read_bytes() == first
    assert "keeping it" in capsys.readouterr().out


def test_init_does_nothing_when_keys_come_from_the_environment(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("REKISTERI_MASTER_KEY", "k:" + "A" * 43)
    monkeypatch.setenv("REKISTERI_VAR_DIR", str(tmp_path))
    assert keyfile.main(["keyfile", "init"]) == 0
    assert not (tmp_path / "keys").exists()
    assert keyfile.main(["keyfile", "bogus"]) == 2
