"""Writing many rows of the register at once, without ``bulk_create``'s
per-value SQL compilation (the bulk write services: registry/bulk.py; the
inform tasks of a list import).

:func:`insert_rows` takes model instances, :func:`insert_values` plain
attribute values; both send what ``bulk_create`` would (each field's
``pre_save`` and ``get_db_prep_save``, with the shortcuts
:func:`insert_rows` names) as multi-row ``INSERT`` statements, and
:func:`insert_index_rows` the blind-index rows the save signal would write.
"""

from __future__ import annotations

import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from rekisteri.core.copyrows import copy_keys, copy_rows
from rekisteri.core.crypto.fields import EncryptedTextField, Placeholder
from rekisteri.core.models import BlindIndex
from rekisteri.registry.models import SearchKeyField

# Bound parameters per INSERT statement (SQLite allows 32,766, PostgreSQL
# 65,535).
PARAMS = 30_000


# How insert_rows turns an instance's attribute into a parameter.
_AS_IS, _SEAL, _PREP, _NOW, _PRE_SAVE, _UUID = range(6)
# Field types whose values of these exact Python types are what the
# database driver takes: their get_db_prep_save returns them unchanged.
_NONE = type(None)
_AS_IS_TYPES: dict[type, tuple[type, ...]] = {
    models.CharField: (str, _NONE),
    models.TextField: (str, _NONE),
    SearchKeyField: (str, _NONE),
    models.BooleanField: (bool, _NONE),
    models.IntegerField: (int, _NONE),
    models.BigIntegerField: (int, _NONE),
    models.PositiveIntegerField: (int, _NONE),
    models.PositiveSmallIntegerField: (int, _NONE),
    models.SmallIntegerField: (int, _NONE),
}


def _plan(model: type[models.Model]) -> list[tuple[models.Field, int, Any]]:
    """Per column: the field, how its value is made, and what that needs
    (the Python types that go as they are; for an encrypted column, the
    attribute naming the key owner when that is the row or a foreign key,
    and the key class)."""
    plan: list[tuple[models.Field, int, Any]] = []
    for f in model._meta.concrete_fields:
        if isinstance(f, EncryptedTextField) and (
            type(f).pre_save is EncryptedTextField.pre_save
        ):
            subject = f.classification.subject
            owner = None
            if subject == "self":
                owner = model._meta.pk.attname
            elif "__" not in subject and "|" not in subject:
                owner = f"{subject}_id"
            plan.append((f, _SEAL, (owner, f.classification.key_class)))
        elif type(f) in _AS_IS_TYPES:
            plan.append((f, _AS_IS, _AS_IS_TYPES[type(f)]))
        elif type(f) in (models.DateField, models.DateTimeField) and (
            f.auto_now or f.auto_now_add  # type: ignore[attr-defined]
        ):
            plan.append((f, _NOW, None))
        elif isinstance(f.target_field if f.is_relation else f, models.UUIDField):
            # A UUID (the row's id, a foreign key to one): what the field's
            # get_db_prep_save makes of a UUID, without its calls per value.
            plan.append((f, _UUID, None))
        elif type(f) in (
            models.UUIDField,
            models.ForeignKey,
            models.DateField,
            models.DateTimeField,
        ):
            # pre_save reads the attribute; a repeated value is prepared once.
            plan.append((f, _PREP, None))
        else:
            plan.append((f, _PRE_SAVE, None))
    return plan


def insert_rows(
    model: type[models.Model],
    objs: list[models.Model],
    *,
    ciphers: dict[tuple[Any, str], tuple[int, AESGCM]] | None = None,
) -> None:
    """``bulk_create`` without its per-value SQL compilation.

    Every column's value is what ``bulk_create`` would send: the field's
    ``pre_save`` and ``get_db_prep_save``, with shortcuts that give the
    same value. An encrypted value whose key is in ``ciphers`` ((owner id,
    key class) → key version and prepared cipher: the owners' new keys) is
    sealed through the field's own ``seal_text``, the path ``pre_save``
    takes, with the cipher made once per key instead of once per value; a
    text, number or flag goes as it is; a value the batch repeats (the
    provenance, the organization, the day) is prepared once; and the rows
    of one call share one time for ``auto_now`` and ``auto_now_add``. The
    rows go as multi-row ``INSERT`` statements of at most :data:`PARAMS`
    parameters. Primary keys must be set (the register's are UUIDs made by
    the model); no signal is sent, as with ``bulk_create``."""
    if not objs:
        return
    pk_attname = model._meta.pk.attname
    if any(getattr(o, pk_attname) is None for o in objs):
        raise ValueError(f"{model.__name__}: insert_rows needs primary keys")
    conn = connections[DEFAULT_DB_ALIAS]
    _insert(model, [o.__dict__ for o in objs], objs, ciphers or {})
    for o in objs:
        o._state.adding = False
        o._state.db = conn.alias


def insert_values(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    ciphers: dict[tuple[Any, str], tuple[int, AESGCM]] | None = None,
) -> None:
    """:func:`insert_rows` of rows given as attribute values (``person_id``,
    not ``person``), for rows nobody needs as instances afterwards (a
    person's addresses, the inform tasks): a column left out gets its
    field's default (a constant or a time once per call, any other callable
    default once per row). The primary key must be given."""
    if not rows:
        return
    pk_attname = model._meta.pk.attname
    shared: dict[str, Any] = {}
    per_row: list[models.Field] = []
    for f in model._meta.concrete_fields:
        if f.attname == pk_attname:
            continue
        if not callable(f.default) or isinstance(f, models.DateField):
            shared[f.attname] = f.get_default()
        else:
            per_row.append(f)
    filled = []
    for row in rows:
        if row.get(pk_attname) is None:
            raise ValueError(f"{model.__name__}: insert_values needs primary keys")
        full = {**shared, **row}
        for f in per_row:
            if f.attname not in row:
                full[f.attname] = f.get_default()
        filled.append(full)
    _insert(model, filled, None, ciphers or {})


def _insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    objs: list[models.Model] | None,
    ciphers: dict[tuple[Any, str], tuple[int, AESGCM]],
) -> None:
    # The connection itself, not the proxy: the proxy's lookup per value
    # costs more than the value.
    conn = connections[DEFAULT_DB_ALIAS]
    plan = _plan(model)
    pk_attname = model._meta.pk.attname
    # The rows' ids as text, once for their sealed columns; one time for
    # every auto_now and auto_now_add column of the call.
    row_ids = (
        [str(data[pk_attname]) for data in rows]
        if any(how == _SEAL for _f, how, _a in plan)
        else []
    )
    now = timezone.now()
    # Column by column: each column's rule is chosen once for all its rows
    # instead of once per value.
    columns = [
        _column(model, f, how, arg, rows, objs, ciphers, conn, row_ids, now)
        for f, how, arg in plan
    ]
    quote = conn.ops.quote_name
    _execute_insert(
        quote(model._meta.db_table),
        [quote(f.column) for f, _h, _a in plan],
        list(zip(*columns, strict=True)),
    )


def _column(  # noqa: C901 - one branch per rule of _plan
    model: type[models.Model],
    f: models.Field,
    how: int,
    arg: Any,
    rows: list[dict[str, Any]],
    objs: list[models.Model] | None,
    ciphers: dict[tuple[Any, str], tuple[int, AESGCM]],
    conn: Any,
    row_ids: list[str],
    now: Any,
) -> list[Any]:
    """One column's parameters for every row (the rule of :func:`_plan`)."""
    attname = f.attname

    def prepared(n: int) -> Any:
        # No shortcut: the field's own pre_save (an instance's) and
        # preparation.
        if objs is not None:
            return f.get_db_prep_save(f.pre_save(objs[n], True), conn)
        if how == _PRE_SAVE:
            raise ValueError(
                f"{model.__name__}.{f.name}: insert_values cannot run its pre_save"
            )
        return f.get_db_prep_save(rows[n].get(attname), conn)

    if how == _AS_IS:
        values = [data[attname] for data in rows]
        if set(map(type, values)).issubset(arg):
            return values
        return [v if type(v) in arg else prepared(n) for n, v in enumerate(values)]
    if how == _SEAL:
        owner, key_class = arg
        binary = conn.Database.Binary
        out = []
        for n, data in enumerate(rows):
            value = data.get(attname)
            if value is None:
                out.append(None)
                continue
            cipher = ciphers.get((data.get(owner), key_class)) if owner else None
            if (
                cipher is not None
                and isinstance(value, str)
                and not isinstance(value, Placeholder)
                and "_sealed_loaded" not in data
            ):
                version, aead = cipher
                out.append(binary(f.seal_text(aead, version, row_ids[n], value)))
            else:
                out.append(prepared(n))
        return out
    if how == _UUID:
        values = [data[attname] for data in rows]
        native = conn.features.has_native_uuid_field
        if set(map(type, values)) == {uuid.UUID}:
            return values if native else [v.hex for v in values]
        return [
            (v if native else v.hex) if type(v) is uuid.UUID else prepared(n)
            for n, v in enumerate(values)
        ]
    if how in (_PREP, _NOW):
        if how == _NOW:
            # What pre_save does on an insert, with the call's one time.
            stamp = now.date() if type(f) is models.DateField else now
            for data in rows:
                data[attname] = stamp
        # A value the rows repeat (the provenance, the day) prepared once.
        memo: dict[Any, Any] = {}
        out = []
        for data in rows:
            value = data[attname]
            found = memo.get(value)
            if found is None:
                found = f.get_db_prep_save(value, conn)
                if found is not None:
                    memo[value] = found
            out.append(found)
        return out
    return [prepared(n) for n in range(len(rows))]


def _execute_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """The rows into ``table``: on PostgreSQL one ``COPY ... FROM STDIN``
    (the server parses no statement of thousands of parameters and the
    client quotes none: about half the time of a multi-row ``INSERT`` and a
    fifth of its CPU, docs/connectors.md, Speed), on SQLite multi-row
    ``INSERT`` statements of at most :data:`PARAMS` parameters."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    # Table and column names come from model metadata; values are always
    # passed as data, never in the statement's text.
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            copy_rows(cursor, table, columns, rows)
        return
    per = max(1, PARAMS // len(columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
    with conn.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [v for row in chunk for v in row]
            cursor.execute(head + ", ".join([one] * len(chunk)), params)


def insert_index_rows(entries: list[tuple[int, Any]]) -> None:
    """Blind-index rows ``(key, subject id)``, as the save signal would
    write them (docs/security.md, blind indexes), without an instance each."""
    conn = connections[DEFAULT_DB_ALIAS]
    subject = BlindIndex._meta.get_field("subject_id")
    quote = conn.ops.quote_name
    table = quote(BlindIndex._meta.db_table)
    columns = [quote("key"), quote("subject_id")]
    if conn.vendor == "postgresql":
        # COPY text made here: an integer and a UUID (core/copyrows.py).
        with conn.cursor() as cursor:
            copy_keys(cursor, table, columns, entries)
        return
    rows = []
    last: Any = None
    prepared: Any = None
    for k, s in entries:
        # A subject's entries come together: prepared once each.
        if s is not last:
            last, prepared = s, subject.get_db_prep_save(s, conn)
        rows.append((k, prepared))
    _execute_insert(table, columns, rows)
