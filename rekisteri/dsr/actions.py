"""The action registry: what the rights engine does for each kind.

The apps that carry out rights (export, erasure, restriction, objection)
register one callable per kind in their ``AppConfig.ready``::

    from rekisteri.dsr import actions

    actions.register("access", export_for_case)

A callable takes ``case`` and ``actor`` (keyword-only), performs the action
for the case's matched persons and returns an :class:`ActionResult` with a
receipt reference (an id, never personal data) and, for exports, the file.
Completing a case requires every requested kind to be done: by its
registered action, or, for a kind that has none, by a manual record of what
staff did (:mod:`rekisteri.dsr.services`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rekisteri.access.enforce import NONE, write_service
from rekisteri.dsr.choices import Kind

_WRITES_NO_PERSON_ROWS = (
    "dsr.services: case data sealed under the case's own key, not the "
    "register's person rows; the privacy office's permission gates it and a"
    " registered action authorizes its own writes (docs/requests.md)"
)


@dataclass(frozen=True)
class ActionResult:
    """What an action did: its receipt reference, and an export if any."""

    reference: str
    export: bytes | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"


Action = Callable[..., ActionResult]
_registry: dict[str, Action] = {}


def register(kind: str, action: Action) -> None:
    """Register (or replace) the action for ``kind``."""
    if kind not in Kind.values:
        raise ValueError(f"unknown request kind {kind!r}")
    _registry[kind] = action


def unregister(kind: str) -> None:
    _registry.pop(kind, None)


@contextmanager
def registered(kind: str, action: Action) -> Iterator[None]:
    """Use ``action`` for ``kind`` inside the block, then restore the one
    registered before (tests replace the engine's actions this way)."""
    previous = _registry.get(kind)
    register(kind, action)
    try:
        yield
    finally:
        if previous is None:
            unregister(kind)
        else:
            _registry[kind] = previous


def action_for(kind: str) -> Action | None:
    return _registry.get(kind)


def registered_kinds() -> frozenset[str]:
    return frozenset(_registry)


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def run(kind: str, *, case: Any, actor: Any) -> ActionResult:
    action = _registry[kind]
    result = action(case=case, actor=actor)
    if not isinstance(result, ActionResult):
        raise TypeError(f"the {kind} action returned {type(result).__name__}")
    return result
