"""Extension points of the message history, filled by the apps beside it.

The message history does not know what other apps owe the people it writes
to; they register here in ``AppConfig.ready`` instead (docs/architecture.md,
Extension registries):

- **outgoing-message listeners**: ``(message, person_ids) → None``, called
  by ``services.message_store`` inside its transaction whenever an outgoing
  message is stored — logged by hand, sent through the API or imported from
  a sent-mail folder — with the persons in the register it went to;
- **duties at the message form**: ``(request, person_ids) → [Duty]``, what
  the writer must see before logging a message to one of these persons and
  may fulfil with it (the connectors' Art. 14 notice, docs/connectors.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

OutboundListener = Callable[[Any, list[Any]], None]
_outbound: dict[str, OutboundListener] = {}


def register_outbound_listener(name: str, listener: OutboundListener) -> None:
    """Register (or replace) the outgoing-message listener called ``name``."""
    _outbound[name] = listener


def unregister_outbound_listener(name: str) -> None:
    _outbound.pop(name, None)


def outbound_stored(message: Any, person_ids: Iterable[Any]) -> None:
    """Tell every listener that ``message`` went out to ``person_ids``."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return
    for name in sorted(_outbound):
        _outbound[name](message, ids)


@dataclass(frozen=True)
class Duty:
    """Something owed to one person that a message to them may fulfil.

    The form shows ``heading``, ``detail`` and ``text`` and asks for one of
    ``choices``; the choice is required when the message goes out to the
    person. A choice in ``adds_text`` puts ``text`` at the end of the
    message's text. ``fulfil(actor, choice, message)`` runs after the
    message is stored, in the same transaction, and returns what to tell
    the writer (or ""); a ``ServiceError`` it raises undoes the message.
    """

    key: str
    person_id: Any
    heading: str
    detail: str
    text: str
    choices: tuple[tuple[str, str], ...]
    adds_text: frozenset[str]
    fulfil: Callable[[Any, str, Any], str]


DutyProvider = Callable[[Any, list[Any]], list[Duty]]
_duties: dict[str, DutyProvider] = {}


def register_compose_duties(name: str, provider: DutyProvider) -> None:
    """Register (or replace) the provider of duties called ``name``."""
    _duties[name] = provider


def unregister_compose_duties(name: str) -> None:
    _duties.pop(name, None)


def compose_duties(request: Any, person_ids: Iterable[Any]) -> list[Duty]:
    """Every provider's duties to ``person_ids`` that ``request.user`` may see."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return []
    out: list[Duty] = []
    for name in sorted(_duties):
        out.extend(_duties[name](request, ids))
    return out
