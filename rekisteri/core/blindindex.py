"""Blind-index maintenance and lookup for encrypted fields.

An index row is ``(key, subject_id)`` where ``key`` packs a 15-bit field code
(from the field's label) above a truncated HMAC of one term. All indexed fields
resolve to their data subject (a Person), which is what search, duplicate
detection and erasure need; shredding a subject deletes its rows.

Rows are rewritten after each save of an indexed model (post_save) and removed
with the row (post_delete). Bulk writers, which send no signals, compute the
keys with :func:`keys_for_label` and insert the rows themselves (see
rekisteri.demo.register).
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from rekisteri.core import keyring
from rekisteri.core.crypto import blind
from rekisteri.core.crypto.fields import EncryptedTextField, Placeholder
from rekisteri.core.formats import search_key
from rekisteri.core.models import BlindIndex


def field_code(label: str) -> int:
    return zlib.crc32(label.encode()) & 0x7FFF


def pack(code: int, digest: int) -> int:
    return (code << 32) | digest


def indexed_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField) and f.blind
    ]


def label_of(f: EncryptedTextField) -> str:
    return f"{f.model._meta.label}.{f.name}"


def _index_key() -> bytes:
    return keyring.provider().index_key()


def unique_digest_for(label: str, value: str) -> str:
    """Full-length keyed digest of ``value`` for the field called ``label``
    (its own HKDF key, unrelated to the field's blind index)."""
    return blind.unique_digest(blind.field_key(_index_key(), label + "#unique"), value)


def keys_for_label(
    label: str,
    kind: str,
    value: str,
    *,
    index_key: bytes | None = None,
    memo: dict[tuple[str, str], int] | None = None,
) -> list[int]:
    """Index keys of every term of ``value`` for the field called ``label``.

    ``memo`` (the caller's, for one index key) keeps each term's key: a
    bulk writer's values share most of their name prefixes, which are then
    hashed once per batch instead of once per value."""
    if not value or isinstance(value, Placeholder):
        return []
    found = (
        blind.name_terms(value)
        if kind == "name"
        else blind.exact_terms(search_key(value))
    )
    if memo is not None:
        missing = [t for t in found if (label, t) not in memo]
        if missing:
            for t, k in zip(
                missing,
                keys_for_label_terms(label, kind, missing, index_key=index_key),
                strict=True,
            ):
                memo[(label, t)] = k
        return [memo[(label, t)] for t in found]
    return keys_for_label_terms(label, kind, found, index_key=index_key)


def keys_for_label_terms(
    label: str, kind: str, terms: list[str], *, index_key: bytes | None = None
) -> list[int]:
    """Index keys of these terms (already normalised) of the field called
    ``label``."""
    fkey = blind.field_key(index_key or _index_key(), label)
    bits = blind.TOKEN_BITS if kind == "name" else blind.EXACT_BITS
    high = field_code(label) << 32  # pack() of each term's digest
    return [high | d for d in blind.digests(fkey, terms, bits)]


def keys_for(f: EncryptedTextField, value: str) -> list[int]:
    """Index keys of every term of ``value`` in field ``f``."""
    return keys_for_label(label_of(f), f.blind, value)


def _query_term(kind: str, term: str) -> str:
    """An exact value's term as :func:`keys_for_label` indexes it: its
    :func:`search_key` (a normalised email with ``ß`` in its domain is
    indexed with ``ss``). Name terms come as the index's terms already."""
    return term if kind == "name" else search_key(term)


def query_key(model: type[models.Model], field_name: str, term: str) -> int:
    """The index key a query term must match (term already normalised)."""
    f = model._meta.get_field(field_name)
    label = label_of(f)
    bits = blind.TOKEN_BITS if f.blind == "name" else blind.EXACT_BITS
    fkey = blind.field_key(_index_key(), label)
    return pack(field_code(label), blind.digest(fkey, _query_term(f.blind, term), bits))


def query_key_for_label(label: str, kind: str, term: str) -> int:
    """:func:`query_key` for a field known by its label (an index kept for
    a column that is not itself encrypted: a sole trader's name,
    registry/sealing.py)."""
    bits = blind.TOKEN_BITS if kind == "name" else blind.EXACT_BITS
    fkey = blind.field_key(_index_key(), label)
    return pack(field_code(label), blind.digest(fkey, _query_term(kind, term), bits))


def query_keys(
    model: type[models.Model], field_name: str, terms: list[str]
) -> list[int]:
    """:func:`query_key` of each term, the field's key and code read once
    (a batch's addresses)."""
    f = model._meta.get_field(field_name)
    label = label_of(f)
    bits = blind.TOKEN_BITS if f.blind == "name" else blind.EXACT_BITS
    high = field_code(label) << 32  # pack() of each term's digest
    fkey = blind.field_key(_index_key(), label)
    terms = [_query_term(f.blind, t) for t in terms]
    return [high | d for d in blind.digests(fkey, terms, bits)]


def _reindex_subject(model: type[models.Model], subject_id: uuid.UUID) -> None:
    """Rewrite a subject's rows for ``model``'s indexed fields from the database."""
    fields = indexed_fields(model)
    codes = [field_code(label_of(f)) for f in fields]
    subject_attr = fields[0].classification.subject
    lookup = (
        {"pk": subject_id}
        if subject_attr == "self"
        else {f"{subject_attr}_id": subject_id}
    )
    for code in codes:
        BlindIndex.objects.filter(
            subject_id=subject_id, key__gte=code << 32, key__lt=(code + 1) << 32
        ).delete()
    rows: set[int] = set()
    for obj in model.objects.filter(**lookup).only(*[f.name for f in fields]):
        for f in fields:
            rows.update(keys_for(f, getattr(obj, f.attname)))
    BlindIndex.objects.bulk_create(
        [BlindIndex(key=k, subject_id=subject_id) for k in sorted(rows)]
    )


def _changed(instance: models.Model, fields: list[EncryptedTextField]) -> bool:
    loaded = instance.__dict__.get("_sealed_loaded", {})
    for f in fields:
        value = instance.__dict__.get(f.attname)
        before = loaded.get(f.attname)
        if before is None or (isinstance(value, str) and value != before[1]):
            return True
    return False


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kw: Any
) -> None:
    fields = indexed_fields(sender)
    if kw.get("raw") or not fields:
        return
    if created or _changed(instance, fields):
        _reindex_subject(sender, fields[0].subject_id(instance))


def _after_delete(
    sender: type[models.Model], instance: models.Model, **kw: Any
) -> None:
    fields = indexed_fields(sender)
    if not fields:
        return
    try:
        subject = fields[0].subject_id(instance)
    except (ValueError, AttributeError):
        return
    if fields[0].classification.subject == "self":
        BlindIndex.objects.filter(subject_id=subject).delete()
    else:
        _reindex_subject(sender, subject)


def connect(models_: Iterable[type[models.Model]]) -> None:
    """Maintain the index for every model with indexed encrypted fields."""
    for model in models_:
        if indexed_fields(model):
            post_save.connect(
                _after_save,
                sender=model,
                dispatch_uid=f"blind-save-{model._meta.label}",
            )
            post_delete.connect(
                _after_delete,
                sender=model,
                dispatch_uid=f"blind-del-{model._meta.label}",
            )


def matching_all_sql(
    driver: int, others: Iterable[Iterable[int]], limit: int
) -> tuple[str, list[Any]]:
    """SQL for subjects with an index row for ``driver`` and each of ``others``.

    Each group of ``others`` is a set of alternative keys (a term in the first
    or the last name, say); a subject must have at least one key of every
    group. The database walks the driver's rows and probes the subject's own
    rows for the other groups (index ``blind_subject``), stopping after
    ``limit`` subjects. So a query with a common first word and a rare second
    one still finds every subject that has both, which reading a capped list
    of the first word's subjects and filtering afterwards would not. Meant
    as a subquery: ``pk__in=RawSQL(*matching_all_sql(...))``.
    """
    table = connection.ops.quote_name(BlindIndex._meta.db_table)
    params: list[Any] = [driver]
    clauses = []
    for n, group in enumerate(others, 1):
        keys = sorted(set(group))
        if not keys:
            continue
        marks = ", ".join(["%s"] * len(keys))
        clauses.append(
            f" AND EXISTS (SELECT 1 FROM {table} b{n} WHERE "  # noqa: S608
            f"b{n}.subject_id = b0.subject_id AND b{n}.key IN ({marks}))"
        )
        params.extend(keys)
    params.append(int(limit))
    # Table and alias names are fixed; keys and the limit are parameters.
    sql = (
        f"SELECT b0.subject_id FROM {table} b0 WHERE b0.key = %s"  # noqa: S608
        + "".join(clauses)
        + " LIMIT %s"
    )
    return sql, params


def matching(model: type[models.Model], field_name: str, term: str) -> QuerySet:
    """Index rows for ``term`` in ``field_name``: ``.values("subject_id")`` of
    it is a subquery for the candidates' own rows."""
    return BlindIndex.objects.filter(key=query_key(model, field_name, term))


def subjects_matching(
    model: type[models.Model], field_name: str, term: str, limit: int | None = None
) -> list[uuid.UUID]:
    """Subjects with an index row for ``term`` in ``field_name`` (candidates)."""
    qs = matching(model, field_name, term).values_list("subject_id", flat=True)
    if limit is not None:
        qs = qs[:limit]
    return list(qs)
