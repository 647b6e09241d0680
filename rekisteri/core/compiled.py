"""Queries of a fixed shape, compiled to SQL once per process.

Building and compiling a queryset costs the ORM far more than the database
round trip it makes (a query of fourteen UNION members: about 5 ms of
Python, 0.04 ms of PostgreSQL). A query asked for again and again with
only its ids changing (the rights engine's probe of which kinds of row a
person has, docs/rights.md) is compiled once per database, number of ids
and ``key``, with stand-in ids, and run again with the real ones put in
their place.

Only for querysets whose parameters that vary are the ids, compared as the
``field`` of ``model`` they are given as (a primary key, a foreign key to
one), and whose rows need no conversion (plain numbers).

:func:`instance` does the same for one model instance with annotations
(the session's account with what every page asks of it,
rekisteri/accounts/backends.py): the statement is compiled once, its rows
converted as the ORM converts them and the instance made as a queryset
makes it. :func:`instances` gives every row of such a statement, and with
``select_related`` rows too (the person page's person and roles,
docs/benchmarks.md), each made as ``ModelIterable`` makes them.

:func:`among_rows`, :func:`among_instances` and :func:`among_delete` take
any ``values_list()`` query, model rows or delete whose only varying
parameters are a list of ids (``core.idlist.among`` or ``__in``): compiled
with stand-in ids of the list's shape (each length up to
``idlist.SHORT``, one array parameter beyond), their rows converted as the
ORM converts them. An erasure runs some forty such statements and its
Python time had been half building and compiling them (docs/rights.md).
A ``key`` names the statement and everything in it other than the ids: a
caller whose query changes with anything else puts that in the key.

On PostgreSQL each of these statements is a prepared statement of the
connection (:func:`cursor`): planned once per connection instead of on every
run. The person page's statement took PostgreSQL 2.3 ms to plan and 0.3 ms
to run.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ValuesListIterable, get_related_populators
from django.db.models.sql.query import Query
from django.db.models.sql.subqueries import DeleteQuery

from rekisteri.core import idlist, rowconvert

_compiled: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], dict[int, int]]] = {}


def cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor of ``connection`` whose statements are prepared on PostgreSQL.

    Django binds parameters on the client (the values written into the
    statement's text), so PostgreSQL plans every statement anew. This cursor
    binds them on the server and prepares each statement the first time the
    connection runs it (psycopg keeps the connection's prepared statements,
    by the statement's text); later runs send only the values. It is
    Django's cursor wrapper around it, so the statements are counted and
    logged as any other. Elsewhere, or where the database's ``OPTIONS`` set
    ``prepare_threshold`` to None (a connection pooler that keeps no
    prepared statements, docs/operations.md), it is the connection's own
    cursor.
    """
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold", 0) is None
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw_connection = connection.connection
    if raw_connection.prepare_threshold is None:
        # Django turns psycopg's automatic preparing off (None), which also
        # refuses an explicit prepare; a threshold no statement reaches
        # keeps the automatic preparing off and lets this cursor's through.
        raw_connection.prepare_threshold = _NEVER
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(raw_connection)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _LoggedPrepared(raw, connection)
    return connection.make_cursor(raw)


class _LoggedPrepared(CursorDebugWrapper):
    """Logs a prepared statement as Django logs a server-bound one: with its
    values written in (psycopg keeps no text of a prepared run)."""

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


_NEVER = 2**62


@functools.cache
def _preparing_cursor_class() -> type:
    # Imported on first use: the PostgreSQL backend module is loaded only
    # where PostgreSQL is the database.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs["prepare"] = True
            return super().execute(query, params, **kwargs)

    return PreparingCursor


def _stand_ins(count: int) -> list[uuid.UUID]:
    # No row has such an id: the register's ids are random or time-ordered.
    return [uuid.UUID(int=i + 1) for i in range(count)]


def rows(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    *,
    model: type[Model],
    field: Field,
) -> list[tuple[Any, ...]]:
    """The rows of ``build(ids)`` (see the module), read where ``model`` is
    read (core/dbrouter.py)."""
    alias = router.db_for_read(model) or DEFAULT_DB_ALIAS
    connection = connections[alias]
    slot = (key, alias, len(ids))
    found = _compiled.get(slot)
    if found is None:
        stand_ins = _stand_ins(len(ids))
        sql, params = build(stand_ins).query.get_compiler(alias).as_sql()
        where = {
            field.get_db_prep_value(s, connection, prepared=False): i
            for i, s in enumerate(stand_ins)
        }
        positions = {
            n: where[p] for n, p in enumerate(params) if _hashable(p) and p in where
        }
        found = _compiled[slot] = (sql, tuple(params), positions)
    sql, template, positions = found
    real = [field.get_db_prep_value(i, connection, prepared=False) for i in ids]
    params = [
        real[positions[n]] if n in positions else p for n, p in enumerate(template)
    ]
    with cursor(connection) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Statement:
    """A queryset compiled once: its SQL, its parameters with the place of
    the varying one, and what turns a row back into an instance."""

    __slots__ = (
        "annotations",
        "columns",
        "fields",
        "params",
        "populators",
        "position",
        "query",
        "sql",
    )

    def __init__(
        self,
        queryset: QuerySet,
        alias: str,
        stand_in: Any,
        field: Field,
        *,
        related: bool = False,
    ) -> None:
        query = queryset.query
        if (query.select_related and not related) or queryset._prefetch_related_lookups:
            raise ValueError("compiled.instance loads no related rows")
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        prepared = field.get_db_prep_value(stand_in, compiler.connection)
        found = [n for n, p in enumerate(params) if _hashable(p) and p == prepared]
        if len(found) != 1:
            raise ValueError("the stand-in must appear once among the parameters")
        self.query: Query = query
        self.position = found[0]
        self.sql, self.params = sql, tuple(params)
        # As ModelIterable reads them (django/db/models/query.py).
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.fields = (start, end, [f[0].target.attname for f in select[start:end]])
        self.columns = [s[0] for s in select[: compiler.col_count]]
        self.annotations = dict(compiler.annotation_col_map)
        # The select_related rows' builders: they hold the alias and the
        # columns' places, no connection.
        self.populators = get_related_populators(klass_info, select, alias)

    def run(self, model: type[Model], alias: str, value: Any) -> list[Model]:
        connection = connections[alias]
        params = list(self.params)
        params[self.position] = value
        with cursor(connection) as cur:
            cur.execute(self.sql, params)
            rows = cur.fetchall()
        if not rows:
            return []
        steps = _converters(connection, self)
        if steps:
            rows = rowconvert.apply(rows, steps)
        start, end, attnames = self.fields
        out = []
        for row in rows:
            obj = model.from_db(alias, attnames, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            out.append(obj)
        return out


_statements: dict[tuple[Any, ...], _Statement] = {}


def _converters(
    connection: BaseDatabaseWrapper, statement: _Statement | _AmongStatement
) -> rowconvert.Plan:
    """The converters of ``statement``'s columns, bound once per connection
    (core/rowconvert.py): they belong to this thread's connection and are
    kept on it, so they live as long as it does and never pass to another
    thread."""
    kept = connection.__dict__.setdefault("_compiled_converters", {})
    steps = kept.get(statement)
    if steps is None:
        compiler = statement.query.get_compiler(connection.alias)
        steps = kept[statement] = rowconvert.plan(
            compiler.get_converters(statement.columns), connection
        )
    return steps


def instance(
    key: Hashable,
    build: Callable[[Any], QuerySet],
    pk: Any,
    *,
    model: type[Model],
    stand_in: Any,
) -> Model | None:
    """``build(pk).first()``: the ``model`` instance of primary key ``pk``
    with its annotations, or None. ``build`` filters on the primary key by
    the value it is given and takes every other parameter from what ``key``
    names: it is called once per ``key`` and database, with ``stand_in`` (a
    key no row has) in the place of ``pk``."""
    found = _run(key, build, pk, model=model, stand_in=stand_in, field=None)
    return found[0] if found else None


def instances(
    key: Hashable,
    build: Callable[[Any], QuerySet],
    value: Any,
    *,
    model: type[Model],
    stand_in: Any,
    field: Field | None = None,
) -> list[Model]:
    """``list(build(value))``, ``select_related`` rows included, as
    :func:`instance` runs it: ``build`` filters on ``field`` (the primary
    key unless given; a foreign key to the model it points to) by the
    value it is given, and takes every other parameter from what ``key``
    names. No ``prefetch_related``: the caller reads those rows itself."""
    return _run(
        key, build, value, model=model, stand_in=stand_in, field=field, related=True
    )


def _run(
    key: Hashable,
    build: Callable[[Any], QuerySet],
    value: Any,
    *,
    model: type[Model],
    stand_in: Any,
    field: Field | None,
    related: bool = False,
) -> list[Model]:
    alias = router.db_for_read(model) or DEFAULT_DB_ALIAS
    slot = (key, alias)
    statement = _statements.get(slot)
    field = field or model._meta.pk
    if statement is None:
        statement = _statements[slot] = _Statement(
            build(stand_in), alias, stand_in, field, related=related
        )
    prepared = field.get_db_prep_value(value, connections[alias], prepared=False)
    return statement.run(model, alias, prepared)


# --- Statements filtered by a list of ids (core/idlist.py) ---------------


class _AmongStatement:
    """A queryset filtered by ``idlist.among`` compiled once: its SQL, its
    parameters, where the ids go in them, and what converts its rows."""

    __slots__ = (
        "col_count",
        "columns",
        "kind",
        "params",
        "places",
        "query",
        "sql",
        "trim",
        "vendor",
    )

    def __init__(
        self,
        queryset: QuerySet,
        alias: str,
        stand_ins: list[Any],
        kind: str | None,
        *,
        delete: bool,
    ) -> None:
        if queryset._prefetch_related_lookups or queryset.query.select_related:
            raise ValueError("compiled.among_rows reads no related rows")
        if delete:
            query = queryset.order_by().query.chain(klass=DeleteQuery)
            compiler = query.get_compiler(alias)
            sql, params = compiler.as_sql()
            self.columns, self.col_count, self.trim = [], 0, False
        else:
            if queryset._iterable_class is not ValuesListIterable:
                raise ValueError("compiled.among_rows reads a values_list() queryset")
            query = queryset.query
            compiler = query.get_compiler(alias)
            sql, params = compiler.as_sql()
            self.columns = [s[0] for s in compiler.select[: compiler.col_count]]
            self.col_count = compiler.col_count
            self.trim = compiler.has_extra_select
        self.query, self.sql, self.params = query, sql, tuple(params)
        self.kind, self.vendor = kind, connections[alias].vendor
        # Where the ids are: each stand-in as the column stores it (a UUID
        # object, or its hex digits or text on SQLite), or the one array
        # parameter of a long list.
        self.places: dict[int, tuple[int, Callable[[Any], Any]] | None] = {}
        if kind is None:
            for n, p in enumerate(params):
                for i, s in enumerate(stand_ins):
                    how = _same(p, s)
                    if how is not None:
                        self.places[n] = (i, how)
        else:
            wanted = idlist.bound(stand_ins, kind, self.vendor)
            for n, p in enumerate(params):
                if p == wanted:
                    self.places[n] = None
        if not self.places:
            raise ValueError("the ids must appear among the statement's parameters")

    def values(self, ids: list[Any]) -> list[Any]:
        """The parameters with ``ids`` in the stand-ins' places."""
        params = list(self.params)
        real = None if self.kind is None else idlist.bound(ids, self.kind, self.vendor)
        for n, place in self.places.items():
            if place is None:
                params[n] = real
            else:
                i, how = place
                params[n] = how(ids[i])
        return params


def _same(param: Any, stand_in: Any) -> Callable[[Any], Any] | None:
    """How a stand-in id became this parameter, or None if it did not."""
    if param == stand_in and type(param) is type(stand_in):
        return _identity
    if (
        isinstance(stand_in, int)
        and isinstance(param, int)
        and not isinstance(param, bool)
        and param == stand_in
    ):
        # An integer the backend typed (psycopg's Int8 for a bigint column,
        # the blind index's keys): the real id is typed the same way.
        return type(param)
    if isinstance(stand_in, uuid.UUID) and isinstance(param, str):
        if param == stand_in.hex:
            return _hex
        if param == str(stand_in):
            return str
    return None


def _identity(value: Any) -> Any:
    return value


def _hex(value: Any) -> str:
    return value.hex


def _stand_ins_like(ids: list[Any], count: int) -> list[Any]:
    """``count`` ids of the type of ``ids`` that no row has: the register's
    ids are random or time-ordered UUIDs and positive integers."""
    if isinstance(ids[0], uuid.UUID):
        return _stand_ins(count)
    if isinstance(ids[0], int) and not isinstance(ids[0], bool):
        return [-(2**62) - i for i in range(count)]
    return [f"\x00stand-in {i}" for i in range(count)]


_among: dict[tuple[Any, ...], _AmongStatement] = {}


def _execute(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    alias: str,
    *,
    text: bool,
    delete: bool = False,
) -> tuple[_AmongStatement, Any]:
    """Run the statement of ``key`` for the shape of ``ids`` (compiled on
    first use) with ``ids``: the statement, and its rows (a delete: how many
    rows went)."""
    connection = connections[alias]
    kind = idlist.array_kind(ids, connection.vendor, text=text)
    shape = (kind, len(ids) if kind is None else None)
    slot = (key, alias, delete, shape)
    statement = _among.get(slot)
    if statement is None:
        stand_ins = _stand_ins_like(ids, len(ids) if kind is None else idlist.SHORT + 1)
        statement = _among[slot] = _AmongStatement(
            build(stand_ins), alias, stand_ins, kind, delete=delete
        )
    with cursor(connection) as cur:
        cur.execute(statement.sql, statement.values(ids))
        return statement, (cur.rowcount if delete else cur.fetchall())


def among_rows(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    *,
    model: type[Model],
    text: bool = False,
    using: str | None = None,
) -> list[tuple[Any, ...]]:
    """``list(build(ids))`` for a ``values_list()`` queryset whose only
    varying parameters are the ids it filters by (``idlist.among``, or
    ``__in``): compiled once per ``key``, database and shape of the list
    (each length up to ``idlist.SHORT``, one array parameter beyond), its
    rows converted as the ORM converts them, prepared on PostgreSQL
    (:func:`cursor`). ``build`` takes every other parameter from what
    ``key`` names. Read where ``model`` is read, or on ``using``."""
    ids = list(ids)
    if not ids:
        return list(build(ids))
    alias = using or router.db_for_read(model) or DEFAULT_DB_ALIAS
    statement, rows = _execute(key, build, ids, alias, text=text)
    if not rows:
        return []
    if statement.trim:
        rows = [r[: statement.col_count] for r in rows]
    return rowconvert.apply(rows, _converters(connections[alias], statement))


def among_delete(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    *,
    model: type[Model],
    text: bool = False,
) -> int:
    """``build(ids)._raw_delete()`` (see ``core/rawdelete.py``: for a model
    no delete signal watches), compiled once as :func:`among_rows` is; how
    many rows went."""
    ids = list(ids)
    if not ids:
        return 0
    alias = router.db_for_write(model) or DEFAULT_DB_ALIAS
    return _execute(key, build, ids, alias, text=text, delete=True)[1]


def among_instances(
    key: Hashable,
    build: Callable[[list[Any]], QuerySet],
    ids: list[Any],
    *,
    model: type[Model],
    using: str | None = None,
    fields: tuple[str, ...] | None = None,
) -> list[Model]:
    """``list(build(ids))``, instances of ``model`` made by its ``from_db``
    with every concrete field loaded, or only ``fields`` (attribute names,
    the primary key among them; the rest deferred, as ``only()`` leaves
    them), read as :func:`among_rows` reads (``build`` filters and orders,
    and selects nothing itself). An encrypted field's value is opened on
    access, as on any instance."""
    # In the fields' own order, as ``from_db`` reads a row of fewer values.
    names = tuple(
        f.attname
        for f in model._meta.concrete_fields
        if fields is None or f.attname in fields
    )
    alias = using or router.db_for_read(model) or DEFAULT_DB_ALIAS
    return [
        model.from_db(alias, names, row)
        for row in among_rows(
            key,
            lambda keys: build(keys).values_list(*names),
            ids,
            model=model,
            using=alias,
        )
    ]
