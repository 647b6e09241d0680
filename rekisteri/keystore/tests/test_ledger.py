"""A batch shred's ledger entries are the ones a shred per subject writes."""

from __future__ import annotations

import uuid

import pytest

from rekisteri.core.catalogue import KeyClass
from rekisteri.keystore import keys
from rekisteri.keystore.models import ErasureEntry
from rekisteri.keystore.router import KEYSTORE_DB

pytestmark = pytest.mark.django_db(databases="__all__")


def test_each_entry_has_its_own_marks_and_the_batchs_reason_and_time() -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    keys.create_keys_bulk(ids[:4], KeyClass.CRM)
    shared = {"messaging": [11, 12]}
    marks = {
        ids[0]: {"messaging": [1, 2, 3]},
        ids[1]: shared,
        ids[2]: shared,
        # ids[3]: none; ids[4] never had a key (a tombstone and an entry)
        ids[4]: {"messaging": [4]},
    }
    keys.shred_many(ids, KeyClass.CRM, reason="x" * 50, marks=marks)
    keys.shred(uuid_one := uuid.uuid4(), KeyClass.BOOKKEEPING, reason="one")
    rows = {
        e.subject_id: e
        for e in ErasureEntry.objects.using(KEYSTORE_DB).filter(subject_id__in=ids)
    }
    assert set(rows) == set(ids)
    assert {pid: rows[pid].marks for pid in ids} == {
        ids[0]: {"messaging": [1, 2, 3]},
        ids[1]: {"messaging": [11, 12]},
        ids[2]: {"messaging": [11, 12]},
        ids[3]: {},
        ids[4]: {"messaging": [4]},
    }
    assert {rows[pid].reason for pid in ids} == {"x" * 40}
    assert {rows[pid].key_class for pid in ids} == {KeyClass.CRM}
    assert len({rows[pid].erased_at for pid in ids}) == 1
    single = ErasureEntry.objects.using(KEYSTORE_DB).get(subject_id=uuid_one)
    assert (single.key_class, single.reason) == (KeyClass.BOOKKEEPING, "one")
