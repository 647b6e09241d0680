"""PostgreSQL's ``timestamptz`` values read by psycopg's compiled loader.

Django registers a loader of its own for ``timestamptz``
(``django/db/backends/postgresql/psycopg_any.py``, ``BaseTzLoader``): a
subclass of psycopg's pure-Python loader, which parses every value in
Python and then replaces its time zone. With the C implementation of
psycopg installed (``psycopg[binary]``) that parse is eight times the
compiled loader's (1.25 against 0.15 µs a value here), and a register's
pages read many timestamps: the name search at 100,000 persons on
PostgreSQL spent a tenth of its time in it (docs/benchmarks.md,
2026-12-06 23:10 UTC), its twenty organizations' four timestamps each,
its candidates' and their emails'.

Django sets each connection's session time zone to UTC (``USE_TZ``), and
psycopg's own loader then gives datetimes in ``datetime.timezone.utc``:
the values Django's loader gives, with the same ``tzinfo``. On such a
connection :func:`install` registers psycopg's loader, behind a class that
carries the ``timezone`` attribute Django's cursor reads to decide whether
to register its own again. A connection with another time zone keeps
Django's loader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

_OID = adapters.types["timestamptz"].oid
# psycopg's own loader for the text format: the compiled one when psycopg's
# C implementation is installed, the Python one otherwise.
_PSYCOPG_LOADER = adapters.get_loader(_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's ``timestamptz`` loader on a connection whose session time
    zone is UTC; ``timezone`` is what Django's cursor compares."""

    timezone = dt.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        # The loader's own bound method, so psycopg calls the compiled code
        # directly for each value (its class cannot be subclassed).
        self.load = _PSYCOPG_LOADER(oid, context).load  # type: ignore[method-assign]

    def load(self, data: Any) -> Any:  # pragma: no cover - replaced per instance
        raise NotImplementedError


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: psycopg's loader on a PostgreSQL connection
    whose time zone is UTC."""
    if connection.vendor != "postgresql" or connection.timezone != dt.UTC:
        return
    connection.connection.adapters.register_loader(_OID, UtcTimestamptzLoader)
