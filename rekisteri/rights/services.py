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
import io
import json
import re
import zipfile
from typing import Any

from django.apps import apps
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
from rekisteri.core import gcpause, keyring, participants
from rekisteri.core.catalogue import (
    KeyClass,
    LegalBasis,
    personal_fields,
)
from rekisteri.core.dbrouter import on_primary
from rekisteri.core.errors import Forbidden
from rekisteri.privacy.facts import profile_facts
from rekisteri.registry.models import Person
from rekisteri.rights import engine
from rekisteri.rights import items as items_mod
from rekisteri.rights.models import ErasureReceipt

EXPORT_FORMAT = "rekisteri.access-export"
EXPORT_VERSION = 1


# A request or case reference (an erasure's, a rectification's): validated
# to be a reference, not free text.
CASE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


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
# Access export (Art. 15)
# --------------------------------------------------------------------------


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
    # One batch for the participants: what their scope reads serves their
    # export (participants.memo), dropped when the export is built.
    with participants.batch_scope():
        scope = engine.locate(person)
        authorize(actor, person, Action.EXPORT, scope.families())
        language = _language(person, language)
        # Thousands of acyclic items: built with the cyclic collector paused
        # (core/gcpause.py), reference counting frees them.
        with (
            keyring.ensure_scope(),
            translation.override(language),
            gcpause.paused(),
        ):
            export = _build(person, scope, language)
    items = export["items"]
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


def _build(person: Person, scope: engine.Scope, language: str) -> dict[str, Any]:
    """The export of what ``scope`` located (after the matrix allowed it),
    inside a key scope, in ``language``."""
    # The notice's statements of the controller (privacy/facts.py): the
    # profile's part is all an export states.
    facts = profile_facts()
    ctx = items_mod.context_for_export(language, facts["texts"])
    items = []
    records = items_mod.provenances(scope.rows)
    untils = items_mod.untils(scope.rows)
    for located in scope.rows:
        values = {
            e.field_name: getattr(located.row, e.field_name) for e in located.entries
        }
        items.append(
            items_mod.item(
                located.model,
                str(located.row.pk),
                values,
                ctx,
                provenance=items_mod.provenance_of(located, records),
                until=untils.get((located.label, located.row.pk)),
            )
        )
    for p in participants.all_participants():
        if p.export is None or p.name not in scope.participant_fields:
            continue
        for record in p.export(person):
            items.append(
                items_mod.item(
                    items_mod.model_of(record.model),
                    record.id,
                    record.values,
                    ctx,
                    context=record.context,
                    until=record.until,
                )
            )
    receipt = receipt_for(person)
    erased = is_erased(person)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "schema": reverse("rights:export_schema"),
        "generated_at": timezone.now().isoformat(),
        "language": language,
        "controller": {
            k: v
            for k, v in facts["controller"].items()
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
        "complaint": items_mod.COMPLAINT,
        "automated_decisions": ctx.automated,
    }


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
