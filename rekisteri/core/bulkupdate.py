"""Many rows updated to values of their own, on SQLite and PostgreSQL.

Django's ``bulk_update`` writes one ``CASE WHEN pk = … THEN …`` per field
with a branch for every row, and builds and resolves an expression object
for each branch in Python: a batch erasure refreshing 2,000 organizations'
relationship ends spent more time building that statement than on any
statement it ran (docs/benchmarks.md, 2026-12-06 21:00). :func:`update_rows`
sends the values as data instead:

* on PostgreSQL one ``UPDATE … FROM unnest(…)`` per call, each column's
  values one array parameter (a literal, as ``core.idlist`` binds ids);
* on SQLite one prepared ``UPDATE … WHERE pk = ?`` run for every row
  (``executemany``: compiled once, each row found by its primary key).

Values are prepared by each field (``get_db_prep_value``) as ``save``
prepares them; no signal is sent and no ``auto_now`` is applied, as with
``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from rekisteri.core.idlist import array_literal


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Set ``fields`` of each row named by its primary key: ``rows`` are
    ``(pk, value of fields[0], value of fields[1], …)``, each key once (a
    key given twice gets one of its rows' values, which one is not
    defined). A key no row has changes nothing. Returns how many rows were
    given. Runs in the caller's transaction, if any."""
    rows = list(rows)
    if not rows:
        return 0
    connection = connections[using]
    meta = model._meta
    pk = meta.pk
    targets = [meta.get_field(name) for name in fields]
    if any(
        f.primary_key
        or not f.concrete
        or f.many_to_many
        or isinstance(f, models.JSONField | models.BinaryField)
        for f in targets
    ):
        # JSON and bytes have no array literal of their own text.
        raise ValueError(f"update_rows: {fields} are not plain columns")
    columns = [pk, *targets]
    width = len(columns)
    prepared = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"update_rows: a row of {len(row)} values, not {width}")
        prepared.append(
            [
                field.get_db_prep_value(value, connection, prepared=False)
                for field, value in zip(columns, row, strict=True)
            ]
        )
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [field.db_type(connection) for field in columns]
            names = [f"c{i}" for i in range(width)]
            sets = ", ".join(
                f"{quote(f.column)} = v.{n}"
                for f, n in zip(targets, names[1:], strict=True)
            )
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM unnest({arrays}) "  # noqa: S608 - names and types from the model
                f"AS v({', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.c0",
                [array_literal(col) for col in zip(*prepared, strict=True)],
            )
        else:
            sets = ", ".join(f"{quote(f.column)} = %s" for f in targets)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s",  # noqa: S608 - names from the model
                [[*values[1:], values[0]] for values in prepared],
            )
    return len(rows)
