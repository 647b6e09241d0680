"""Replaying the erasure ledger after a restore (docs/security.md, Restore
and the erasure ledger; docs/rights.md, Erasure).

A restored database or key store may predate erasures. Everyone in the live
ledger is erased again, in the order the original erasure ran:

1. the participants' erasures (``core.participants.run_replay``): the rows
   and header texts a field declaration cannot express (message
   participation and headers, messages keyed to the person, the rows the
   catalogue declares deleted), from ids, from data sealed under keys
   other than the person's, which are still readable, and from the marks
   the ledger kept (keyed digests of the person's addresses, which find
   rows no one matched to them);
2. the blind-index rows of subjects erased in the CRM class;
3. the keys: one that is live again (or a subject without a tombstone) is
   shredded through :func:`keyring.shred`, which leaves the tombstone and
   records the replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rekisteri.core import keyring, participants
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.models import BlindIndex

BATCH = 500


@dataclass
class Replayed:
    """What replaying the ledger did, for the restore's report."""

    subjects: int = 0
    keys_destroyed: int = 0
    index_rows_deleted: int = 0
    # "<participant>.<what>" → how many rows or texts, e.g.
    # "messaging.history.headers_scrubbed".
    participants: dict[str, int] = field(default_factory=dict)


def live_ledger() -> list[dict[str, Any]]:
    return keyring.ledger_entries()


def merge_ledger(entries: list[dict[str, Any]]) -> int:
    """Put back ledger entries the restored key store does not have."""
    return keyring.ledger_merge(entries)


def replay_ledger() -> Replayed:
    """Erase again everyone in the live ledger (see the module's text)."""
    entries = live_ledger()
    pairs = sorted({(e["subject_id"], e["key_class"]) for e in entries})
    # subject → participant name → marks (a subject erased twice: both).
    marks: dict[Any, dict[str, list[Any]]] = {}
    for e in entries:
        if e["key_class"] == KeyClass.CRM:
            for name, found in (e.get("marks") or {}).items():
                mine = marks.setdefault(e["subject_id"], {}).setdefault(name, [])
                mine.extend(m for m in found if m not in mine)
    done = Replayed(subjects=len({s for s, _kc in pairs}))
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        crm = [s for s, kc in batch if kc == KeyClass.CRM]
        if crm:
            with keyring.ensure_scope():
                counts = participants.run_replay(
                    crm, {s: marks[s] for s in crm if s in marks}
                )
            for key, n in counts.items():
                done.participants[key] = done.participants.get(key, 0) + n
            done.index_rows_deleted += BlindIndex.objects.filter(
                subject_id__in=crm
            ).delete()[0]
        live, tomb = keyring.key_states([s for s, _kc in batch])
        for pair in batch:
            if pair in live or pair not in tomb:
                keyring.shred(pair[0], pair[1], reason="replayed after restore")
                done.keys_destroyed += 1
    return done
