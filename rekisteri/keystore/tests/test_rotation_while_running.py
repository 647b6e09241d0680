"""A process started before a rotation wraps new keys under the new primary,
so ``keys verify`` stays at 0 after ``rotate-master``."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from rekisteri.core.crypto.master import add_key_to_file, b64, from_file
from rekisteri.keystore import keys
from rekisteri.keystore.models import DataKey
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path, monkeypatch, settings):
    """The test keys as a key file, which ``add-master`` can extend."""
    env = keys.provider()
    path = tmp_path / "master.json"
    path.write_text(
        json.dumps(
            {
                "active": "test-1",
                "keys": {"test-1": b64(env.keys["test-1"])},
                "index_key": b64(env.index_key()),
            }
        )
    )
    path.chmod(0o600)
    monkeypatch.delenv("REKISTERI_MASTER_KEY")
    settings.REKISTERI_MASTER_KEY_FILE = path
    keys.reset_provider()
    yield path
    keys.reset_provider()


def test_a_running_worker_follows_a_rotation(key_file, monkeypatch) -> None:
    make_person(last_name="Ennen")
    keys.verify_master_key()
    worker = keys.provider()  # loaded at start; the worker keeps it
    assert worker.known_ids() == ["test-1"]

    # Another process (the operator's shell) follows the runbook.
    add_key_to_file(key_file, "test-2")
    operator = from_file(key_file)
    with monkeypatch.context() as m:
        m.setattr(keys, "provider", lambda: operator)
        keys.verify_master_key()  # what `keys add-master` does after writing
        keys.rotate_master()
        assert keys.rotate_master() == 0

    # The worker, still holding its old key ring, creates a person.
    assert keys.provider() is worker
    make_person(last_name="Jälkeen")
    out = StringIO()
    keys.reset_provider()
    call_command("keys", "verify", stdout=out)
    assert "0 still wrapped" in out.getvalue(), out.getvalue()
    assert set(
        DataKey.objects.using("keys")
        .filter(wrapped__isnull=False)
        .values_list("master_key_id", flat=True)
    ) == {"test-2"}
