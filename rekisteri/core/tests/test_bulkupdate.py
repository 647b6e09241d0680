"""Many rows updated to values of their own (core/bulkupdate.py), on
whichever database the suite runs: each row gets its own values, rows not
named keep theirs, and the values come back as the ORM wrote them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rekisteri.contracts.models import RelationshipEnd
from rekisteri.core.bulkupdate import update_rows
from rekisteri.retention.models import SweepRun
from rekisteri.testing import make_org

pytestmark = pytest.mark.django_db

DAY = dt.date(2021, 3, 31)


def _ends(n: int) -> list[RelationshipEnd]:
    rows = []
    for _ in range(n):
        org = make_org(status="customer")
        end, _created = RelationshipEnd.objects.update_or_create(
            organization=org, defaults={"ended_on": DAY, "sole_trader": False}
        )
        rows.append(end)
    return rows


def test_each_row_gets_its_own_values_and_the_others_keep_theirs():
    rows = _ends(4)
    now = timezone.now().replace(microsecond=123456)
    wanted = {
        rows[0].pk: (None, True, now),  # open-ended again
        rows[1].pk: (DAY + dt.timedelta(days=1), False, now),
        rows[2].pk: (dt.date(1999, 12, 31), True, now - dt.timedelta(days=3)),
    }
    with CaptureQueriesContext(connection) as captured:
        n = update_rows(
            RelationshipEnd,
            ["ended_on", "sole_trader", "computed_at"],
            [(pk, *values) for pk, values in wanted.items()],
        )
    assert n == 3
    updates = [q for q in captured if "UPDATE" in q["sql"]]
    # One statement: PostgreSQL's UPDATE … FROM unnest, SQLite's prepared
    # UPDATE run for each row (executemany, captured once).
    assert len(updates) == 1
    got = {
        r.pk: (r.ended_on, r.sole_trader, r.computed_at)
        for r in RelationshipEnd.objects.filter(pk__in=[r.pk for r in rows])
    }
    for pk, values in wanted.items():
        assert got[pk] == values
    untouched = RelationshipEnd.objects.get(pk=rows[3].pk)
    assert (untouched.ended_on, untouched.sole_trader) == (DAY, False)
    assert untouched.computed_at == rows[3].computed_at


def test_a_row_no_longer_there_is_passed_over():
    rows = _ends(1)
    gone = make_org(status="customer").pk  # no relationship row
    update_rows(
        RelationshipEnd,
        ["ended_on"],
        [(gone, DAY), (rows[0].pk, DAY + dt.timedelta(days=9))],
    )
    assert not RelationshipEnd.objects.filter(pk=gone).exists()
    assert RelationshipEnd.objects.get(pk=rows[0].pk).ended_on == DAY + dt.timedelta(
        days=9
    )


def test_nothing_to_update_runs_no_statement():
    with CaptureQueriesContext(connection) as captured:
        assert update_rows(RelationshipEnd, ["ended_on"], []) == 0
    assert not captured.captured_queries


@pytest.mark.parametrize(
    ("fields", "row"),
    [
        (["counts"], (1, {})),  # JSON: no array literal of its text
        (["id"], (1, 2)),  # the key itself
        (["host", "pid"], (1, "x")),  # a short row
    ],
)
def test_what_it_cannot_write_is_refused_before_any_statement(fields, row):
    with CaptureQueriesContext(connection) as captured, pytest.raises(ValueError):
        update_rows(SweepRun, fields, [row])
    assert not captured.captured_queries


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.tuples(_TEXT, st.integers(0, 2**31 - 1)), min_size=1, max_size=25
    )
)
@example(values=[("NULL", 0), ('"{a,b}\\', 1), ("", 2)])
def test_texts_and_numbers_round_trip(values):
    """Any text (quotes, backslashes, braces, commas, "NULL") and number
    is stored as given: PostgreSQL's array literal quotes each element."""
    runs = SweepRun.objects.bulk_create(
        SweepRun(as_of=DAY, host="before", pid=0) for _ in values
    )
    update_rows(
        SweepRun,
        ["host", "pid"],
        [(run.pk, text, pid) for run, (text, pid) in zip(runs, values, strict=True)],
    )
    got = dict(
        SweepRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("pk", "host")
    )
    pids = dict(
        SweepRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("pk", "pid")
    )
    for run, (text, pid) in zip(runs, values, strict=True):
        assert (got[run.pk], pids[run.pk]) == (text, pid)
    SweepRun.objects.filter(pk__in=[r.pk for r in runs]).delete()
