"""Per-row signal work, done once for a bulk write.

A receiver of a model signal may do work per row (a role deleted: its
organization's relationship end is recomputed). A bulk write that sends the
signal for hundreds of rows (a batch erasure deleting the roles of 500
persons, ``rights.erasure.erasure_execute_many``) opens :func:`collect`;
inside it a receiver hands its keys to :func:`defer` instead of working,
and each receiver's ``flush`` runs once, with every key gathered, when the
block ends (in the write's transaction). Outside a block :func:`defer`
returns False and the receiver works as before. Like ``core.holds``, this
lets the app that writes (the rights engine) and the apps that listen
(contracts) meet without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Flush = Callable[[list[Any]], None]
_pending: ContextVar[dict[str, tuple[Flush, dict[Any, None]]] | None] = ContextVar(
    "rekisteri_deferral", default=None
)


def defer(name: str, flush: Flush, keys: Iterable[Any]) -> bool:
    """Hand ``keys`` to the open block's ``flush`` (called once per
    ``name`` when the block ends); False when no block is open."""
    pending = _pending.get()
    if pending is None:
        return False
    entry = pending.setdefault(name, (flush, {}))
    entry[1].update(dict.fromkeys(k for k in keys if k is not None))
    return True


@contextmanager
def collect() -> Iterator[None]:
    """Gather the deferred work of the block and run it when it ends (not
    when it raises: the write it belonged to is rolled back). A block
    inside a block joins it."""
    if _pending.get() is not None:
        yield
        return
    pending: dict[str, tuple[Flush, dict[Any, None]]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    # Flushes may defer again (a flush's own writes): run until none waits.
    while pending:
        name = sorted(pending)[0]
        flush, keys = pending.pop(name)
        flush(list(keys))
