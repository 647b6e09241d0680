"""Rows of a subquery as one JSON array, on SQLite and PostgreSQL.

``JSONRows(JSONArray("a", "b"))`` aggregates a group's rows into
``[[a, b], …]`` (``json_group_array`` on SQLite, ``jsonb_agg`` on
PostgreSQL), so a page can carry a few small related rows in a query it
makes anyway (docs/benchmarks.md, Audit log, on the person page). The
order of the rows is not defined: sort them in Python. :func:`rows_of`
reads the value back whichever way the driver gave it.

Whole model rows travel the same way: :func:`row_columns` lists every
column of a model (and of models reached through foreign keys) as the
arguments of ``JSONArray``, binary columns hex-encoded (JSON holds no
bytes), and :func:`row_instance` turns such a row back into the instance a
query would have loaded, sealed values still sealed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    BinaryField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    F,
    Func,
    JSONField,
)


class JSONRows(Aggregate):
    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


class Hex(Func):
    """A binary column as hexadecimal text (NULL stays NULL on PostgreSQL,
    reads as an empty string on SQLite)."""

    function = "HEX"
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            function="ENCODE",
            template="%(function)s(%(expressions)s, 'hex')",
            **extra,
        )


def rows_of(value: Any) -> list[Any]:
    """The aggregated rows (an empty list for no rows)."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return list(value)


def _fields(model: Any) -> list[Any]:
    return list(model._meta.concrete_fields)


def row_columns(model: Any, prefix: str = "") -> list[Any]:
    """Every column of ``model`` reached through ``prefix`` (a lookup path
    ending in ``__``, or empty), in field order, as ``JSONArray`` arguments."""
    out: list[Any] = []
    for field in _fields(model):
        path = f"{prefix}{field.attname}"
        out.append(Hex(F(path)) if isinstance(field, BinaryField) else F(path))
    return out


def _value(field: Any, raw: Any) -> Any:
    """One JSON value back as the field's Python value, as the database's
    converters would have given it."""
    if isinstance(field, BinaryField):
        return bytes.fromhex(raw) if raw else None
    if raw is None:
        return None
    if isinstance(field, BooleanField):
        return bool(raw)
    if isinstance(field, DateTimeField):
        moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(raw)
        if settings.USE_TZ and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment
    if isinstance(field, DateField):
        return dt.date.fromisoformat(str(raw)[:10])
    return field.to_python(raw)


def _converter(field: Any) -> Callable[[Any], Any]:
    """:func:`_value` for one field, its type decided once."""
    if isinstance(field, BinaryField | BooleanField | DateTimeField | DateField):
        return functools.partial(_value, field)
    to_python = field.to_python
    return lambda raw: None if raw is None else to_python(raw)


@functools.cache
def _plan(model: Any) -> tuple[int, list[str], int, list[Callable[[Any], Any]]]:
    """What :func:`row_instance` needs of ``model``, worked out once per
    process: the columns, their names, where the key is, each one's
    converter. The person page turns about fourteen rows into instances."""
    fields = _fields(model)
    return (
        len(fields),
        [f.attname for f in fields],
        fields.index(model._meta.pk),
        [_converter(f) for f in fields],
    )


def row_instance(model: Any, values: list[Any], db: str) -> tuple[Any, list[Any]]:
    """An instance of ``model`` from the first of ``values`` (one column per
    field, as :func:`row_columns` lists them), as if loaded from ``db``, and
    the values left over (the next model's); None for a row that is not
    there (a foreign key's empty side)."""
    count, names, pk_index, converters = _plan(model)
    mine, rest = values[:count], values[count:]
    if mine[pk_index] is None:
        return None, rest
    converted = [c(v) for c, v in zip(converters, mine, strict=True)]
    return model.from_db(db, names, converted), rest
