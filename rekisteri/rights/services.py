"""Data-subject rights: access export (Art. 15) and portability (Art. 20).

The Python API other apps call (a request-case app, the retention sweep)::

    export_person(actor=user, person=person)          -> dict (JSON export)
    portability_zip(actor=user, person=person)        -> bytes (ZIP)

Erasure (Art. 17), its plan and its execution, is in
:mod:`rekisteri.rights.erasure`.

``actor=None`` is the system itself (a scheduled sweep), which the
need-to-know matrix does not restrict. Everything is derived from the
catalogue through :mod:`rekisteri.rights.engine` and the participants apps
register (rekisteri.core.participants); nothing here names a field.

Authorization comes first: the rows are located by id only, the families of
personal data they hold are checked against the matrix's ``export`` or
``erase`` column, and only then is a value read or written.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rekisteri.access import families as families_mod
from rekisteri.access.choices import Action
from rekisteri.access.enforce import not_a_write_service
from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record
from rekisteri.core import keyring, participants
from rekisteri.core.catalogue import (
    RETENTION_RULES,
    KeyClass,
    LegalBasis,
    PersonalData,
    Purpose,
    personal_fields,
)
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.dbrouter import on_primary
from rekisteri.core.errors import Forbidden
from rekisteri.privacy.eea import is_eea
from rekisteri.privacy.facts import system_facts
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
from rekisteri.registry.models import Person, Provenance
from rekisteri.rights import engine
from rekisteri.rights.models import ErasureReceipt

EXPORT_FORMAT = "rekisteri.access-export"
EXPORT_VERSION = 1


# A request or case reference (an erasure's, a rectification's): validated
# to be a reference, not free text.
CASE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")

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
# Authorization
# --------------------------------------------------------------------------


def authorize(actor: Any, person: Person, action: str, needed: set[str]) -> None:
    """Matrix first: refuse (and record) unless ``actor`` may ``action``
    every family in ``needed``. ``None`` is the system."""
    if actor is None:
        return
    perm = Perm.PRIVACY_MANAGE if action == Action.ERASE else Perm.PRIVACY_VIEW
    missing = (
        set(needed)
        if not has_perm(actor, perm)
        else set(needed) - visible_families(actor, action)
    )
    if not has_perm(actor, perm) or missing:
        audit_record(
            actor=actor,
            action=f"rights.{action}",
            outcome=Outcome.DENIED,
            target_type="person",
            target_id=person.pk,
            subject_id=person.pk,
            purpose="security",
            details={"missing": sorted(missing), "permission": perm.value},
        )
        labels = ", ".join(sorted(families_mod.label(f) for f in missing))
        raise Forbidden(
            _("Your role may not %(action)s this person's data: %(families)s.")
            % {"action": action, "families": labels or perm.value},
            code="need_to_know",
        )


def is_erased(person: Person) -> bool:
    """The person's CRM key is shredded (by a request or by retention)."""
    return keyring.is_destroyed(person.pk, KeyClass.CRM)


def receipt_for(person: Person) -> ErasureReceipt | None:
    return ErasureReceipt.objects.filter(subject_id=person.pk).first()


# --------------------------------------------------------------------------
# Values as JSON
# --------------------------------------------------------------------------


def _json_value(value: Any) -> tuple[Any, bool]:
    """(JSON value, erased?) of a stored value."""
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
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value, False
    return str(value), False


def _display(model: type[models.Model], name: str, value: Any) -> str | None:
    try:
        f = model._meta.get_field(name)
    except Exception:
        return None
    if getattr(f, "choices", None) and value not in (None, ""):
        return str(dict(f.flatchoices).get(value, value))
    return None


@lru_cache(maxsize=4096)
def _label_in(model: type[models.Model], name: str, language: str | None) -> str:
    # ``language`` is part of the key: the label is translated.
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


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


def _provenance_of(row: models.Model) -> dict[str, dict[str, Any] | None]:
    """Provenance links of a row by what they cover: ``name_provenance``
    covers the ``name`` family, ``provenance`` covers every field ("*")."""
    found: dict[str, dict[str, Any] | None] = {}
    for f in row._meta.concrete_fields:
        if f.is_relation and f.related_model is Provenance:
            key = "*" if f.name == "provenance" else f.name.removesuffix("_provenance")
            found[key] = _source(getattr(row, f.name))
    return found


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
class _Context:
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
    classifications: list[PersonalData],
    ctx: _Context,
    sources: list[dict[str, Any]],
    until: dt.date | None,
) -> dict[str, Any]:
    """:func:`_info`, computed once per distinct input within an export."""
    key = (
        frozenset(classifications),
        json.dumps(sources, sort_keys=True, default=str),
        until,
    )
    found = ctx.infos.get(key)
    if found is None:
        found = ctx.infos[key] = _info(classifications, ctx, sources, until)
    return found


def _info(
    classifications: list[PersonalData],
    ctx: _Context,
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


def _item(
    model: type[models.Model],
    row_id: str,
    values: dict[str, Any],
    ctx: _Context,
    *,
    context: dict[str, Any] | None = None,
    provenance: dict[str, dict[str, Any] | None] | None = None,
    until: dt.date | None = None,
) -> dict[str, Any]:
    entries = _entries_of(model)
    out_values = []
    classifications: list[PersonalData] = []
    sources: list[dict[str, Any]] = []
    provenance = provenance or {}
    for name, raw in values.items():
        entry = entries[name]
        c = entry.classification
        assert isinstance(c, PersonalData)
        classifications.append(c)
        family = families_mod.family_of(c)
        source = provenance.get(family, provenance.get("*"))
        if source is not None:
            sources.append(source)
        value, erased = _json_value(raw)
        item: dict[str, Any] = {
            "field": name,
            "label": _label_in(model, name, ctx.language),
            "value": value,
            "category": c.category,
            "family": family,
            "source": source,
        }
        display = _display(model, name, raw)
        if display is not None:
            item["display"] = display
        if erased:
            item["erased"] = True
        out_values.append(item)
    return {
        "model": model._meta.label,
        "title": str(model._meta.verbose_name),
        "id": row_id,
        "values": out_values,
        "context": {k: _json_value(v)[0] for k, v in (context or {}).items()},
        "info": _info_once(classifications, ctx, sources, until),
    }


def _context_for_export(language: str, facts: Any) -> _Context:
    automated = (
        facts.texts.get(language, {}).get("automated_decisions")
        or facts.texts.get("en", {}).get("automated_decisions")
        or DEFAULT_AUTOMATED
    )
    return _Context(
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


# --------------------------------------------------------------------------
# Access export (Art. 15)
# --------------------------------------------------------------------------


def until_of(located: engine.Located) -> dt.date | None:
    fn = participants.until_for(located.label)
    return fn(located.row) if fn is not None else None


def _language(person: Person, language: str | None) -> str:
    if language in ("fi", "sv", "en"):
        return language  # type: ignore[return-value]
    with keyring.ensure_scope():
        preferred = str(person.preferred_language or "")
    return preferred if preferred in ("fi", "sv", "en") else "fi"


@not_a_write_service(
    "an access export reads the person's data after the matrix's export "
    "column allowed it; it writes only its audit event"
)
# The rights engine reads the primary, never a replica that may lag
# (rekisteri/core/dbrouter.py).
@on_primary
def export_person(
    *, actor: Any, person: Person, language: str | None = None, fmt: str = "json"
) -> dict[str, Any]:
    """Everything stored about ``person`` with the Art. 15(1) information
    per item, as a dict that validates against :data:`schema.EXPORT_SCHEMA`.

    Refused with :class:`Forbidden` (``need_to_know``) before anything is
    read unless ``actor`` may export every family the person's data holds.
    """
    scope = engine.locate(person)
    authorize(actor, person, Action.EXPORT, scope.families())
    language = _language(person, language)
    with keyring.ensure_scope(), translation.override(language):
        facts = system_facts()
        ctx = _context_for_export(language, facts)
        items = []
        for located in scope.rows:
            values = {
                e.field_name: getattr(located.row, e.field_name)
                for e in located.entries
            }
            items.append(
                _item(
                    located.model,
                    str(located.row.pk),
                    values,
                    ctx,
                    provenance=_provenance_of(located.row),
                    until=until_of(located),
                )
            )
        for p in participants.all_participants():
            if p.export is None or p.name not in scope.participant_fields:
                continue
            for record in p.export(person):
                items.append(
                    _item(
                        apps.get_model(record.model),
                        record.id,
                        record.values,
                        ctx,
                        context=record.context,
                        until=record.until,
                    )
                )
        receipt = receipt_for(person)
        erased = is_erased(person)
        export = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "schema": reverse("rights:export_schema"),
            "generated_at": timezone.now().isoformat(),
            "language": language,
            "controller": {
                k: v
                for k, v in facts.controller.items()
                if k in ("name", "business_id", "email", "phone")
            },
            "confirmation": {
                "processed": bool(items),
                "person": str(person.pk),
                "statement": _(
                    "We process personal data about you: every stored value "
                    "is listed below with its purpose, legal basis, "
                    "recipients, retention and source."
                )
                if items and not erased
                else _(
                    "Your data has been erased; what the law requires us to "
                    "keep is listed below with its ground and date."
                )
                if erased
                else _("We process no personal data about you."),
                "item_count": len(items),
            },
            "erasure": _erasure_summary(receipt, erased),
            "items": items,
            "complaint": COMPLAINT,
            "automated_decisions": ctx.automated,
        }
    categories = sorted(
        {v["category"] for item in items for v in item["values"]}  # type: ignore[index]
    )
    audit_record(
        actor=actor,
        action="rights.export",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        categories=categories,
        purpose="customer_relationship",
        details={
            "items": len(items),
            "families": sorted(scope.families()),
            "format": fmt,
        },
    )
    return export


def _erasure_summary(
    receipt: ErasureReceipt | None, erased: bool
) -> dict[str, Any] | None:
    if receipt is None and not erased:
        return None
    return {
        "erased": True,
        "executed_at": receipt.executed_at.isoformat() if receipt else None,
        "receipt": str(receipt.pk) if receipt else None,
        "kept": list(receipt.kept) if receipt else [],
    }


# --------------------------------------------------------------------------
# Portability (Art. 20)
# --------------------------------------------------------------------------

PORTABLE_BASES = frozenset({LegalBasis.CONTRACT, LegalBasis.CONSENT})


def _portable(model_label: str, field_name: str, value: dict[str, Any]) -> bool:
    """A value the person provided themselves, processed on contract or
    consent (Art. 20(1))."""
    source = value.get("source") or {}
    if source.get("kind") != "data_subject":
        return False
    model = apps.get_model(model_label)
    for e in personal_fields(model):
        if e.field_name == field_name:
            return e.classification.legal_basis in PORTABLE_BASES  # type: ignore[union-attr]
    return False


@not_a_write_service(
    "the portability package reads the person's data after the matrix's "
    "export column allowed it; it writes only its audit event"
)
def portability_zip(*, actor: Any, person: Person) -> bytes:
    """A ZIP of the data the person provided on contract or consent: one
    ``data.json`` and one CSV per kind of row (Art. 20). Authorized and
    audited as an export (``rights.export``, format ``portability``)."""
    return portability_package(actor=actor, person=person)[0]


@not_a_write_service(
    "the portability package reads the person's data after the matrix's "
    "export column allowed it; it writes only its audit event"
)
def portability_package(*, actor: Any, person: Person) -> tuple[bytes, list[str]]:
    """:func:`portability_zip` and the categories of the values in it."""
    export = export_person(actor=actor, person=person, fmt="portability")
    rows: dict[str, list[dict[str, Any]]] = {}
    categories: set[str] = set()
    for item in export["items"]:
        portable = [
            v
            for v in item["values"]
            if _portable(item["model"], v["field"], v) and not v.get("erased")
        ]
        categories.update(v["category"] for v in portable)
        values = {v["field"]: v["value"] for v in portable}
        if values:
            rows.setdefault(item["model"], []).append({"id": item["id"], **values})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(
                {
                    "format": "rekisteri.portability",
                    "version": 1,
                    "generated_at": export["generated_at"],
                    "person": str(person.pk),
                    "data": rows,
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
        for label, items in sorted(rows.items()):
            columns = ["id", *sorted({k for i in items for k in i} - {"id"})]
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns)
            writer.writeheader()
            for i in items:
                writer.writerow(
                    {
                        k: v if not isinstance(v, dict | list) else json.dumps(v)
                        for k, v in i.items()
                    }
                )
            archive.writestr(f"{label.replace('.', '-')}.csv", text.getvalue())
    return buffer.getvalue(), sorted(categories)
