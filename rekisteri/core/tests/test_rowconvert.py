"""Rows converted by core/rowconvert.py are the rows the ORM converts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Count, IntegerField, Value
from hypothesis import given, settings
from hypothesis import strategies as st

from rekisteri.core import rowconvert
from rekisteri.registry.models import Person, PersonEmail, Role
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person

HEX = "0123456789abcdefABCDEF"


def _uuid_texts() -> st.SearchStrategy[str]:
    hex32 = st.text(alphabet=HEX, min_size=32, max_size=32)
    return st.one_of(
        hex32,
        st.uuids().map(lambda u: u.hex),
        st.uuids().map(str),
        st.uuids().map(lambda u: "{" + str(u) + "}"),
        st.uuids().map(lambda u: u.urn),
        # Near misses: a character changed, added or taken away, a sign, a
        # prefix, underscores and spaces, which int() reads in its own ways.
        st.tuples(hex32, st.integers(0, 31), st.sampled_from("-+_ x0g:{}\u0661")).map(
            lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
        ),
        hex32.map(lambda h: "0x" + h[2:]),
        hex32.map(lambda h: "-" + h[1:]),
        hex32.map(lambda h: h[:31]),
        hex32.map(lambda h: h + "0"),
        st.text(max_size=40),
    )


def _outcome(make, value):  # type: ignore[no-untyped-def]
    try:
        made = make(value)
    except Exception as exc:  # noqa: BLE001 - the kind is what is compared
        return ("raises", type(exc))
    return ("made", type(made), made, made.int, made.is_safe, hash(made), str(made))


@settings(max_examples=3000)
@given(_uuid_texts())
def test_a_uuid_from_hex_is_the_uuid_the_standard_library_makes(value):
    assert _outcome(rowconvert.uuid_from_hex, value) == _outcome(uuid.UUID, value)


def test_none_stays_none():
    assert rowconvert.uuid_from_hex(None) is None
    assert rowconvert.date_from_text(None) is None


def _django_date(value):  # type: ignore[no-untyped-def]
    from django.db.backends.sqlite3.operations import DatabaseOperations

    return DatabaseOperations.convert_datefield_value(None, value, None, None)


def _date_outcome(make, value):  # type: ignore[no-untyped-def]
    try:
        made = make(value)
    except Exception as exc:  # noqa: BLE001 - the kind is what is compared
        return ("raises", type(exc))
    return ("made", type(made), made)


_date_texts = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month}-{d.day}"),
    st.tuples(st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    ),
    st.datetimes().map(dt.datetime.isoformat),
    # Near misses: a character around an ISO date, which int() and the
    # regular expression read in their own ways.
    st.tuples(
        st.dates(), st.sampled_from([" ", "\t", "\n", "x", "0", "T", "-"])
    ).flatmap(
        lambda t: st.sampled_from([t[1] + t[0].isoformat(), t[0].isoformat() + t[1]])
    ),
    st.text(max_size=12),
)


@settings(max_examples=2000)
@given(_date_texts | st.dates() | st.datetimes())
def test_a_date_from_text_is_the_date_djangos_converter_gives(value):
    assert _date_outcome(rowconvert.date_from_text, value) == _date_outcome(
        _django_date, value
    )


@pytest.mark.django_db
def test_converted_rows_equal_the_querysets_own():
    org = make_org(name="Rivi Oy")
    person = make_person(emails=["rivi@example.fi"], first_name="Rivi")
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2024, 2, 29),
    )
    make_person(emails=[], first_name="Tyhja")
    queries = [
        Person.objects.values_list(
            "id", "created_at", "updated_at", Value(None, output_field=IntegerField())
        ),
        PersonEmail.objects.values_list("person_id", "id", "is_primary", "created_at"),
        Role.objects.values_list(
            "organization_id", "person_id", "start_date", "end_date"
        ),
        Person.objects.annotate(n=Count("emails")).values_list("n", "id"),
        Person.objects.values_list("id"),
    ]
    for queryset in queries:
        compiler = queryset.query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        columns = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            raw = cur.fetchall()
        ours = rowconvert.apply(raw, rowconvert.plan(converters, connection))
        assert ours == [tuple(r) for r in compiler.apply_converters(raw, converters)]
        assert ours == list(queryset)
        assert all(type(r) is tuple for r in ours)
    if connection.vendor == "sqlite":
        compiler = Person.objects.values_list("id").query.get_compiler(connection.alias)
        compiler.setup_query()
        converters = compiler.get_converters([s[0] for s in compiler.select])
        steps = rowconvert.plan(converters, connection)
        assert steps == ((0, rowconvert.uuid_from_hex),)
        compiler = Role.objects.values_list("start_date").query.get_compiler(
            connection.alias
        )
        compiler.setup_query()
        converters = compiler.get_converters([s[0] for s in compiler.select])
        steps = rowconvert.plan(converters, connection)
        assert steps == ((0, rowconvert.date_from_text),)


def test_rows_without_converters_are_tuples():
    assert rowconvert.apply([[1, "a"], (2, "b")], ()) == [(1, "a"), (2, "b")]


def test_a_chain_of_converters_runs_in_order():
    calls = []

    def first(value, expression, conn):  # type: ignore[no-untyped-def]
        calls.append(("first", expression, conn))
        return value + 1

    def second(value, expression, conn):  # type: ignore[no-untyped-def]
        calls.append(("second", expression, conn))
        return value * 10

    steps = rowconvert.plan({1: ([first, second], "expr")}, "conn")  # type: ignore[arg-type]
    assert rowconvert.apply([("x", 1, dt.date(2026, 1, 1))], steps) == [
        ("x", 20, dt.date(2026, 1, 1))
    ]
    assert calls == [("first", "expr", "conn"), ("second", "expr", "conn")]


@pytest.mark.django_db
def test_values_rows_are_the_querysets_own_rows():
    """As ``list(queryset)`` gives them: values, types and order, for the
    recompute's and the sweep's kinds of statement (a keyset range, an
    aggregate, a slice, an empty ``IN``, a read through a relation)."""
    from rekisteri.retention.models import DueDate
    from rekisteri.retention.services import recompute_persons

    org = make_org(name="Vali Oy")
    people = [
        make_person(emails=[f"v{i}@example.fi"], first_name=f"V{i}") for i in range(4)
    ]
    for i, person in enumerate(people):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind="contact",
            start_date=dt.date(2020, 1, 1 + i),
            end_date=dt.date(2021, 2, 28) if i % 2 else None,
        )
    recompute_persons([p.pk for p in people])
    ids = sorted(p.pk for p in people)
    queries = [
        Person.objects.filter(pk__gte=ids[1], pk__lte=ids[2])
        .order_by("pk")
        .values_list("pk", "updated_at"),
        Person.objects.order_by("pk").values_list("pk")[:3],
        Role.objects.filter(person_id__in=ids)
        .order_by()
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n"),
        DueDate.objects.order_by("pk").values_list(
            "pk", "person_id", "organization_id", "rule", "kept_until"
        ),
        Role.objects.values_list("person__first_name", "organization__name"),
        Person.objects.filter(pk__in=[]).values_list("pk"),
    ]
    for queryset in queries:
        ours = rowconvert.values_rows(queryset)
        theirs = list(queryset)
        assert ours == theirs
        assert [tuple(map(type, r)) for r in ours] == [
            tuple(map(type, r)) for r in theirs
        ]
        assert all(type(r) is tuple for r in ours)
    assert len(rowconvert.values_rows(queries[0])) == 2
    assert rowconvert.values_rows(queries[-1]) == []


def test_values_rows_reads_values_list_querysets_only():
    for queryset in (
        Person.objects.all(),
        Person.objects.values("pk"),
        Person.objects.values_list("pk", flat=True),
        Person.objects.values_list("pk", named=True),
    ):
        with pytest.raises(TypeError):
            rowconvert.values_rows(queryset)
