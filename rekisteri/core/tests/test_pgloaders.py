"""PostgreSQL's timestamps read by psycopg's own loader (core/pgloaders.py):
the values and time zone Django's loader gives, on every connection whose
time zone is UTC."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, connections
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's loader only"
    ),
]

LITERALS = [
    "2026-12-06 23:59:59.123456+02",
    "2026-03-29 03:00:00+03",  # Finland's spring change
    "2026-10-25 03:30:00+02",  # and autumn's
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "1969-12-31 23:59:59.5-05:30",
    "2000-02-29 12:00:00+14",
]


def loaded(cursor, literals: list[str]) -> list[dt.datetime]:
    cursor.execute(
        "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) "
        "ORDER BY n",
        [literals],
    )
    return [row[0] for row in cursor.fetchall()]


def test_every_connection_reads_with_psycopgs_loader():
    from psycopg.pq import Format

    from rekisteri.core.pgloaders import _OID, UtcTimestamptzLoader

    for alias in connections:
        conn = connections[alias]
        conn.ensure_connection()
        if conn.vendor != "postgresql":
            continue
        assert conn.connection.adapters.get_loader(_OID, Format.TEXT) is (
            UtcTimestamptzLoader
        )


def test_the_values_are_djangos():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        ours = loaded(cursor, LITERALS)
    with connection.cursor() as cursor:
        # Django's own loader, on this cursor only.
        register_tzloader(connection.timezone, cursor.cursor)
        django = loaded(cursor, LITERALS)
    assert ours == django
    assert [v.tzinfo for v in ours] == [dt.UTC] * len(LITERALS)
    assert [v.tzinfo for v in django] == [dt.UTC] * len(LITERALS)
    assert ours[0] == dt.datetime(2026, 12, 6, 21, 59, 59, 123456, tzinfo=dt.UTC)


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2))]),
    )
)
def test_a_written_instant_reads_back_in_utc(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [value])
        (back,) = cursor.fetchone()
    assert back == value
    assert back.tzinfo is dt.UTC


def test_a_model_reads_its_datetimes_through_it():
    from django.contrib.sessions.models import Session

    stamp = dt.datetime(2026, 12, 6, 12, 0, 0, 1, tzinfo=dt.UTC)
    Session.objects.create(session_key="t" * 32, session_data="x", expire_date=stamp)
    back = Session.objects.get(session_key="t" * 32).expire_date
    assert back == stamp and back.tzinfo is dt.UTC
