"""Data keys left by an interrupted bulk write are reported and removed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rekisteri.core.catalogue import KeyClass
from rekisteri.keystore import keys
from rekisteri.keystore.models import DataKey
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db


def test_keys_verify_reports_orphans_and_remove_orphans_deletes_them() -> None:
    person = make_person(last_name="Oikea")
    # A killed seeder: keys stored and committed, their persons never were.
    ghosts = [uuid.uuid4() for _ in range(3)]
    keys.create_keys_bulk(ghosts, KeyClass.CRM)
    # A shredded subject's tombstone is not an orphan to remove.
    tomb = uuid.uuid4()
    keys.shred(tomb, KeyClass.CRM, reason="test")
    DataKey.objects.using("keys").update(created_at=timezone.now() - timedelta(days=2))
    out = StringIO()
    call_command("keys", "verify", stdout=out)
    assert "3 orphan data keys" in out.getvalue(), out.getvalue()
    out = StringIO()
    call_command("keys", "remove-orphans", stdout=out)
    assert "Removed 3" in out.getvalue()
    left = set(DataKey.objects.using("keys").values_list("subject_id", flat=True))
    assert person.pk in left and tomb in left
    assert not left & set(ghosts)
    out = StringIO()
    call_command("keys", "verify", stdout=out)
    assert "0 orphan data keys" in out.getvalue()


def test_a_fresh_key_is_not_an_orphan_yet() -> None:
    keys.create_keys_bulk([uuid.uuid4()], KeyClass.CRM)
    assert keys.orphan_keys(older_than=timedelta(hours=1)) == []
