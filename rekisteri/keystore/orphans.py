"""Orphan data keys: keys whose subject never committed (an interrupted bulk
write) or no longer exists, found and removed by ``manage.py keys``
(docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rekisteri.keystore.models import DataKey
from rekisteri.keystore.router import KEYSTORE_DB

# Models whose ids are key subjects (Person, Organization); the apps that
# define them register them in AppConfig.ready.
_subject_models: list[type] = []


def register_subject_model(model: type) -> None:
    if model not in _subject_models:
        _subject_models.append(model)


def orphan_keys(*, older_than: timedelta, chunk: int = 5000) -> list[int]:
    """Ids of live data keys, created before ``older_than`` ago, whose
    subject is in none of the subject tables. The age keeps a key whose
    person is still being written (its transaction not yet committed) out."""
    cutoff = timezone.now() - older_than
    found: list[int] = []
    last_id = 0
    while True:
        rows = list(
            DataKey.objects.using(KEYSTORE_DB)
            .filter(id__gt=last_id, wrapped__isnull=False, created_at__lt=cutoff)
            .order_by("id")
            .values_list("id", "subject_id")[:chunk]
        )
        if not rows:
            return found
        last_id = rows[-1][0]
        wanted = {subject for _id, subject in rows}
        existing: set = set()
        for model in _subject_models:
            existing.update(
                model.objects.filter(pk__in=wanted).values_list("pk", flat=True)
            )
        found.extend(key_id for key_id, subject in rows if subject not in existing)


def remove_orphans(*, older_than: timedelta) -> int:
    """Delete the orphan data keys (see :func:`orphan_keys`); returns how many.
    Tombstones of shredded keys are never touched."""
    ids = orphan_keys(older_than=older_than)
    removed = 0
    for start in range(0, len(ids), 1000):
        removed += (
            DataKey.objects.using(KEYSTORE_DB)
            .filter(id__in=ids[start : start + 1000], wrapped__isnull=False)
            .delete()[0]
        )
    return removed
