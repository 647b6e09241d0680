"""A filter by a long list of ids finds exactly those rows, on either
database, in statements that fit (core/idlist.py)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.core import idlist
from rekisteri.registry.models import Person
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db


def test_among_finds_the_listed_rows_and_no_other():
    people = [make_person(emails=[]) for _ in range(3)]
    others = [uuid.uuid4() for _ in range(40)]  # long enough for the array form
    wanted = [people[0].pk, people[2].pk, *others]
    found = set(
        Person.objects.filter(idlist.among("pk", wanted)).values_list("pk", flat=True)
    )
    assert found == {people[0].pk, people[2].pk}


def test_among_binds_one_parameter():
    ids = [uuid.uuid4() for _ in range(600)]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(idlist.among("pk", ids)))
    sql = queries[0]["sql"]
    assert ("unnest" if connection.vendor == "postgresql" else "json_each") in sql


def test_among_of_integers():
    import datetime as dt

    from rekisteri.retention.models import DueDate

    person = make_person(emails=[])
    day = dt.date(2020, 1, 1)
    row = DueDate.objects.create(
        person=person, rule="marketing", anchor_on=day, kept_until=day
    )
    wanted = [row.pk, *range(row.pk + 1, row.pk + 40)]
    assert list(DueDate.objects.filter(idlist.among("pk", wanted))) == [row]


def test_among_of_texts_of_a_text_column():
    from rekisteri.registry.models import Organization

    org = Organization.objects.create(name="Oy Ab", business_id="1234567-1")
    codes = ["1234567-1", *(f'{n:07d}-"\\{n}' for n in range(40))]
    q = idlist.among("business_id", codes, text=True)
    with CaptureQueriesContext(connection) as queries:
        assert list(Organization.objects.filter(q)) == [org]
    sql = queries[0]["sql"]
    assert ("unnest" if connection.vendor == "postgresql" else "json_each") in sql


def test_among_of_odd_values_falls_back_to_a_plain_list():
    # Ids given as text are not turned into an array of another type.
    person = make_person(emails=[])
    q = idlist.among("pk", [str(person.pk)] * 20)
    assert list(Person.objects.filter(q)) == [person]


@pytest.mark.parametrize(
    ("ids", "limit"),
    [
        (list(range(9_123)), "LONG_CHUNK"),  # one parameter to among()
        ([uuid.uuid4() for _ in range(4_321)], "LONG_CHUNK"),
        ([f"code-{i}" for i in range(1_234)], "CHUNK"),  # a parameter each
        ([1, "mixed", *range(1_000)], "CHUNK"),
    ],
)
def test_chunks_fit_sqlite_and_keep_every_id(ids, limit):
    parts = list(idlist.chunks(ids))
    assert [i for part in parts for i in part] == ids
    if connection.vendor == "sqlite":
        assert max(len(p) for p in parts) == getattr(idlist, limit)
        assert len(parts) > 1
    else:
        assert len(parts) == 1
    assert list(idlist.chunks([])) == []


def test_a_long_chunk_of_ids_is_one_parameter_to_among():
    persons = [make_person() for _ in range(3)]
    ids = [p.pk for p in persons] + [uuid.uuid4() for _ in range(idlist.LONG_CHUNK - 3)]
    (chunk,) = idlist.chunks(ids)
    with CaptureQueriesContext(connection) as captured:
        found = set(
            Person.objects.filter(idlist.among("pk", chunk)).values_list(
                "pk", flat=True
            )
        )
    assert found == {p.pk for p in persons}
    assert len(captured) == 1
    # Bound as one array parameter, not thousands of placeholders.
    assert idlist.array_kind(chunk, connection.vendor) == "uuid"


def test_array_literal_quotes_each_value():
    assert idlist.array_literal([1, None, 'a"b\\c']) == '{"1",NULL,"a\\"b\\\\c"}'


def test_uuids_and_integers_are_bound_as_the_quoted_literal_without_quotes():
    uuids = [uuid.uuid4() for _ in range(30)]
    ints = [0, -1, 2**63 - 1, -(2**63), *range(20)]
    for ids, kind in ((uuids, "uuid"), (ints, "bigint")):
        plain = idlist.bound(ids, kind, "postgresql")
        assert plain == idlist.array_literal(ids).replace('"', "")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT %s::{kind}[]", [plain])
                assert cursor.fetchone()[0] == ids


def test_uuids_are_bound_for_sqlite_as_the_json_array_of_their_hex_digits():
    uuids = [
        uuid.UUID(int=0),
        uuid.UUID(int=2**128 - 1),
        *(uuid.uuid4() for _ in range(30)),
    ]
    bound = idlist.bound(uuids, "uuid", "sqlite")
    assert bound == json.dumps([u.hex for u in uuids])
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM json_each(%s)", [bound])
            assert [row[0] for row in cursor.fetchall()] == [u.hex for u in uuids]


def test_a_long_list_finds_the_shredded_keys_in_the_key_store():
    from rekisteri.core import keyring
    from rekisteri.core.catalogue import KeyClass

    people = [make_person(emails=[]) for _ in range(idlist.SHORT + 4)]
    gone = {p.pk for p in people[::3]}
    keyring.shred_many(sorted(gone, key=str), KeyClass.CRM, reason="test")
    ids = [p.pk for p in people]
    assert keyring.destroyed_subjects(ids, KeyClass.CRM) == gone
