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
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Field, Model, QuerySet

_compiled: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], dict[int, int]]] = {}


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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
