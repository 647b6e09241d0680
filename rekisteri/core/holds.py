"""Legal holds: reasons the law or an open matter keeps a person's data.

An app that can hold data (an open collection case, litigation) registers a
function ``person_id → [Hold]``. Erasure asks :func:`holds_for_person` first
and refuses while any hold exists, naming it, so staff learn why and what to
close (docs/rights.md: "legal holds stop it and say why"). The registry stays
independent of the apps that hold data: they register in ``AppConfig.ready``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rekisteri.core import decisions
from rekisteri.core.errors import Conflict


@dataclass(frozen=True)
class Hold:
    """One reason a person's data is kept. ``message`` is shown to staff."""

    code: str
    message: str


HoldProvider = Callable[[uuid.UUID], list[Hold]]
# The same question for many persons at once (a sweep's batch): person id →
# holds, persons without a hold left out.
BulkHoldProvider = Callable[[list[uuid.UUID]], dict[uuid.UUID, list[Hold]]]
_providers: dict[str, HoldProvider] = {}
_bulk: dict[str, BulkHoldProvider] = {}


def register(
    name: str, provider: HoldProvider, *, bulk: BulkHoldProvider | None = None
) -> None:
    """Register (or replace) the hold provider called ``name``; ``bulk``
    answers for many persons with a fixed number of queries."""
    _providers[name] = provider
    if bulk is not None:
        _bulk[name] = bulk
    else:
        _bulk.pop(name, None)


def unregister(name: str) -> None:
    _providers.pop(name, None)
    _bulk.pop(name, None)


def holds_for_person(person_id: uuid.UUID) -> list[Hold]:
    """Every current hold on the person's data, from every provider."""
    found: list[Hold] = []
    for name in sorted(_providers):
        found.extend(_providers[name](person_id))
    return found


def holds_for_persons(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Hold]]:
    """:func:`holds_for_person` for many persons: person id → their holds
    (persons without one left out). Providers without a bulk form are asked
    person by person. Inside a transaction's ``core.decisions.scope`` (an
    erasure, whose persons are locked) a person found without a hold is not
    asked about again."""
    ids = list(dict.fromkeys(person_ids))
    clear = decisions.known("holds", ids)
    ids = [pid for pid in ids if pid not in clear]
    if not ids:
        return {}
    found: dict[uuid.UUID, list[Hold]] = {}
    for name in sorted(_providers):
        bulk = _bulk.get(name)
        if bulk is not None:
            answers = bulk(ids)
        else:
            answers = {pid: _providers[name](pid) for pid in ids}
        for pid, held in answers.items():
            if held:
                found.setdefault(pid, []).extend(held)
    decisions.remember("holds", {pid: () for pid in ids if pid not in found})
    return found


def refusal(held: list[Hold]) -> Conflict:
    """The :class:`Conflict` (code ``legal_hold``) that names every hold."""
    return Conflict(
        _("Erasure refused: %(holds)s") % {"holds": "; ".join(h.message for h in held)},
        code="legal_hold",
    )


def refuse_if_held(person_id: uuid.UUID) -> None:
    """Raise :class:`Conflict` (code ``legal_hold``) naming every hold."""
    held = holds_for_person(person_id)
    if held:
        raise refusal(held)
