"""The end of a closed case's retention (the ``privacy_case`` rule).

A closed case is the controller's record of how it answered a request
(GDPR Art. 5(2), 12) and is kept for ``REKISTERI_RETENTION_CASE_YEARS`` after it closed
(docs/retention.md). Then its personal data goes, as the catalogue declares
for each field of the case's models: the values sealed under the case's own
key are crypto-shredded with that key (here and in every backup), the keyed
digests are deleted, the export file's content is removed, and the links to
the persons in the register are cut. What stays is the case's skeleton,
which names no one: its reference, kinds, channel, dates, status and the
staff accountability columns (kept under ``audit``). The retention sweep
calls :func:`cases_expire`; nothing else does.

A legal hold or a restriction of processing (Art. 18) on any person linked
to a case keeps the whole case: the case is reported back, not expired.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.choices import Action
from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.audit.services import batch as audit_batch
from rekisteri.core import holds, idlist, keyring, sealed_files
from rekisteri.core.catalogue import (
    CatalogueEntry,
    Erasure,
    KeyClass,
    subject_fields,
)
from rekisteri.core.errors import Conflict
from rekisteri.dsr.models import (
    CaseAction,
    ExportFile,
    IdentityCode,
    RequestCase,
    SentMessage,
)
from rekisteri.dsr.services.casework import audit_case

RULE = "privacy_case"
# Every model whose personal data a case holds under the rule.
CASE_MODELS = (RequestCase, CaseAction, SentMessage, ExportFile)


@functools.cache
def _rule_entries() -> tuple[CatalogueEntry, ...]:
    """The catalogue's fields of the ``privacy_case`` rule on the case's
    models, read once per process."""
    return tuple(
        e
        for model in CASE_MODELS
        for e in subject_fields(model)
        if e.classification.retention == RULE
    )


def expiring_fields() -> dict[type, dict[str, tuple[str, ...]]]:
    """Model → erasure method → the fields of the ``privacy_case`` rule,
    read from the catalogue. A method other than shred or delete (or a
    shredded value sealed under another key than the case's) has no action
    here yet, and :func:`cases_expire` refuses rather than keep it silently
    (a test names such a field the day one is declared)."""
    out: dict[type, dict[str, list[str]]] = {model: {} for model in CASE_MODELS}
    for e in _rule_entries():
        method = str(e.classification.erasure)
        out[e.model].setdefault(method, []).append(e.field_name)
    return {m: {k: tuple(v) for k, v in by.items()} for m, by in out.items()}


def _unsupported() -> list[str]:
    bad = []
    for e in _rule_entries():
        c = e.classification
        where = f"{e.model._meta.label}.{e.field_name}"
        if c.erasure not in (Erasure.SHRED, Erasure.DELETE):
            bad.append(f"{where} ({c.erasure})")
        elif c.erasure == Erasure.SHRED and (
            c.subject not in ("self", "case") or c.key_class != KeyClass.CRM
        ):
            bad.append(f"{where} (sealed under {c.subject})")
    return bad


@dataclass
class Expiry:
    """What :func:`cases_expire` did: the cases whose details went now,
    those already gone, and those kept, with the reason (a legal hold's
    Conflict carries the holds as ``holds``)."""

    expired: list[uuid.UUID] = field(default_factory=list)
    already: list[uuid.UUID] = field(default_factory=list)
    kept: dict[uuid.UUID, Conflict] = field(default_factory=dict)


def _links(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    through = RequestCase.persons.through
    out: dict[uuid.UUID, list[uuid.UUID]] = {cid: [] for cid in case_ids}
    for chunk in idlist.chunks(case_ids):
        for cid, pid in through.objects.filter(
            idlist.among("requestcase_id", chunk)
        ).values_list("requestcase_id", "person_id"):
            out[cid].append(pid)
    return out


def _refusal(actor: Any, person_ids: list[uuid.UUID]) -> Conflict | None:
    """The enforcement point's answer for erasing these persons' case data
    (with no person, the matrix alone is asked)."""
    categories = {e.classification.category for e in _rule_entries()}
    try:
        authorize_write(
            actor=actor,
            person_ids=person_ids,
            families=categories,
            action=Action.ERASE,
            operation="dsr.case_expire",
        )
    except Conflict as exc:
        return exc
    return None


def _refusals(
    actor: Any, links: dict[uuid.UUID, list[uuid.UUID]]
) -> dict[uuid.UUID, Conflict]:
    """Per case, a restriction of a linked person: the batch is asked once,
    and split only where it is refused (few persons are restricted)."""
    cases = [cid for cid, persons in links.items() if persons]
    if not cases:
        # The matrix is still asked for a staff actor.
        _refusal(actor, [])
        return {}
    everyone = list(dict.fromkeys(p for c in cases for p in links[c]))
    if _refusal(actor, everyone) is None:
        return {}
    out = {}
    for cid in cases:
        refused = _refusal(actor, links[cid])
        if refused is not None:
            out[cid] = refused
    return out


@write_service(subject=PERSON)
def cases_expire(*, actor: Any, case_ids: Iterable[uuid.UUID], reason: str) -> Expiry:
    """Erase the personal data of closed cases whose ``privacy_case``
    period has ended (the caller, the retention sweep, decides that), in
    one transaction with one audit append. Idempotent: an expired case is
    reported as already done. An open case, or one linked to a person under
    a legal hold or a restriction, is kept and reported."""
    unsupported = _unsupported()
    if unsupported:
        raise Conflict(
            "No expiry action for: " + ", ".join(unsupported),
            code="expiry_unsupported",
        )
    ids = list(dict.fromkeys(case_ids))
    result = Expiry()
    fields = expiring_fields()
    with transaction.atomic(), audit_batch():
        cases = RequestCase.objects.select_for_update().in_bulk(ids)
        links = _links([cid for cid in ids if cid in cases])
        candidates: list[uuid.UUID] = []
        for cid in ids:
            case = cases.get(cid)
            if case is None:
                continue
            if case.expired_at is not None:
                result.already.append(cid)
            elif case.closed_at is None or case.is_open:
                result.kept[cid] = Conflict(
                    _("The case is still open."), code="case_open"
                )
            else:
                candidates.append(cid)
        held = holds.holds_for_persons(
            list(dict.fromkeys(p for c in candidates for p in links[c]))
        )
        refused = _refusals(actor, {c: links[c] for c in candidates})
        for cid in candidates:
            found = [h for p in links[cid] for h in held.get(p, ())]
            if cid in refused:
                result.kept[cid] = refused[cid]
            elif found:
                kept = Conflict("; ".join(h.message for h in found), code="legal_hold")
                kept.holds = found  # type: ignore[attr-defined]
                result.kept[cid] = kept
            else:
                result.expired.append(cid)
        go = result.expired
        if not go:
            return result
        now = timezone.now()
        # The key store commits on its own: a rollback after this leaves the
        # case's values unreadable and the case not yet marked, and the next
        # run marks it (a shredded key stays shredded).
        keyring.shred_many(go, KeyClass.CRM, reason=reason)
        deleted = fields[RequestCase].get(Erasure.DELETE, ())
        RequestCase.objects.filter(pk__in=go).update(
            expired_at=now, **dict.fromkeys(deleted)
        )
        for model in CASE_MODELS[1:]:
            names = fields[model].get(Erasure.DELETE, ())
            if names:
                model.objects.filter(case_id__in=go).update(**dict.fromkeys(names))
        sealed_files.shred(ExportFile.objects.filter(case_id__in=go))
        IdentityCode.objects.filter(case_id__in=go).delete()
        for cid in go:
            case = cases[cid]
            if links[cid]:
                # One at a time: the relation's signal tells the retention
                # engine whose dates moved.
                case.persons.clear()
            case.expired_at = now
            audit_case(actor, "dsr.case_expire", case, reason=reason)
    return result
