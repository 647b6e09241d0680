"""Materialising the due dates (``DueDate``) and keeping them current.

:func:`recompute_persons` and :func:`recompute_organizations` bring the rows
of a batch of subjects in line with :mod:`rekisteri.retention.rules`:
unchanged rows are left alone, so a recompute that finds nothing to change
writes nothing (it is idempotent), and rows keep their ids. The signals in
:mod:`rekisteri.retention.signals` call them after the transaction that
moved a date commits; :func:`recompute_all` walks the whole register in
batches (``manage.py retention recompute``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from rekisteri.registry.models import Person
from rekisteri.retention import rules
from rekisteri.retention.models import DueDate

BATCH = 2000


@dataclass
class Changes:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    subjects: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: Changes) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.subjects += other.subjects

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _sync(kind: str, ids: list[uuid.UUID], wanted: dict) -> Changes:
    column = f"{kind}_id"
    changes = Changes(subjects=len(wanted))
    now = timezone.now()
    with transaction.atomic():
        existing = {
            (getattr(row, column), row.rule): row
            for row in DueDate.objects.select_for_update().filter(
                **{f"{column}__in": ids}
            )
        }
        create, update = [], []
        for sid, dates in wanted.items():
            for rule, (anchor, until) in dates.items():
                row = existing.pop((sid, str(rule)), None)
                if (anchor, until) == rules.KEEP:
                    continue  # the stored date stands (or there is none)
                if row is None:
                    create.append(
                        DueDate(
                            **{column: sid},
                            rule=str(rule),
                            anchor_on=anchor,
                            kept_until=until,
                            computed_at=now,
                        )
                    )
                elif row.anchor_on != anchor or row.kept_until != until:
                    row.anchor_on, row.kept_until, row.computed_at = anchor, until, now
                    update.append(row)
        if existing:
            DueDate.objects.filter(pk__in=[r.pk for r in existing.values()]).delete()
        DueDate.objects.bulk_create(create)
        DueDate.objects.bulk_update(update, ["anchor_on", "kept_until", "computed_at"])
    changes.created, changes.updated, changes.deleted = (
        len(create),
        len(update),
        len(existing),
    )
    return changes


def recompute_persons(ids: list[uuid.UUID]) -> Changes:
    """Bring the due dates of these persons up to date (missing ones: their
    rows went with them)."""
    ids = list(dict.fromkeys(ids))
    return _sync("person", ids, rules.person_dates(ids)) if ids else Changes()


def recompute_organizations(ids: list[uuid.UUID]) -> Changes:
    ids = list(dict.fromkeys(ids))
    return (
        _sync("organization", ids, rules.organization_dates(ids)) if ids else Changes()
    )


def _batches(model: type, size: int) -> Iterator[list[uuid.UUID]]:
    """Primary keys of ``model`` in keyset batches (constant memory)."""
    last = None
    while True:
        qs = model.objects.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        ids = list(qs.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def recompute_all(
    *, batch_size: int = BATCH, progress: Callable[[str, int], None] | None = None
) -> dict[str, Changes]:
    """Recompute every person's and organization's due dates."""
    out = {"person": Changes(), "organization": Changes()}
    Organization = apps.get_model("registry", "Organization")
    for kind, model, fn in (
        ("person", Person, recompute_persons),
        ("organization", Organization, recompute_organizations),
    ):
        for ids in _batches(model, batch_size):
            out[kind].add(fn(ids))
            if progress is not None:
                progress(kind, out[kind].subjects)
    return out


def dates_for(
    *, person_id: uuid.UUID | None = None, organization_id=None
) -> list[DueDate]:
    """A subject's stored due dates, soonest first."""
    qs = DueDate.objects.filter(person_id=person_id, organization_id=organization_id)
    return list(qs.order_by("kept_until", "rule"))


def today() -> dt.date:
    return timezone.localdate()
