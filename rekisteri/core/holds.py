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

from rekisteri.core.errors import Conflict


@dataclass(frozen=True)
class Hold:
    """One reason a person's data is kept. ``message`` is shown to staff."""

    code: str
    message: str


HoldProvider = Callable[[uuid.UUID], list[Hold]]
_providers: dict[str, HoldProvider] = {}


def register(name: str, provider: HoldProvider) -> None:
    """Register (or replace) the hold provider called ``name``."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def holds_for_person(person_id: uuid.UUID) -> list[Hold]:
    """Every current hold on the person's data, from every provider."""
    found: list[Hold] = []
    for name in sorted(_providers):
        found.extend(_providers[name](person_id))
    return found


def refuse_if_held(person_id: uuid.UUID) -> None:
    """Raise :class:`Conflict` (code ``legal_hold``) naming every hold."""
    held = holds_for_person(person_id)
    if held:
        raise Conflict(
            _("Erasure refused: %(holds)s")
            % {"holds": "; ".join(h.message for h in held)},
            code="legal_hold",
        )
