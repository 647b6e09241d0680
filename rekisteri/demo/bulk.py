"""Writing demo rows straight to the tables: ``INSERT`` (``COPY`` on
PostgreSQL) of plain tuples, encrypted columns sealed through the field's
own sealing path, and their blind-index rows."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

from rekisteri.core import blindindex, keyring
from rekisteri.core.crypto.fields import EncryptedTextField
from rekisteri.core.models import BlindIndex
from rekisteri.registry import sealing
from rekisteri.registry.models import SealableSearchKeyField, SearchKeyField

# --------------------------------------------------------------------------
# Writing rows
# --------------------------------------------------------------------------

# Field types whose values the generator gives in the database's own form:
# text and booleans as they are, ids as 32 hex digits (what SQLite stores and
# PostgreSQL accepts), dates and timestamps through the backend's
# adapt_*_value. Exact types only: a subclass may store something else.
_PLAIN_COLUMNS: tuple[type, ...] = (
    models.CharField,
    models.EmailField,
    models.SlugField,
    models.BooleanField,
    models.PositiveIntegerField,
    models.UUIDField,
    models.DateTimeField,
    models.DateField,
    # JSON columns are given as JSON text, which SQLite stores as it is and
    # PostgreSQL's COPY parses into jsonb.
    models.JSONField,
    SearchKeyField,
    # A sole trader's columns: the writer gives their stand-ins and the
    # sealed document itself (demo/register.py, registry/sealing.py).
    sealing.SoleTraderCharField,
    sealing.SoleTraderJSONField,
    SealableSearchKeyField,
    sealing.BusinessIdDigestField,
)


class Table:
    """``INSERT`` (``COPY`` on PostgreSQL) of plain tuples into one table.

    ``bulk_create`` spends most of its time building model instances and
    compiling SQL per value, which caps seeding near a thousand persons a
    second. This writer sends tuples in the column order given.

    Plain columns go as they are. Encrypted columns are sealed here exactly as
    ``EncryptedTextField.pre_save`` does, through the field's ``seal_text`` (same
    envelope, same place binding,
    the subject's data key, which the caller creates in bulk), and the terms of
    blind-indexed columns are returned for the index. Any other kind of field
    is refused rather than stored in a form the application cannot read.
    """

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if set(attnames) != set(fields):
            # A new model field must be generated here too, or rows would
            # silently get NULL or fail the insert.
            missing = sorted(set(fields) - set(attnames))
            unknown = sorted(set(attnames) - set(fields))
            raise ImproperlyConfigured(
                f"demo seeder: {model.__name__} columns out of date: missing "
                f"{missing}, unknown {unknown}"
            )
        self.fields = [fields[name] for name in attnames]
        self.table_name = model._meta.db_table
        self.sealed = [
            (i, f, attnames.index(_subject_attname(f)))
            for i, f in enumerate(self.fields)
            if isinstance(f, EncryptedTextField)
        ]
        for f in self.fields:
            if not _plain(f) and not isinstance(f, EncryptedTextField):
                raise ImproperlyConfigured(
                    f"demo seeder: {model.__name__}.{f.name} is a "
                    f"{type(f).__name__}, not a plain column it can write "
                    "directly; generate it through the ORM instead"
                )
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Table and column names come from model metadata; values are
        # always passed as parameters.
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def seal(
        self, rows: list[tuple], ciphers: dict[tuple[str, str], tuple[int, AESGCM]]
    ) -> tuple[list[tuple], list[list[tuple[int, str]]]]:
        """Rows with their encrypted columns sealed, and per row the
        blind-index entries (key, subject as 32 hex digits) of its indexed
        columns. ``ciphers`` holds the subjects' new data keys, by (subject
        as 32 hex digits, key class). Touches no database, so the producer
        thread can run it while the writer waits on the previous batch."""
        if not self.sealed:
            return rows, [[] for _ in rows]
        index_key = keyring.provider().index_key()
        labels = {f.name: blindindex.label_of(f) for _, f, _ in self.sealed}
        out, index = [], []
        for row in rows:
            values = list(row)
            entries: list[tuple[int, str]] = []
            h = row[0]
            row_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            for i, f, subject_i in self.sealed:
                value = row[i]
                if value is None:
                    continue
                values[i] = seal_value(ciphers, row[subject_i], f, row_id, value)
                if f.blind:
                    found = blindindex.keys_for_label(
                        labels[f.name], f.blind, value, index_key=index_key
                    )
                    entries.extend((k, row[subject_i]) for k in set(found))
            out.append(tuple(values))
            index.append(entries)
        return out, index

    def insert(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, rows)
        return len(rows)


def seal_value(
    ciphers: dict[tuple[str, str], tuple[int, AESGCM]],
    subject: str,
    field: EncryptedTextField,
    row_id: str,
    value: str,
) -> bytes:
    """One value sealed through the field's own sealing path (the one
    ``pre_save`` takes), under the subject's new key for its key class."""
    key_class = field.classification.key_class
    cipher = ciphers.get((subject, key_class))
    if cipher is None:
        raise ImproperlyConfigured(
            f"demo seeder: no new {key_class} key for the subject of "
            f"{field.model._meta.db_table}.{field.column}"
        )
    return bytes(field.seal_text(cipher[1], cipher[0], row_id, value))


def _subject_attname(f: EncryptedTextField) -> str:
    subject = f.classification.subject
    # "organization" on an Organization: the row is its own key's subject.
    own = subject in ("self", f.model._meta.model_name)
    return "id" if own else f"{subject}_id"


def insert_blind_index(entries: list[tuple[int, str]]) -> int:
    """Write blind-index rows (key, subject as 32 hex digits)."""
    if not entries:
        return 0
    table = connection.ops.quote_name(BlindIndex._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {table} (key, subject_id) FROM STDIN"
            ) as copy:
                for entry in entries:
                    copy.write_row(entry)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (key, subject_id) VALUES (%s, %s)",  # noqa: S608
                entries,
            )
    return len(entries)


def _plain(f: models.Field) -> bool:
    if f.is_relation:
        return type(f) is models.ForeignKey and _plain(f.target_field)
    return type(f) in _PLAIN_COLUMNS
