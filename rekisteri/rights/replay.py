"""The erasure's own rows after a restore: the rows the catalogue declares
deleted (roles, contract parties, message participation the engine reaches)
are deleted again for every person in the erasure ledger (docs/rights.md,
Erasure; docs/security.md, Restore and the erasure ledger).

A participant with a ``replay`` only, registered in
:class:`rekisteri.rights.apps.RightsConfig.ready`; the restore runs it with
the other participants' replays (``core.participants.run_replay``) before
it shreds the keys again. The rows are found by the engine from ids alone
(``engine.locate`` reads no personal value), so the person's shredded key
is not needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rekisteri.core.participants import Participant
from rekisteri.registry.models import Person
from rekisteri.rights import engine
from rekisteri.rights.fates import DELETED, fate_of


def erasure_replay(person_ids: Sequence[Any]) -> dict[str, int]:
    """Delete again the declared-deleted rows of the persons ``person_ids``."""
    deleted = 0
    for person in Person.objects.filter(pk__in=list(person_ids)).order_by("pk"):
        doomed: dict[type, list[Any]] = {}
        for located in engine.locate(person).rows:
            if any(fate_of(located, e) == DELETED for e in located.entries):
                doomed.setdefault(located.model, []).append(located.row.pk)
        for model, pks in doomed.items():
            found = model._default_manager.filter(pk__in=pks)
            deleted += found.delete()[1].get(model._meta.label, 0)
    return {"rows_deleted": deleted}


PARTICIPANT = Participant(name="rights.erasure", replay=erasure_replay)
