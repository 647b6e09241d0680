"""A filter by a long list of ids finds exactly those rows, on either
database, in statements that fit (core/idlist.py)."""

from __future__ import annotations

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


def test_among_on_postgresql_binds_one_parameter():
    ids = [uuid.uuid4() for _ in range(600)]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(idlist.among("pk", ids)))
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "unnest" in sql
        assert sql.count(str(ids[0])) == 1 and sql.count(str(ids[-1])) == 1
    else:
        assert "unnest" not in sql


def test_among_of_odd_values_falls_back_to_a_plain_list():
    # Ids given as text are not turned into an array of another type.
    person = make_person(emails=[])
    q = idlist.among("pk", [str(person.pk)] * 20)
    assert list(Person.objects.filter(q)) == [person]


def test_chunks_fit_sqlite_and_keep_every_id():
    ids = list(range(1234))
    parts = list(idlist.chunks(ids))
    assert [i for part in parts for i in part] == ids
    if connection.vendor == "sqlite":
        assert max(len(p) for p in parts) <= idlist.CHUNK
    else:
        assert len(parts) == 1
    assert list(idlist.chunks([])) == []


def test_array_literal_quotes_each_value():
    assert idlist.array_literal([1, None, 'a"b\\c']) == '{"1",NULL,"a\\"b\\\\c"}'
