"""The SQLite backend that converts a statement's placeholders once
(core/sqlite/base.py): the same text as Django's conversion, remembered by
the statement's text, bounded, and the backend the settings configure."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor
from hypothesis import given
from hypothesis import strategies as st

from rekisteri.core.sqlite import base

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the suite runs on PostgreSQL"
)


@pytest.fixture
def empty(monkeypatch):
    monkeypatch.setattr(base, "_converted", {})


_memory = sqlite3.connect(":memory:")


def convert(query: str, **kwargs) -> str:
    return base.SQLiteCursorWrapper(_memory).convert_query(query, **kwargs)


def django(query: str, **kwargs) -> str:
    return DjangoCursor(_memory).convert_query(query, **kwargs)


@given(
    st.lists(
        st.sampled_from(["%s", "%%", "%%s", "%", "?", "'%s'", "a", " ", "é", "\n"]),
        max_size=30,
    ).map("".join)
)
def test_the_conversion_is_djangos_first_time_and_remembered(query):
    base._converted.pop(query, None)
    assert convert(query) == django(query)
    assert convert(query) == django(query)


def test_a_statement_is_converted_once_and_given_back_as_kept(empty, monkeypatch):
    calls = []
    real = DjangoCursor.convert_query

    def counted(self, query, *, param_names=None):
        calls.append(query)
        return real(self, query, param_names=param_names)

    monkeypatch.setattr(DjangoCursor, "convert_query", counted)
    query = "SELECT a FROM t WHERE b = %s AND c LIKE '%%x'"
    first = convert(query)
    again = convert("".join(["SELECT a FROM t WHERE b = %s", " AND c LIKE '%%x'"]))
    assert first == "SELECT a FROM t WHERE b = ? AND c LIKE '%x'"
    assert again is first
    assert calls == [query]


def test_named_parameters_are_converted_as_django_converts_them(empty):
    query = "SELECT %(a)s, %(b)s"
    assert convert(query, param_names=["a", "b"]) == "SELECT :a, :b"
    assert base._converted == {}


def test_the_memory_is_bounded(empty, monkeypatch):
    monkeypatch.setattr(base, "KEPT", 10)
    for n in range(25):
        assert convert(f"SELECT {n} WHERE x IN ({', '.join(['%s'] * n)})")
        assert len(base._converted) <= 10
    # What is in use now is kept again.
    assert "SELECT 24 WHERE x IN (" + ", ".join(["%s"] * 24) + ")" in base._converted


def test_a_long_statement_is_not_kept(empty):
    long = "SELECT %s" + " " * base.LONGEST
    assert convert(long) == "SELECT ?" + " " * base.LONGEST
    assert base._converted == {}


@sqlite_only
@pytest.mark.django_db
def test_the_settings_configure_it_and_statements_run_through_it():
    assert type(connections["default"]).__module__ == "rekisteri.core.sqlite.base"
    query = "SELECT %s || '%%' || %s"
    base._converted.pop(query, None)
    with connection.cursor() as cursor:
        cursor.execute(query, ["a", "b"])
        assert cursor.fetchone() == ("a%b",)
        cursor.execute(query, ["c", "d"])
        assert cursor.fetchone() == ("c%d",)
    assert base._converted[query] == "SELECT ? || '%' || ?"
