"""The erasure ledger, for backups and restore (docs/security.md, Restore
and the erasure ledger): an append-only row per shredded (subject, key
class), written by ``keys.shred`` and ``keys.shred_many``, merged back into a
restored key store and replayed. Part of the store's interface
(``core/keyring.py`` calls it through :mod:`rekisteri.keystore.keys`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.management.color import no_style
from django.db import connections
from django.db.models import Max

from rekisteri.keystore.models import DataKey, ErasureEntry
from rekisteri.keystore.router import KEYSTORE_DB


def ledger_max_id() -> int:
    top = ErasureEntry.objects.using(KEYSTORE_DB).aggregate(m=Max("id"))["m"]
    return int(top or 0)


def ledger_entries() -> list[dict]:
    return list(
        ErasureEntry.objects.using(KEYSTORE_DB)
        .order_by("id")
        .values("id", "subject_id", "key_class", "erased_at", "reason", "marks")
    )


def ledger_forget_marks(before: datetime) -> int:
    """Empty the marks of the ledger's entries erased before ``before``: no
    backup that could bring back their data remains (the backup prune,
    docs/security.md, Restore and the erasure ledger). Returns how many."""
    return (
        ErasureEntry.objects.using(KEYSTORE_DB)
        .filter(erased_at__lt=before)
        .exclude(marks={})
        .update(marks={})
    )


def ledger_merge(entries: list[dict]) -> int:
    """Put back ledger entries the restored key store does not have."""
    present = {(e["id"], e["subject_id"], e["key_class"]) for e in ledger_entries()}
    taken = {p[0] for p in present}
    missing = [
        e for e in entries if (e["id"], e["subject_id"], e["key_class"]) not in present
    ]
    rows = [
        ErasureEntry(**(e if e["id"] not in taken else {**e, "id": None}))
        for e in missing
    ]
    ErasureEntry.objects.using(KEYSTORE_DB).bulk_create(rows, batch_size=500)
    # Rows inserted with their own ids do not advance a PostgreSQL sequence;
    # the next shred would otherwise collide with a put-back entry.
    con = connections[KEYSTORE_DB]
    with con.cursor() as cur:
        for sql in con.ops.sequence_reset_sql(no_style(), [ErasureEntry]):
            cur.execute(sql)
    return len(rows)


def key_states(
    subject_ids: Iterable[uuid.UUID],
) -> tuple[set[tuple[uuid.UUID, str]], set[tuple[uuid.UUID, str]]]:
    """(live, shredded) (subject, key class) pairs of ``subject_ids``."""
    rows = DataKey.objects.using(KEYSTORE_DB).filter(subject_id__in=list(subject_ids))
    live = set(
        rows.filter(wrapped__isnull=False).values_list("subject_id", "key_class")
    )
    tomb = set(rows.filter(wrapped__isnull=True).values_list("subject_id", "key_class"))
    return live, tomb
