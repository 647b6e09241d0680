"""How many due rows each batch of the sweep takes: fixed on PostgreSQL and
for a dry run, sized by time on SQLite, where an erasing batch's
transaction holds the database's one write lock (docs/retention.md,
Performance)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from rekisteri.retention import conf, sweep
from rekisteri.retention.choices import RunStatus
from rekisteri.retention.models import DueDate
from rekisteri.retention.tests.test_sweep import former_contact
from rekisteri.rights import services as rights

SECONDS = conf.BATCH_SECONDS
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("size", "took", "seconds", "expected"),
    [
        (1000, 0.5, 1.0, 2000),  # twice as fast as wanted: twice the rows
        (1000, 0.1, 1.0, 2000),  # ten times as fast: still at most twice
        (2000, 1.0, 1.0, 2000),  # on time: the same
        (2000, 4.0, 1.0, 500),  # four times too slow: a quarter
        (1000, 100.0, 1.0, sweep.BATCH_MIN),  # never below the smallest
        (3000, 0.5, 1.0, sweep.BATCH_MAX),  # never above the largest
        (1000, 0.0, 1.0, 2000),  # a clock that did not move: twice
    ],
)
def test_the_next_batch_takes_what_the_last_ones_rate_does_in_the_time(
    size, took, seconds, expected
):
    assert sweep.next_batch(size, took, seconds) == expected


def test_a_given_size_and_a_dry_run_are_fixed_and_postgresql_is_not_timed():
    assert sweep.Sizer.for_run(dry_run=False, batch_size=7) == sweep.Sizer(7)
    assert sweep.Sizer.for_run(dry_run=True, batch_size=None) == sweep.Sizer(
        sweep.DRY_BATCH
    )
    erasing = sweep.Sizer.for_run(dry_run=False, batch_size=None)
    if connection.vendor == "sqlite":
        assert erasing == sweep.Sizer(sweep.BATCH, 1.0)
    else:
        assert erasing == sweep.Sizer(sweep.BATCH_POSTGRESQL)
    fixed = sweep.Sizer(5)
    rows = [(i, "p", None, "relationship") for i in range(5)]
    assert fixed.rows == 5 and fixed.cut(rows) == rows
    fixed.took(rows, 100.0)
    assert fixed.size == 5


ERASE, SHRED = "person", "organization"


def _rows(*kinds: str) -> list[tuple]:
    """Due rows: ``ERASE`` a person's relationship, ``SHRED`` an
    organization's (a key shred), ``B`` a person's bookkeeping (a shred)."""
    made = {
        ERASE: lambda i: (i, f"p{i}", None, "relationship"),
        SHRED: lambda i: (i, None, f"o{i}", "relationship"),
        "B": lambda i: (i, f"p{i}", None, "bookkeeping_voucher"),
    }
    return [made[k](i) for i, k in enumerate(kinds)]


def test_a_timed_batch_counts_the_persons_it_erases():
    timed = sweep.Sizer(2, 1.0)
    assert timed.rows == sweep.BATCH_MAX
    rows = _rows(SHRED, ERASE, "B", SHRED, ERASE, ERASE, SHRED)
    # Cut after the second erasure; the shreds around it cost little.
    assert timed.cut(rows) == rows[:5]
    assert timed.cut(_rows(SHRED, SHRED, "B")) == _rows(SHRED, SHRED, "B")


def test_a_batch_of_cheap_rows_does_not_grow_the_next_ones_erasures():
    timed = sweep.Sizer(100, 1.0)
    timed.took(_rows(*[SHRED] * 4000), 0.01)  # organizations' shreds only
    assert timed.size == 100
    timed.took(_rows(*[ERASE] * 100), 0.25)  # then erasures, four times as fast
    assert timed.size == 200
    timed.took(_rows(*[ERASE] * 40), 100.0)  # the sweep's last, short batch
    assert timed.size == 200
    # Cut short by its rows, 150 erasures among organizations: slower than
    # wanted makes the next smaller, faster does not make it larger.
    timed.took(_rows(*[ERASE] * 150, *[SHRED] * 3850), 1.5)
    assert timed.size == 100
    timed.took(_rows(*[ERASE] * 100), 0.1)
    assert timed.size == 200
    timed.took(_rows(*[ERASE] * 150, *[SHRED] * 3850), 0.01)
    assert timed.size == 200
    timed.took(_rows(*[ERASE] * 200), 100.0)  # far too slow: the smallest
    assert timed.size == sweep.BATCH_MIN


def _batches(monkeypatch, contacts: int, seconds: float) -> list[int]:
    """The erasures of each batch of an erasing sweep over ``contacts``
    former contacts (each due twice: the person, erased, and its
    organization, whose key is shredded), when a batch aims at
    ``seconds``."""
    for _ in range(contacts):
        former_contact()
    monkeypatch.setattr(sweep, "BATCH", 2)
    monkeypatch.setattr(sweep, "BATCH_POSTGRESQL", 4)
    monkeypatch.setattr(sweep, "BATCH_MIN", 1)
    if sweep.BATCH_MAX > 6:
        monkeypatch.setattr(sweep, "BATCH_MAX", 5)
    sizes: list[int] = []
    seen = [0]

    def progress(run) -> None:  # type: ignore[no-untyped-def]
        sizes.append(run.counts["person.relationship"]["erased"] - seen[0])
        seen[0] += sizes[-1]

    with override_settings(**{SECONDS: seconds}):
        run = sweep.run_sweep(progress=progress)
    assert run.status == RunStatus.FINISHED
    assert run.processed == 2 * contacts
    assert sum(sizes) == contacts
    assert not DueDate.objects.filter(rule="relationship", person__isnull=False)
    return sizes


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's batches are not timed"
)
def test_on_sqlite_a_slow_batch_makes_the_next_smaller(monkeypatch):
    # No batch can erase in a microsecond: after the first, the smallest.
    # (The last batch is the last organization's row.)
    assert _batches(monkeypatch, 4, 1e-6) == [2, 1, 1, 0]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's batches are not timed"
)
def test_on_sqlite_fast_batches_grow_to_the_largest(monkeypatch):
    # Every batch erases within four seconds: doubled to four erasures, of
    # which its six rows at most hold three (each person's organization
    # comes next); the rest of the sweep in such batches.
    monkeypatch.setattr(sweep, "BATCH_MAX", 6)
    assert _batches(monkeypatch, 9, 4.0) == [2, 3, 3, 1]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's batches are timed")
def test_on_postgresql_the_batch_is_fixed(monkeypatch):
    # Four rows a batch: two persons and their organizations.
    assert _batches(monkeypatch, 6, 1e-6) == [2, 2, 2]


def test_every_subject_is_erased_whatever_the_sizes(monkeypatch):
    people = [former_contact() for _ in range(3)]
    monkeypatch.setattr(sweep, "BATCH", 1)
    monkeypatch.setattr(sweep, "BATCH_MIN", 1)
    with override_settings(**{SECONDS: 1e-6}):
        sweep.run_sweep()
    assert all(rights.is_erased(p) for p in people)


@pytest.mark.parametrize("bad", [0, -1, 5, 5.0, 60, "1", True, None])
def test_a_batch_time_the_busy_timeout_would_not_wait_for_is_refused(bad):
    with override_settings(**{SECONDS: bad}):
        with pytest.raises(ImproperlyConfigured, match=SECONDS):
            conf.batch_seconds()
        assert "retention.E003" in {e.id for e in run_checks()}
        if connection.vendor == "sqlite":
            with pytest.raises(ImproperlyConfigured):
                sweep.run_sweep()


@pytest.mark.parametrize("good", [0.05, 1, 2.5, 4.99])
def test_a_batch_time_below_the_busy_timeout_is_taken(good):
    with override_settings(**{SECONDS: good}):
        assert conf.batch_seconds() == float(good)
        assert "retention.E003" not in {e.id for e in run_checks()}
