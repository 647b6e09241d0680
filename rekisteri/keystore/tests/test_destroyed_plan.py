"""Which keys are shredded: the answer, and a plan that does not grow with
how many keys were shredded since the table was last analyzed."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from rekisteri.core.catalogue import KeyClass
from rekisteri.keystore import keys
from rekisteri.keystore.router import KEYSTORE_DB

pytestmark = pytest.mark.django_db(databases="__all__")


def test_destroyed_keys_names_the_shredded_pairs_only() -> None:
    live, gone, never = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    books = uuid.uuid4()
    keys.create_keys_bulk([live, gone, books], KeyClass.CRM)
    keys.create_keys_bulk([books], KeyClass.BOOKKEEPING)
    keys.shred_many([gone], KeyClass.CRM, reason="test")
    keys.shred_many([books], KeyClass.BOOKKEEPING, reason="test")
    found = keys.destroyed_keys(
        [live, gone, never, books], (KeyClass.CRM, KeyClass.BOOKKEEPING)
    )
    assert found == {(gone, KeyClass.CRM), (books, KeyClass.BOOKKEEPING)}
    assert keys.destroyed_subjects([live, gone, never, books], KeyClass.CRM) == {gone}


def test_destroyed_keys_plan_does_not_walk_the_shredded_keys() -> None:
    """PostgreSQL's statistics taken while every key was live (as before a
    sweep) must not make the read of a batch compare every shredded key with
    every id of the batch."""
    conn = connections[KEYSTORE_DB]
    if conn.vendor != "postgresql":
        pytest.skip("a PostgreSQL plan")
    subjects = [uuid.uuid4() for _ in range(10000)]
    keys.create_keys_bulk(subjects, KeyClass.CRM)
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE keystore_datakey")
    shredded = subjects[:1000]
    keys.shred_many(shredded, KeyClass.CRM, reason="test")
    batch = shredded[:250] + subjects[5000:5250]
    with CaptureQueriesContext(conn) as captured:
        found = keys.destroyed_subjects(batch, KeyClass.CRM)
    assert found == set(shredded[:250])
    (query,) = [q["sql"] for q in captured.captured_queries if "datakey" in q["sql"]]
    with conn.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + query)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    removed = sum(
        int(n) for n in re.findall(r"Rows Removed by Join Filter: (\d+)", plan)
    )
    # Walking the shredded keys against the batch compares about 1000 × 400.
    assert removed < 10 * len(batch), plan
