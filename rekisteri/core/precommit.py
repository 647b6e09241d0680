"""Work an app does after a write, done inside the write's transaction.

An app that derives rows from others' writes (the retention app's due
dates) marks what changed and recomputes it once the transaction commits,
in a transaction of its own. A write service that wants the derived rows
written with its own (an erasure: one commit fewer, and on PostgreSQL each
commit waits for the disk) calls :func:`run` at the end of its
transaction; each registered ``flush`` then does now what it would have
done after the commit, and nothing is left for the commit. Like
``core.holds``, the writing app and the deriving app meet here without
importing each other.
"""

from __future__ import annotations

from collections.abc import Callable

_flushes: dict[str, Callable[[], None]] = {}


def register(name: str, flush: Callable[[], None]) -> None:
    """Register (or replace) ``flush`` under ``name`` (an app's
    ``AppConfig.ready``)."""
    _flushes[name] = flush


def run() -> None:
    """Every registered flush, in the order of their names."""
    for name in sorted(_flushes):
        _flushes[name]()
