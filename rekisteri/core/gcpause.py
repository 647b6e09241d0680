"""Pausing Python's cyclic garbage collector while a large result is built.

Reference counting frees what a request builds; the cyclic collector runs
on top of it, triggered by how many container objects were allocated. A
result of tens of thousands of dicts and lists (an access export of a long
message history, docs/rights.md) triggers it dozens of times while it is
built, and now and then a full collection that walks every object of the
process: tens to hundreds of milliseconds for work that finds nothing, as
such a result holds no reference cycles. :func:`paused` switches the
collector off for such a block and back on after it (if it was on).

Collection is process-wide: concurrent pauses (threads) are counted, and
the collector is switched back on when the last one ends. Cycles made by
other code meanwhile wait for the next collection; nothing is lost.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (see the module)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def freeze_startup() -> None:
    """Leave what start-up built out of every later collection.

    A full collection walks every tracked object of the process; right
    after start-up that is the modules, classes, functions and schemas the
    apps loaded, well over 100,000 objects that live as long as the process
    and took 60–80 ms of CPU to walk on the benchmark machine, paid by
    whichever request or erasure triggered the collection (docs/rights.md,
    an erasure's p95). ``gc.freeze`` moves them to the permanent generation,
    which no collection walks; what is allocated afterwards is collected as
    before. Called once start-up is complete: the WSGI entry point after
    the URLconf is loaded, the job worker when it starts, the benchmarks'
    case processes after ``django.setup()``.
    """
    # What start-up left unreachable is freed first, so nothing dead is frozen.
    gc.collect()
    gc.freeze()
