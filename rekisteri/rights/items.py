"""The items of an access export (Art. 15): each stored value as JSON with
its label, category, data family and provenance, and the Art. 15(1)(a)-(h)
information of the item (docs/rights.md, Access export).

:func:`rekisteri.rights.services.export_person` locates the person's rows,
checks the matrix and calls :func:`item` for every row and participant
record. An export has thousands of items of a few shapes (a message
history): what depends only on an item's model and fields is worked out
once per process and language (:func:`_shape`), what depends on the
classifications, sources and date once per export (:func:`_info_once`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models

from rekisteri.access import families as families_mod
from rekisteri.core import participants
from rekisteri.core.catalogue import (
    RETENTION_RULES,
    LegalBasis,
    PersonalData,
    Purpose,
    personal_fields,
)
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.privacy.eea import is_eea
from rekisteri.privacy.recipients import (
    ExternalRecipient,
    external_recipients,
    receives,
)
from rekisteri.privacy.vocabulary import (
    BASIS_LABELS,
    PURPOSE_LABELS,
    RETENTION_LABELS,
)
from rekisteri.privacy.vocabulary import (
    label as vocabulary_label,
)
from rekisteri.registry.models import Provenance
from rekisteri.rights import engine

COMPLAINT = {
    "authority": "Tietosuojavaltuutetun toimisto (Data Protection Ombudsman)",
    "url": "https://tietosuoja.fi",
    "article": "77",
}
DEFAULT_AUTOMATED = (
    "No decisions based solely on automated processing, including profiling "
    "(GDPR Art. 22), are made with this data."
)


# --------------------------------------------------------------------------
# Values as JSON
# --------------------------------------------------------------------------


def json_value(value: Any) -> tuple[Any, bool]:
    """(JSON value, erased?) of a stored value."""
    if type(value) is str or value is None:  # most values: no conversion
        return value, False
    if isinstance(value, Placeholder):
        return None, value.is_erased
    if isinstance(value, dt.datetime):
        return value.isoformat(), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, Decimal):
        return str(value), False
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}, False
    if isinstance(value, models.Model):
        return str(value), False
    if isinstance(value, dict | list | str | int | float | bool):
        return value, False
    return str(value), False


@dataclass(frozen=True)
class _Column:
    """What an export states of one catalogued field, whatever its value."""

    name: str
    label: str
    classification: PersonalData
    family: str
    # Stored value -> its display text, for a field with choices.
    choices: dict[Any, str] | None


@dataclass(frozen=True)
class _Shape:
    """What an export states of an item with given fields, whatever its
    values: the model's label and title, the columns and their
    classifications."""

    label: str
    title: str
    columns: tuple[_Column, ...]
    classifications: frozenset[PersonalData]


@lru_cache(maxsize=1024)
def _shape(model: type[models.Model], names: tuple[str, ...], language: str) -> _Shape:
    """The shape of an item of ``model`` with the fields ``names``. An
    export has thousands of items of a few shapes (a message history), so
    each is worked out once per process and language (``language`` is part
    of the key: labels, titles and choices are translated)."""
    entries = _entries_of(model)
    columns = []
    for name in names:
        c = entries[name].classification
        assert isinstance(c, PersonalData)
        try:
            f = model._meta.get_field(name)
        except Exception:
            label, choices = name, None
        else:
            label = str(f.verbose_name)
            choices = (
                {k: str(v) for k, v in f.flatchoices}
                if getattr(f, "choices", None)
                else None
            )
        columns.append(_Column(name, label, c, families_mod.family_of(c), choices))
    return _Shape(
        label=model._meta.label,
        title=str(model._meta.verbose_name),
        columns=tuple(columns),
        classifications=frozenset(col.classification for col in columns),
    )


# --------------------------------------------------------------------------
# Provenance (Art. 15(1)(g))
# --------------------------------------------------------------------------


def _source(p: Provenance | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "source": p.source.name,
        "kind": p.source.kind,
        "obtained_at": p.obtained_at.isoformat(),
        "import_batch": str(p.import_batch_id) if p.import_batch_id else None,
    }


@functools.cache
def _provenance_links(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    """(what it covers, column) of each provenance link of a model:
    ``name_provenance`` covers the ``name`` family, ``provenance`` every
    field ("*")."""
    return tuple(
        (
            "*" if f.name == "provenance" else f.name.removesuffix("_provenance"),
            f.attname,
        )
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is Provenance
    )


def provenances(rows: list[engine.Located]) -> dict[Any, dict[str, Any]]:
    """Provenance id → its record as exported, for every located row's
    links, in one query."""
    ids = {
        getattr(located.row, attname)
        for located in rows
        for _key, attname in _provenance_links(located.model)
    } - {None}
    if not ids:
        return {}
    return {
        p.pk: _source(p)  # type: ignore[misc]
        for p in Provenance.objects.filter(pk__in=ids).select_related("source")
    }


def provenance_of(
    located: engine.Located, records: dict[Any, dict[str, Any]]
) -> dict[str, dict[str, Any] | None]:
    """A row's provenance records by what they cover (:func:`_provenance_links`)."""
    return {
        key: records.get(getattr(located.row, attname))
        for key, attname in _provenance_links(located.model)
    }


def untils(rows: list[engine.Located]) -> dict[tuple[str, Any], dt.date | None]:
    """(model label, row id) → the date each located row is kept until,
    asked of the participants once per kind of row."""
    by_label: dict[str, list[models.Model]] = {}
    for located in rows:
        by_label.setdefault(located.label, []).append(located.row)
    return {
        (label, pk): day
        for label, found in by_label.items()
        for pk, day in participants.until_many(label, found).items()
    }


# --------------------------------------------------------------------------
# Art. 15(1)(a)-(h) per item
# --------------------------------------------------------------------------


RIGHTS = (
    ("15", "access"),
    ("16", "rectification"),
    ("17", "erasure"),
    ("18", "restriction"),
)


def _rights(bases: set[str]) -> list[dict[str, str]]:
    found = [{"article": a, "right": r} for a, r in RIGHTS]
    if bases & {LegalBasis.CONTRACT, LegalBasis.CONSENT}:
        found.append({"article": "20", "right": "portability"})
    if LegalBasis.LEGITIMATE_INTEREST in bases:
        found.append({"article": "21", "right": "objection"})
    if LegalBasis.CONSENT in bases:
        found.append({"article": "7(3)", "right": "withdraw_consent"})
    return found


@dataclass
class Context:
    recipients: list[ExternalRecipient]
    automated: str
    purposes: dict[str, str]
    bases: dict[str, str]
    retention: dict[str, str]
    # The export's language, for the field labels.
    language: str = "fi"
    # The Art. 15(1) information of one export, by what it depends on:
    # thousands of items (a message history) share a handful of answers.
    infos: dict[tuple, dict[str, Any]] = field(default_factory=dict)


def _info_once(
    classifications: frozenset[PersonalData],
    ctx: Context,
    sources: list[dict[str, Any]],
    until: dt.date | None,
) -> dict[str, Any]:
    """:func:`_info`, computed once per distinct input within an export."""
    # A source is a flat dict of strings (``_source``).
    key = (classifications, tuple(tuple(s.items()) for s in sources), until)
    found = ctx.infos.get(key)
    if found is None:
        found = ctx.infos[key] = _info(classifications, ctx, sources, until)
    return found


def _info(
    classifications: frozenset[PersonalData],
    ctx: Context,
    sources: list[dict[str, Any]],
    until: dt.date | None,
) -> dict[str, Any]:
    purposes = sorted({p for c in classifications for p in c.purposes})
    bases = sorted({c.legal_basis for c in classifications})
    categories = sorted({c.category for c in classifications})
    rules = sorted({c.retention for c in classifications})
    recipients = [
        r for r in ctx.recipients if any(receives(r, cat) for cat in categories)
    ]
    unique_sources = []
    for s in sources:
        if s not in unique_sources:
            unique_sources.append(s)
    return {
        "purposes": [{"code": p, "label": ctx.purposes.get(p, p)} for p in purposes],
        "legal_bases": [{"code": b, "label": ctx.bases.get(b, b)} for b in bases],
        "categories": [
            {
                "code": c,
                "family": families_mod.family_of_category(c),
                "family_label": families_mod.label(families_mod.family_of_category(c)),
            }
            for c in categories
        ],
        "recipients": [
            {
                "name": r.name,
                "role": r.role,
                "service": r.service,
                "country": r.country,
            }
            for r in recipients
        ],
        "transfers": [
            {"recipient": r.name, "country": r.country, "safeguard": r.mechanism}
            for r in recipients
            if not is_eea(r.country)
        ],
        "retention": [
            {
                "rule": rule,
                "description": ctx.retention.get(rule, RETENTION_RULES[rule]),
                "until": until.isoformat() if until else None,
            }
            for rule in rules
        ],
        "sources": unique_sources,
        "rights": _rights(set(bases)),
        "complaint": COMPLAINT,
        "automated_decisions": ctx.automated,
    }


@functools.cache
def _entries_of(model: type[models.Model]) -> dict[str, Any]:
    """A model's personal fields by name (the catalogue is fixed once the
    apps are loaded; an export asks for each of its thousands of items)."""
    return {e.field_name: e for e in personal_fields(model)}


def item(
    model: type[models.Model],
    row_id: str,
    values: dict[str, Any],
    ctx: Context,
    *,
    context: dict[str, Any] | None = None,
    provenance: dict[str, dict[str, Any] | None] | None = None,
    until: dt.date | None = None,
) -> dict[str, Any]:
    shape = _shape(model, tuple(values), ctx.language)
    out_values = []
    sources: list[dict[str, Any]] = []
    provenance = provenance or {}
    for col, raw in zip(shape.columns, values.values(), strict=True):
        source = provenance.get(col.family, provenance.get("*"))
        if source is not None:
            sources.append(source)
        value, erased = json_value(raw)
        item: dict[str, Any] = {
            "field": col.name,
            "label": col.label,
            "value": value,
            "category": col.classification.category,
            "family": col.family,
            "source": source,
        }
        if col.choices is not None and raw not in (None, ""):
            item["display"] = col.choices.get(raw, str(raw))
        if erased:
            item["erased"] = True
        out_values.append(item)
    return {
        "model": shape.label,
        "title": shape.title,
        "id": row_id,
        "values": out_values,
        "context": {k: json_value(v)[0] for k, v in (context or {}).items()},
        "info": _info_once(shape.classifications, ctx, sources, until),
    }


def context_for_export(language: str, texts: dict[str, dict[str, str]]) -> Context:
    automated = (
        texts.get(language, {}).get("automated_decisions")
        or texts.get("en", {}).get("automated_decisions")
        or DEFAULT_AUTOMATED
    )
    return Context(
        language=language,
        recipients=external_recipients(),
        automated=automated,
        # The notice's own wording in the person's language (fi, sv, en).
        purposes={
            str(k): vocabulary_label(PURPOSE_LABELS, k, language)
            for k in Purpose.values
        },
        bases={
            str(k): vocabulary_label(BASIS_LABELS, k, language)
            for k in LegalBasis.values
        },
        retention={
            k: vocabulary_label(RETENTION_LABELS, k, language) for k in RETENTION_RULES
        },
    )


@functools.cache
def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)
