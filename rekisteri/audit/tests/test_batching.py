"""Events appended together: a request's reads, a batch (rekisteri/audit/batching.py).

The chain's guarantees hold as for events appended one by one: ids are the
chain positions with no gap, ``verify`` passes, an action that rolls back
leaves no event, and an event that must outlive a rolled-back action does.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from rekisteri.audit import batching
from rekisteri.audit.chain import CHAINED_FIELDS
from rekisteri.audit.models import AuditEvent, AuditHead
from rekisteri.audit.services import audit_record, audit_record_many, batch
from rekisteri.audit.verify import verify_chain
from rekisteri.testing import client_as

pytestmark = pytest.mark.django_db


def _record(action: str = "x.test", **kwargs):
    return audit_record(actor=None, action=action, target_type="x", **kwargs)


def _chain_ok(expected: int) -> None:
    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked == expected
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(1, expected + 1))
    assert AuditHead.objects.get().count == expected


def test_a_request_holds_its_reads_and_appends_them_together_at_its_end():
    with batching.request_scope():
        events = [_record(f"x.e{i:02d}") for i in range(5)]
        assert all(e.id is None for e in events)
        assert not AuditEvent.objects.exists()
    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    stored = list(AuditEvent.objects.order_by("id").values_list("action", "hash"))
    assert stored == [(e.action, e.hash) for e in events]
    _chain_ok(5)


def test_appending_a_request_s_reads_costs_three_statements_however_many():
    """Head lock, INSERT, head update; on PostgreSQL the last two are one."""
    _record()  # the head exists
    with CaptureQueriesContext(connection) as captured:
        with batching.request_scope():
            for i in range(12):
                _record(f"x.e{i:02d}")
        statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == (2 if connection.vendor == "postgresql" else 3), (
        statements
    )
    _chain_ok(13)


def test_a_write_inside_a_request_is_appended_in_its_own_transaction_at_once():
    with batching.request_scope():
        read = _record("x.e01")
        with transaction.atomic():
            write = _record("x.e02")
            # In the write's transaction, before the request ends.
            assert AuditEvent.objects.filter(pk=write.pk).exists()
        assert read.id is None
    assert write.id == 1 and read.id == 2
    _chain_ok(2)


def test_a_rolled_back_write_leaves_no_event_and_the_request_s_reads_survive():
    with batching.request_scope():
        _record("x.e01")
        with pytest.raises(RuntimeError), transaction.atomic():
            _record("x.e02")
            raise RuntimeError
        _record("x.e03")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "x.e01",
        "x.e03",
    ]
    _chain_ok(2)


def test_a_request_that_raises_still_appends_the_reads_it_made():
    with pytest.raises(RuntimeError), batching.request_scope():
        _record("x.e01")
        raise RuntimeError
    assert AuditEvent.objects.get().action == "x.e01"
    _chain_ok(1)


def test_a_batch_appends_its_events_once_before_it_commits():
    _record()
    with CaptureQueriesContext(connection) as captured:
        with batch():
            events = [_record(f"x.e{i:02d}") for i in range(50)]
            assert not AuditEvent.objects.filter(action__startswith="x.e").exists()
        writes = [
            q["sql"]
            for q in captured.captured_queries
            if "audit" in q["sql"] and not q["sql"].startswith("SELECT")
        ]
    # Head lock, INSERT, head update (the last two one statement on PostgreSQL).
    assert len(writes) == (2 if connection.vendor == "postgresql" else 3), writes
    assert [e.id for e in events] == list(range(2, 52))
    _chain_ok(51)


def test_a_large_batch_is_stored_whole_and_verifies():
    """From ``append.COPY_FROM`` events on, PostgreSQL stores them by COPY
    and moves the head after: the chain, the values and the JSON details
    come back as written."""
    import uuid

    from rekisteri.audit.append import COPY_FROM

    _record()
    subject = uuid.uuid4()
    n = 2 * COPY_FROM
    with batch():
        for i in range(n):
            _record(
                f"x.e{i % 60:02d}",
                target_id=i,
                subject_id=subject,
                details={"n": i, "text": 'tab\t "quote" \\ é'},
            )
    _chain_ok(n + 1)
    last = AuditEvent.objects.order_by("-id").first()
    assert last.subject_id == subject
    assert last.details == {"n": n - 1, "text": 'tab\t "quote" \\ é'}


def test_a_batch_that_rolls_back_leaves_no_event():
    _record()
    with pytest.raises(RuntimeError), batch():
        for i in range(5):
            _record(f"x.e{i:02d}")
        raise RuntimeError
    _chain_ok(1)


def test_a_savepoint_rolled_back_inside_a_batch_drops_its_own_events_only():
    with batch():
        _record("x.e01")
        with pytest.raises(RuntimeError), transaction.atomic():
            _record("x.e02")
            with transaction.atomic():
                _record("x.e03")
            raise RuntimeError
        with transaction.atomic():
            _record("x.e04")
        _record("x.e05")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["x.e01", "x.e04", "x.e05"]
    _chain_ok(3)


def test_events_of_one_savepoint_share_its_fate():
    """Events recorded at one level share a marker: an inner savepoint
    rolled back drops its own events only, the level's events around it
    stay, and a sibling savepoint rolled back drops all of its events."""
    with batch():
        with transaction.atomic():
            _record("x.e01")
            with pytest.raises(RuntimeError), transaction.atomic():
                _record("x.e02")
                _record("x.e03")
                raise RuntimeError
            _record("x.e04")
        with pytest.raises(RuntimeError), transaction.atomic():
            _record("x.e05")
            _record("x.e06")
            raise RuntimeError
        with transaction.atomic():
            _record("x.e07")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["x.e01", "x.e04", "x.e07"]
    _chain_ok(3)


def test_a_batch_inside_a_batch_joins_it():
    with batch():
        _record("x.e01")
        with pytest.raises(RuntimeError), batch():
            _record("x.e02")
            raise RuntimeError
        with batch():
            _record("x.e03")
        assert not AuditEvent.objects.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["x.e01", "x.e03"]
    _chain_ok(2)


def test_a_batch_inside_a_request_appends_when_the_batch_ends():
    with batching.request_scope():
        read = _record("x.e01")
        with batch():
            bulk = [_record(f"x.e{i:02d}") for i in range(2, 5)]
        assert [e.id for e in bulk] == [1, 2, 3] and read.id is None
    assert read.id == 4
    _chain_ok(4)


def test_a_long_batch_appends_in_chunks_outside_its_savepoints(monkeypatch):
    monkeypatch.setattr(batching, "CHUNK", 3)
    with batch():
        with transaction.atomic():
            for i in range(4):  # inside a savepoint: held until the batch ends
                _record(f"x.e{i:02d}")
        assert not AuditEvent.objects.exists()
        _record("x.e10")  # five held at the batch's own level: appended
        assert AuditEvent.objects.count() == 5
        _record("x.e11")
    _chain_ok(6)


def test_a_batch_that_fails_to_commit_is_not_appended_after_an_inner_error():
    # An inner block without a savepoint spoils the whole transaction.
    with pytest.raises(RuntimeError), batch():
        _record("x.e01")
        try:
            with transaction.atomic(savepoint=False):
                _record("x.e02")
                raise ValueError
        except ValueError:
            pass
        raise RuntimeError
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_interleaved_requests_keep_the_chain_valid():
    """Two requests record reads while the other appends; on PostgreSQL their
    appends also meet at the head's row lock."""
    rounds, per_request = 4, 6
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []
    turn = [threading.Lock(), threading.Lock()]
    concurrent = connection.vendor == "postgresql"

    def request(n: int) -> None:
        try:
            for r in range(rounds):
                with batching.request_scope():
                    for i in range(per_request):
                        _record(f"x.e{(n * 10 + i) % 60:02d}", details={"r": r})
                        if i == per_request // 2:
                            barrier.wait()
                    if not concurrent:
                        # SQLite's shared in-memory test database cannot wait
                        # on another connection's lock: append in turns.
                        turn[0].acquire()
                if not concurrent:
                    turn[0].release()
                barrier.wait()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    _chain_ok(2 * rounds * per_request)
    # Each request's events are contiguous in the chain: appended together.
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "details"))
    for start in range(0, len(rows), per_request):
        chunk = rows[start : start + per_request]
        first = int(chunk[0][0][3:]) // 10
        assert all(int(a[3:]) // 10 == first for a, _ in chunk), chunk
        assert len({d["r"] for _, d in chunk}) == 1, chunk


def test_a_page_whose_events_cannot_be_appended_is_not_served(monkeypatch):
    """The response leaves only after its reads' events are in the chain."""
    from django.urls import reverse

    from rekisteri.accounts.choices import StaffRole
    from rekisteri.testing import make_person

    person = make_person(first_name="Aino", last_name="Auditoitu")
    client = client_as(StaffRole.SALES)
    url = reverse("registry:person_detail", kwargs={"person_id": person.pk})

    def refuse(events):
        raise RuntimeError("the audit table is not writable")

    with (
        monkeypatch.context() as patched,
        pytest.raises(RuntimeError, match="writable"),
    ):
        patched.setattr(batching, "append", refuse)
        client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="person.view", subject_id=person.pk
    ).exists()


def test_events_recorded_together_are_those_recorded_one_by_one():
    """``audit_record_many`` (a bulk write's events) makes the events
    ``audit_record`` makes, column for column, held by the batch like them:
    in a savepoint rolled back they go with it."""
    records = [
        (f"t{n}", uuid.uuid4(), ["b", "a", "b"], ["x", "y"], {"n": n, "t": (1, 2)})
        for n in range(3)
    ]
    with batch():
        for target, subject, fields, cats, details in records:
            _record(
                "x.e01",
                target_id=target,
                subject_id=str(subject),
                fields=fields,
                categories=cats,
                details=details,
            )
        audit_record_many(
            actor=None,
            action="x.e01",
            target_type="x",
            records=[(t, str(s), f, c, d) for t, s, f, c, d in records],
        )
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record_many(
                actor=None, action="x.e02", target_type="x", records=records
            )
            raise RuntimeError
    one, many = (
        list(AuditEvent.objects.filter(pk__in=ids).order_by("id"))
        for ids in ((1, 2, 3), (4, 5, 6))
    )
    for a, b in zip(one, many, strict=True):
        for name in CHAINED_FIELDS:
            if name not in ("id", "at"):
                assert getattr(a, name) == getattr(b, name), name
    assert b.details == {"n": 2, "t": [1, 2]}
    _chain_ok(6)


@pytest.mark.parametrize("count", [1, 10])
def test_appends_work_with_prepared_statements_turned_off(count):
    """Behind a connection pooler that keeps no prepared statements the
    database's OPTIONS set ``prepare_threshold`` to None (docs/operations.md)
    and the append's statements go through the connection's own cursor:
    the events, their values and the chain are the same."""
    options = connection.settings_dict["OPTIONS"]
    before = dict(options)
    options["prepare_threshold"] = None
    subject = uuid.uuid4()
    try:
        _record()
        with batch():
            for i in range(count):
                _record(
                    f"x.e{i:02d}",
                    subject_id=subject,
                    details={"n": i, "text": 'tab\t "quote" \\ é'},
                )
    finally:
        options.clear()
        options.update(before)
    _chain_ok(count + 1)
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.subject_id, last.details) == (
        subject,
        {"n": count - 1, "text": 'tab\t "quote" \\ é'},
    )


# --- PostgreSQL with no transaction open: one statement per append --------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the conditional append is PostgreSQL's (rekisteri/audit/append.py)",
)


def _in_another_connection(work) -> None:
    """Run ``work`` in a thread of its own: its own database connection."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not errors, errors


def _request(count: int, first: int = 0) -> list:
    with batching.request_scope():
        return [_record(f"x.e{(first + i) % 60:02d}") for i in range(count)]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_request_s_reads_are_one_statement():
    """From the head this connection left, the append is one statement: no
    BEGIN, lock or COMMIT of its own."""
    _request(1)
    with CaptureQueriesContext(connection) as captured:
        events = _request(12, first=1)
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 1, statements
    assert statements[0].startswith("WITH moved AS (UPDATE audit_audithead")
    assert [e.id for e in events] == list(range(2, 14))
    assert all(not e._state.adding and e._state.db == "default" for e in events)
    _chain_ok(13)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_head_another_connection_moved_is_read_and_the_events_follow_it():
    """The first try finds the head moved, stores nothing and gives the head
    it found; the second links the events to it."""
    _request(2)
    _in_another_connection(lambda: _request(3, first=10))
    with CaptureQueriesContext(connection) as captured:
        events = _request(4, first=20)
    assert len(captured.captured_queries) == 2, captured.captured_queries
    assert [e.id for e in events] == [6, 7, 8, 9]
    _chain_ok(9)
    stored = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert stored == [
        "x.e00",
        "x.e01",
        "x.e10",
        "x.e11",
        "x.e12",
        *(f"x.e{i}" for i in range(20, 24)),
    ]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_head_that_keeps_moving_is_left_to_the_lock(monkeypatch):
    """When every try finds the head moved, the append takes the head's lock
    as inside a transaction, and the chain is whole."""
    from rekisteri.audit import append as append_module

    monkeypatch.setattr(append_module, "_TRIES", 1)
    _request(1)
    _in_another_connection(lambda: _request(2, first=5))
    with CaptureQueriesContext(connection) as captured:
        events = _request(3, first=30)
    statements = [q["sql"] for q in captured.captured_queries]
    assert statements[0].startswith("WITH moved AS"), statements
    assert any(
        s.startswith("UPDATE audit_audithead SET count = count +") for s in statements
    )
    assert [e.id for e in events] == [4, 5, 6]
    _chain_ok(6)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_first_append_ever_makes_the_head():
    """No head yet: nothing to move, so the append makes it under the lock;
    the next one is a single statement."""
    assert not AuditHead.objects.exists()
    _request(2)
    with CaptureQueriesContext(connection) as captured:
        _request(2, first=2)
    assert len(captured.captured_queries) == 1, captured.captured_queries
    _chain_ok(4)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_head_a_purge_moved_the_start_of_is_followed():
    """A purge by another connection moves the chain's start and its count:
    the guess stores nothing, and the append seals the head with the start
    and count it has."""
    import datetime as dt

    from django.utils import timezone

    from rekisteri.audit.purge import audit_purge

    _request(3)
    later = timezone.now() + dt.timedelta(days=366 * 30)
    _in_another_connection(lambda: audit_purge(actor=None, now=later))
    purged = AuditHead.objects.get()
    assert (purged.first_id, purged.count, purged.last_id) == (4, 1, 4)
    with CaptureQueriesContext(connection) as captured:
        events = _request(2, first=40)
    assert len(captured.captured_queries) == 2, captured.captured_queries
    assert [e.id for e in events] == [5, 6]
    head = AuditHead.objects.get()
    assert (head.first_id, head.anchor_hash, head.count, head.last_id) == (
        4,
        purged.anchor_hash,
        3,
        6,
    )
    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked == 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_many_connections_appending_at_once_keep_the_chain_whole():
    """Four connections appending requests as fast as they can: every event
    is stored once, each request's events together, the chain verifies."""
    workers, requests, per_request = 4, 15, 3

    def work(n: int) -> None:
        for r in range(requests):
            _request(per_request, first=n * 10 + r % 3)

    threads = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    for n in range(workers):
        threads.append(threading.Thread(target=run, args=(n,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    total = workers * requests * per_request
    _chain_ok(total)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    for start in range(0, total, per_request):
        owners = {int(a[3:]) // 10 for a in actions[start : start + per_request]}
        assert len(owners) == 1, actions[start : start + per_request]
