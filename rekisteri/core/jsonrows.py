"""Rows of a subquery as one JSON array, on SQLite and PostgreSQL.

``JSONRows(JSONArray("a", "b"))`` aggregates a group's rows into
``[[a, b], …]`` (``json_group_array`` on SQLite, ``jsonb_agg`` on
PostgreSQL), so a page can carry a few small related rows in a query it
makes anyway (docs/benchmarks.md, Audit log, on the person page). The
order of the rows is not defined: sort them in Python. :func:`rows_of`
reads the value back whichever way the driver gave it.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Aggregate, JSONField


class JSONRows(Aggregate):
    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def rows_of(value: Any) -> list[Any]:
    """The aggregated rows (an empty list for no rows)."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return list(value)
