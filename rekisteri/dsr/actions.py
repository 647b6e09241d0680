"""The action registry: what the rights engine does for each kind.

The apps that carry out rights (export, erasure, rectification, restriction,
objection) register one callable per kind in their ``AppConfig.ready``::

    from rekisteri.dsr import actions

    actions.register("access", export_for_case)

A callable takes ``case`` and ``actor`` (keyword-only), performs the action
for the case's matched persons and returns an :class:`ActionResult` with a
receipt reference (an id, never personal data) and, for exports, the file.
An action that needs staff's choices names them when it is registered
(``params=("ground", "reason")``): the step that runs it passes those
values from the form or the API body as keyword arguments, as text, and
the action's own services validate them.
Completing a case requires every requested kind to be done: by its
registered action, or, for a kind that has none, by a manual record of what
staff did (:mod:`rekisteri.dsr.services`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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
    # Staff's words on what was done, kept sealed on the case's record
    # (a rectification that changed nothing says why).
    note: str = ""


Action = Callable[..., ActionResult]
_registry: dict[str, Action] = {}
_params: dict[str, tuple[str, ...]] = {}


def register(kind: str, action: Action, *, params: tuple[str, ...] = ()) -> None:
    """Register (or replace) the action for ``kind``; ``params`` are the
    names of the choices staff make for it."""
    if kind not in Kind.values:
        raise ValueError(f"unknown request kind {kind!r}")
    _registry[kind] = action
    _params[kind] = tuple(params)


def unregister(kind: str) -> None:
    _registry.pop(kind, None)
    _params.pop(kind, None)


@contextmanager
def registered(kind: str, action: Action) -> Iterator[None]:
    """Use ``action`` for ``kind`` inside the block, then restore the one
    registered before (tests replace the engine's actions this way)."""
    previous, previous_params = _registry.get(kind), _params.get(kind, ())
    register(kind, action)
    try:
        yield
    finally:
        if previous is None:
            unregister(kind)
        else:
            register(kind, previous, params=previous_params)


def action_for(kind: str) -> Action | None:
    return _registry.get(kind)


def registered_kinds() -> frozenset[str]:
    return frozenset(_registry)


def params_for(kind: str) -> tuple[str, ...]:
    """The names of the choices staff make for ``kind``'s action."""
    return _params.get(kind, ())


@write_service(subject=NONE, reason=_WRITES_NO_PERSON_ROWS)
def run(
    kind: str, *, case: Any, actor: Any, params: Mapping[str, Any] | None = None
) -> ActionResult:
    """Run ``kind``'s action; of ``params`` (a step's form or body) it is
    given the choices it registered, as text."""
    action = _registry[kind]
    given = params or {}
    chosen = {name: str(given.get(name) or "") for name in params_for(kind)}
    result = action(case=case, actor=actor, **chosen)
    if not isinstance(result, ActionResult):
        raise TypeError(f"the {kind} action returned {type(result).__name__}")
    return result
