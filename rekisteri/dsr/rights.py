"""Rights-request cases as a rights participant (rekisteri.core.participants).

A case is the record of how a person's request was answered: the
requester's details, the letters sent and what was done are sealed under
the case's own key (the requester may not be in the register). A person's
access export lists every case matched to them with those values; erasure
keeps the case under the ``privacy_case`` rule, because the controller must
be able to show how it answered (GDPR Art. 5(2), 12). Unconfirmed portal
submissions are linked to no person and are purged under the
``unverified_request`` rule (docs/requests.md).

Registered in :class:`rekisteri.dsr.apps.DsrConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from rekisteri.core import compiled, idlist, keyring
from rekisteri.core.catalogue import subject_fields
from rekisteri.core.participants import Participant, PlanItem, Record
from rekisteri.dsr.models import (
    CaseAction,
    ExportFile,
    PortalDraft,
    RequestCase,
    SentMessage,
)

CASE_MODELS: tuple[type[models.Model], ...] = (
    RequestCase,
    CaseAction,
    SentMessage,
    ExportFile,
)


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(e.field_name for e in subject_fields(model))


def _rows(model: type[models.Model], person: Any):
    if model is RequestCase:
        return RequestCase.objects.filter(persons=person).order_by("received_at")
    return model.objects.filter(case__persons=person).order_by("pk")


def cases_scope(person: Any) -> dict[str, tuple[str, ...]]:
    return {_label(m): _fields(m) for m in CASE_MODELS if _rows(m, person).exists()}


def _value(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def _context(row: Any) -> dict[str, Any]:
    if isinstance(row, RequestCase):
        return {
            "reference": row.reference,
            "kinds": list(row.kinds),
            "status": row.status,
            "received_at": row.received_at.isoformat(),
            "deadline": row.deadline.isoformat(),
        }
    context: dict[str, Any] = {"case": str(row.case_id)}
    if isinstance(row, ExportFile):
        context.update(filename=row.filename, size=row.size)
    return context


def cases_export(person: Any) -> list[Record]:
    records = []
    with keyring.ensure_scope():
        for model in CASE_MODELS:
            names = _fields(model)
            for row in _rows(model, person):
                records.append(
                    Record(
                        model=_label(model),
                        id=str(row.pk),
                        values={n: _value(getattr(row, n)) for n in names},
                        context=_context(row),
                    )
                )
    return records


def cases_plan(person: Any) -> list[PlanItem]:
    items = []
    for model in CASE_MODELS:
        count = _rows(model, person).count()
        if count:
            items.append(
                PlanItem(
                    model=_label(model),
                    count=count,
                    fate="kept",
                    fields=_fields(model),
                    ground="accountability_for_the_answer",
                    retention="privacy_case",
                    note="the record of how the person's rights request was "
                    "answered (GDPR Art. 5(2), 12)",
                )
            )
    return items


# Many persons at once (a batch erasure): the persons' cases with one query,
# then one grouped count per kind of row.


def _counts_many(persons: list[Any]) -> dict[Any, dict[type, int]]:
    ids = [p.pk for p in persons]
    through = RequestCase.persons.through
    cases: dict[Any, list[Any]] = {pid: [] for pid in ids}
    for chunk in idlist.chunks(ids):
        # Compiled once per process (core/compiled.py): every erasure's
        # plan asks it.
        for cid, pid in compiled.among_rows(
            "dsr.rights.cases",
            lambda keys: (
                through.objects.filter(idlist.among("person_id", keys))
                .order_by()
                .values_list("requestcase_id", "person_id")
            ),
            chunk,
            model=through,
        ):
            cases[pid].append(cid)
    out: dict[Any, dict[type, int]] = {pid: {} for pid in ids}
    every = sorted({c for found in cases.values() for c in found}, key=str)
    per_case: dict[type, dict[Any, int]] = {m: {} for m in CASE_MODELS[1:]}
    for model in CASE_MODELS[1:]:
        for chunk in idlist.chunks(every):
            per_case[model].update(
                model.objects.filter(idlist.among("case_id", chunk))
                .order_by()
                .values_list("case_id")
                .annotate(n=models.Count("pk"))
            )
    for pid, found in cases.items():
        if found:
            out[pid][RequestCase] = len(found)
        for model in CASE_MODELS[1:]:
            n = sum(per_case[model].get(c, 0) for c in found)
            if n:
                out[pid][model] = n
    return out


def cases_scope_many(persons: list[Any]) -> dict[Any, dict[str, tuple[str, ...]]]:
    return {
        pid: {_label(m): _fields(m) for m in CASE_MODELS if counts.get(m)}
        for pid, counts in _counts_many(persons).items()
    }


def cases_plan_many(persons: list[Any]) -> dict[Any, list[PlanItem]]:
    return {
        pid: [
            PlanItem(
                model=_label(m),
                count=counts[m],
                fate="kept",
                fields=_fields(m),
                ground="accountability_for_the_answer",
                retention="privacy_case",
                note="the record of how the person's rights request was "
                "answered (GDPR Art. 5(2), 12)",
            )
            for m in CASE_MODELS
            if counts.get(m)
        ]
        for pid, counts in _counts_many(persons).items()
    }


PARTICIPANT_ENTRY = Participant(
    name="dsr.cases",
    covers=tuple(_label(m) for m in CASE_MODELS),
    scope=cases_scope,
    export=cases_export,
    plan=cases_plan,
    scope_many=cases_scope_many,
    plan_many=cases_plan_many,
    unlinked=(_label(PortalDraft),),
)
