"""The one enforcement point for writes of personal data.

Every write service calls :func:`authorize_write` *before* it writes
anything: the need-to-know matrix must allow the actor's role the action
(``change``, ``export``, ``erase``) on every family of data written, and no
subject-level refusal may object to the person being written. A refused
write therefore never reaches the database; no caller relies on a rollback.

Subject-level refusals come from apps above this one (a restriction of
processing, for instance): they register a function in ``AppConfig.ready``
with :func:`register_refusal`, the way legal holds register in
``rekisteri.core.holds``. The lower apps never import them.

Write services declare themselves with :func:`write_service`, so tests can
enumerate them (and prove each one authorizes before writing) without a
hand-kept list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rekisteri.access import families as family_map
from rekisteri.access.choices import Action
from rekisteri.access.selectors import require_families

# --------------------------------------------------------------------------
# Subject-level refusals
# --------------------------------------------------------------------------

# (person ids, operation, actor) -> None; raises a ServiceError to refuse.
# One call per write with every person it touches (an invoice run names
# thousands), so a refusal can answer with one query.
Refusal = Callable[[list[uuid.UUID], str, Any], None]
_refusals: dict[str, Refusal] = {}


def register_refusal(name: str, check: Refusal) -> None:
    """Register (or replace) the refusal called ``name``."""
    _refusals[name] = check


def unregister_refusal(name: str) -> None:
    _refusals.pop(name, None)


def refusals() -> tuple[str, ...]:
    return tuple(sorted(_refusals))


# --------------------------------------------------------------------------
# The registry of write services
# --------------------------------------------------------------------------

PERSON = "person"
ORGANIZATION = "organization"
NONE = "none"


@dataclass(frozen=True)
class WriteService:
    """A declared write service. ``subject`` says whose data it writes:
    ``person`` (rows of one or more persons: the subject refusals apply),
    ``organization`` (company data, personal only for sole traders) or
    ``none`` (no personal data; ``reason`` says why)."""

    name: str
    func: Callable[..., Any]
    subject: str
    reason: str = ""


_services: dict[str, WriteService] = {}


def write_service(*, subject: str, reason: str = "") -> Callable:
    """Declare a write service (a decorator; the function is unchanged)."""
    if subject not in (PERSON, ORGANIZATION, NONE):
        raise ValueError(f"unknown subject {subject!r}")
    if subject == NONE and not reason:
        raise ValueError("a write service of no personal data says why")

    def declare(func: Callable) -> Callable:
        name = f"{func.__module__}.{func.__qualname__}"
        _services[name] = WriteService(name, func, subject, reason)
        func.write_service = _services[name]  # type: ignore[attr-defined]
        return func

    return declare


def not_a_write_service(reason: str) -> Callable:
    """Mark a function that takes an ``actor`` but is no write service of
    its own (an audit helper, a listener called inside an authorized write,
    the enforcement call itself), so the enumeration of write services can
    tell it was looked at. ``reason`` says why."""

    def mark(func: Callable) -> Callable:
        func.not_a_write_service = reason  # type: ignore[attr-defined]
        return func

    return mark


def write_services() -> list[WriteService]:
    """Every declared write service (of the modules imported so far)."""
    return [_services[name] for name in sorted(_services)]


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------


def authorize_write(
    *,
    actor: Any,
    person_id: Any = None,
    person_ids: Iterable[Any] = (),
    families: Iterable[str] = (),
    action: str = Action.CHANGE,
    operation: str,
) -> None:
    """Refuse, before anything is written, unless ``actor`` may ``action``
    every one of ``families`` and no subject refusal objects to any of the
    persons written (``person_id`` and ``person_ids``).

    ``actor=None`` is the system (installer, scheduled jobs, the demo
    seeder), which the matrix does not restrict; subject refusals apply to
    it too. ``operation`` names the write (the audit action, e.g.
    ``person.update``) so a refusal can make an exception for itself.
    Raises :class:`~rekisteri.core.errors.Forbidden` (``need_to_know``) or
    whatever the refusal raises (a restriction: Conflict ``restricted``).
    """
    require_families(actor, str(action), {family_map.as_family(n) for n in families})
    ids = list(dict.fromkeys(p for p in (person_id, *person_ids) if p is not None))
    if not ids:
        return
    for name in sorted(_refusals):
        _refusals[name](ids, operation, actor)
