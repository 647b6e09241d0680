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

from rekisteri.core import idlist
from rekisteri.core.participants import Participant
from rekisteri.registry.models import Person
from rekisteri.rights import engine
from rekisteri.rights.fates import delete_rows, row_counts


def erasure_replay(
    person_ids: Sequence[Any], marks: dict[Any, list[Any]] | None = None
) -> dict[str, int]:
    """Delete again the declared-deleted rows of the persons ``person_ids``,
    located together (``engine.locate_many``, a fixed number of queries per
    kind of row) and deleted with one statement per kind of row and chunk,
    as the batch erasure deletes them. The engine keeps no marks."""
    persons: list[Person] = []
    for chunk in idlist.chunks(list(dict.fromkeys(person_ids))):
        persons += Person.objects.filter(idlist.among("pk", chunk))
    memo: dict[Any, Any] = {}
    doomed: dict[type, list[Any]] = {}
    for scope in engine.locate_many(persons, values=False).values():
        for located in scope.rows:
            if row_counts(located, memo)[0]:
                doomed.setdefault(located.model, []).append(located.row.pk)
    return {"rows_deleted": delete_rows(doomed)}


PARTICIPANT = Participant(name="rights.erasure", replay=erasure_replay)
