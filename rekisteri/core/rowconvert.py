"""Rows converted as the ORM converts them, with less work per value.

Django's ``SQLCompiler.apply_converters`` turns each row into a list and
calls every column's converters with ``(value, expression, connection)``.
The statements of ``core/compiled.py`` run the same converters over tens of
thousands of rows (an erasing sweep's batch reads about 35 ids per person;
the person page and the search a few hundred values): :func:`plan` binds
each column's converters once per statement and connection, and
:func:`apply` runs them.

Two converters are replaced by equivalents. On SQLite a ``UUIDField`` is
stored as 32 hexadecimal digits and Django's converter makes each value
with ``uuid.UUID(value)``, which parses and checks the text in Python
(about 1.2 µs a value on the benchmark machine). :func:`uuid_from_hex`
gives the same ``UUID`` from the same text with one ``int(value, 16)``
(about 0.6 µs), and hands any text it is not sure of to ``uuid.UUID``, so
whatever ``uuid.UUID`` refuses is refused alike. The standard library has
no faster constructor, and the backend's converter cannot be swapped
without a database backend of the project's own. A ``DateField`` is stored
as ISO text, and Django's converter calls ``parse_date``, which calls
``date.fromisoformat``: :func:`date_from_text` calls it directly (a
retention recompute reads five dates a person) and leaves anything else to
``parse_date``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query import QuerySet, ValuesListIterable
from django.db.models.sql.constants import MULTI
from django.utils.dateparse import parse_date

_new = object.__new__
_set = object.__setattr__
_UUID = uuid.UUID
_UNKNOWN = uuid.SafeUUID.unknown


def uuid_from_hex(value: Any) -> Any:
    """``uuid.UUID(value)`` for a value read from SQLite's UUID column (None
    stays None)."""
    if value is None:
        return None
    # 32 characters that int() reads as base 16 are what uuid.UUID reads
    # the same way, except a "-" (a sign to int(), taken out by uuid.UUID):
    # anything else goes to uuid.UUID, which raises or reads it alike.
    if type(value) is str and len(value) == 32 and "-" not in value:
        try:
            number = int(value, 16)
        except ValueError:
            pass
        else:
            made = _new(_UUID)
            _set(made, "int", number)
            _set(made, "is_safe", _UNKNOWN)
            return made
    return _UUID(value)


_DATE = dt.date
_from_iso = dt.date.fromisoformat


def date_from_text(value: Any) -> Any:
    """SQLite's ``convert_datefield_value`` (``parse_date`` of a text,
    which tries ``date.fromisoformat`` first) without its calls around
    ``date.fromisoformat``; any other text or value goes to Django's."""
    if type(value) is str:
        try:
            return _from_iso(value)
        except ValueError:
            pass
    if value is None or isinstance(value, _DATE):
        return value
    return parse_date(value)


def _sqlite_converter(converter: Any) -> str | None:
    """The name of SQLite's backend converter ``converter`` is, or None."""
    func = getattr(converter, "__func__", None)
    if func is None or func.__module__ != "django.db.backends.sqlite3.operations":
        return None
    return func.__name__


# SQLite's backend converters with a faster equal (see the module).
_FASTER = {
    "convert_uuidfield_value": uuid_from_hex,
    "convert_datefield_value": date_from_text,
}


Plan = tuple[tuple[int, Callable[[Any], Any]], ...]


def plan(
    converters: dict[int, tuple[list[Any], Any]], connection: BaseDatabaseWrapper
) -> Plan:
    """Each converted column's position and one function of its value, from
    ``SQLCompiler.get_converters``' result for ``connection``."""
    out = []
    for pos, (convs, expression) in converters.items():
        faster = _FASTER.get(_sqlite_converter(convs[0])) if len(convs) == 1 else None
        if faster is not None:
            out.append((pos, faster))
            continue
        out.append((pos, _chain(tuple(convs), expression, connection)))
    return tuple(out)


def _chain(
    convs: tuple[Any, ...], expression: Any, connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    if len(convs) == 1:
        (only,) = convs

        def one(value: Any) -> Any:
            return only(value, expression, connection)

        return one

    def chained(value: Any) -> Any:
        for converter in convs:
            value = converter(value, expression, connection)
        return value

    return chained


def apply(rows: Iterable[Any], steps: Plan) -> list[tuple[Any, ...]]:
    """``rows`` converted by ``steps`` (:func:`plan`), as tuples."""
    if not steps:
        return [tuple(r) for r in rows]
    if len(steps) == 1:
        ((pos, fn),) = steps
        if pos == 0:
            return [(fn(r[0]), *r[1:]) for r in rows]
    out = []
    for row in rows:
        values = list(row)
        for pos, fn in steps:
            values[pos] = fn(values[pos])
        out.append(tuple(values))
    return out


def values_rows(queryset: QuerySet) -> list[tuple[Any, ...]]:
    """``list(queryset)`` of a ``values_list()`` queryset (not ``flat`` or
    ``named``), its columns converted by :func:`plan`, once for the
    statement, instead of Django's ``apply_converters`` row by row: for a
    statement built anew each time, as a keyset batch's range is (the
    retention recompute and sweep read tens of thousands of rows a run,
    docs/retention.md), where ``core/compiled.py``'s statements do not fit.
    The rows are the ones ``ValuesListIterable`` gives
    (``SQLCompiler.results_iter``): the same statement, the same values."""
    if queryset._iterable_class is not ValuesListIterable:
        raise TypeError("values_rows() reads a values_list() queryset")
    compiler = queryset.query.get_compiler(queryset.db)
    results = compiler.execute_sql(MULTI)
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return list(compiler.results_iter(results, tuple_expected=True))
    steps = plan(compiler.get_converters(fields), compiler.connection)
    return apply(chain.from_iterable(results), steps)
