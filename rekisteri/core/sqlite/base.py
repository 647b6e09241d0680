"""Django's SQLite backend, converting each statement's placeholders once.

Django writes statements with ``%s`` placeholders and its SQLite cursor
rewrites them to ``?`` on every execution, with a regular expression over
the whole text (``SQLiteCursorWrapper.convert_query``). The register's
statements are long and few: the person page's own is 5.7 kB, and the
rewrite cost 84 µs of it on a slow machine, about 3 % of the page's time
over HTTP (docs/benchmarks.md, 2026-12-06 23:10 UTC). A statement's text
decides its rewrite, so the rewrite is remembered by text, per process.

The memory is bounded: statements are shaped by the code, not by data,
but a list of ``IN (%s, %s, …)`` or a multi-row ``INSERT`` takes a new
shape for each length, so at most ``KEPT`` texts are kept and a statement
longer than ``LONGEST`` is not kept at all (at most about 32 MB, each text
kept with its rewrite; the register's pages use a few hundred texts of a
few kB). When the memory is full it is emptied and fills again with what
is in use.

Only statement texts are kept, never their parameters: the register
passes every value as a parameter (a statement run without parameters is
not converted, so not kept).

Everything else is Django's backend: ``connection.vendor`` is still
``"sqlite"``, and a statement with named parameters is converted as Django
converts it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

# Distinct statement texts kept; the register's pages and jobs use a few
# hundred.
KEPT = 1024
# Longer statements are converted each time (a bulk INSERT of many rows is
# long and seldom repeated; the person page's own statement is 5.7 kB).
LONGEST = 16 * 1024

# Text with ``%s`` -> text with ``?``. Shared by every connection of the
# process: a dict's get and set are each atomic, and two threads converting
# the same text store equal values.
_converted: dict[str, str] = {}


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        found = _converted.get(query)
        if found is None:
            found = super().convert_query(query)
            if len(query) <= LONGEST:
                if len(_converted) >= KEPT:
                    _converted.clear()
                _converted[query] = found
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
