"""Appending the events of a request, or of a bulk job, together.

Appending one event costs a head lock, an INSERT and a head update, and its
own commit when no transaction is open; a page that records a dozen reads
paid that a dozen times. Two scopes collect events and append them in one go
(:func:`rekisteri.audit.append.append`: one head lock, one INSERT, one head
update, whatever their number):

* **the request** (:func:`request_scope`, opened by
  ``AuditContextMiddleware``): an event recorded at the request's own level —
  outside any transaction the request opened, which is where the reads of a
  page are recorded — is held and appended with the others in one
  transaction once the view has returned or raised, before the response
  leaves. A read is therefore never shown without its event: if the append
  fails, the request fails. An event recorded inside a transaction the
  request opened (a write service's) is appended at once, in that
  transaction, as without a scope: the write commits with its event or not
  at all, and a refusal recorded before the transaction rolls back is gone
  with it exactly as before.
* **a batch** (:func:`batch`, for imports and sweeps): a transaction of its
  own in which every event is held and appended just before it commits. An
  event recorded inside a savepoint that rolls back is dropped with it, and
  nothing is written if the batch's transaction rolls back.

Outside both (commands, jobs, tests calling services) every event is
appended at once, in the caller's transaction if there is one.

Events are appended in the order they were recorded; an event appended at
once inside a request's transaction takes a chain position before the
request's held reads, and both keep the time they were recorded at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

from rekisteri.audit.append import append
from rekisteri.audit.models import AuditEvent

# A batch appends what it holds when this many events are waiting and no
# savepoint is open inside it, so a long import does not hold them all.
CHUNK = 5000


def _level() -> tuple[bool, tuple[str | None, ...]]:
    """Where the connection stands: inside a transaction, and which
    savepoints (``None`` for a block without one) are open in it."""
    return connection.in_atomic_block, tuple(connection.savepoint_ids)


class _Marker:
    """An on-commit callback that does nothing: Django drops the callbacks
    registered inside a savepoint that rolls back, so a marker still in
    ``connection.run_on_commit`` means its event's savepoint did not."""

    __slots__ = ()

    def __call__(self) -> None:
        return None


class _Scope:
    def __init__(self, *, transactional: bool) -> None:
        self.transactional = transactional
        self.level = _level()
        self.held: list[tuple[AuditEvent, _Marker | None]] = []
        # The level the last marker was registered at, and that marker.
        self.marked: tuple[tuple[bool, tuple[str | None, ...]], _Marker] | None = None

    def take(self, event: AuditEvent) -> bool:
        """Hold ``event`` if it belongs to this scope; False to append it now."""
        return self.take_many([event])

    def take_many(self, events: list[AuditEvent]) -> bool:
        """:meth:`take` of events recorded together, at one level."""
        level = _level()
        if not self.transactional:
            if level != self.level:
                return False
            self.held.extend((event, None) for event in events)
            return True
        marker = None
        if level != self.level:
            # Inside a savepoint of the batch: kept only if it is not rolled
            # back. The events recorded at one level (the same savepoints
            # open) share a marker: Django drops a callback when one of the
            # savepoints open at its registration rolls back, which is the
            # same for all of them, and a level whose savepoint rolled back
            # never comes again (savepoint ids are not reused).
            if self.marked is not None and self.marked[0] == level:
                marker = self.marked[1]
            else:
                marker = _Marker()
                transaction.on_commit(marker)
                self.marked = (level, marker)
        self.held.extend((event, marker) for event in events)
        if len(self.held) >= CHUNK and level == self.level:
            self.flush()
        return True

    def flush(self) -> None:
        held, self.held = self.held, []
        if any(marker is not None for _, marker in held):
            alive = {id(entry[1]) for entry in connection.run_on_commit}
            events = [e for e, m in held if m is None or id(m) in alive]
        else:
            events = [e for e, _ in held]
        append(events)


_scope: ContextVar[_Scope | None] = ContextVar("rekisteri_audit_scope", default=None)


def hold(event: AuditEvent) -> bool:
    """Hand ``event`` to the open scope; False if it must be appended now."""
    scope = _scope.get()
    return scope is not None and scope.take(event)


def hold_many(events: list[AuditEvent]) -> bool:
    """:func:`hold` of events recorded together (a bulk write's, at one
    level of savepoints)."""
    scope = _scope.get()
    return scope is not None and scope.take_many(events)


@contextmanager
def request_scope() -> Iterator[None]:
    """Hold the request's own events and append them together at its end."""
    scope = _Scope(transactional=False)
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)
        # Also when the view raised: the reads it made were made.
        scope.flush()


@contextmanager
def batch() -> Iterator[None]:
    """One transaction whose events are appended together before it commits.

    ``with audit.batch(): …`` around an import or a sweep; a batch inside a
    batch joins it.
    """
    outer = _scope.get()
    if outer is not None and outer.transactional:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        scope = _Scope(transactional=True)
        token = _scope.set(scope)
        try:
            yield
        finally:
            _scope.reset(token)
        if not connection.needs_rollback:
            scope.flush()
