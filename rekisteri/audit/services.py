"""Writing audit events. Every service and every read of personal data calls
:func:`audit_record` (a bulk write :func:`audit_record_many`: the same
events, recorded together); nothing else writes the audit table.

An event names what was done (``action``, e.g. ``person.view``,
``contract.create``, ``auth.login_failed``), to what (``target_type`` and
``target_id``, a random id), whose data it concerned (``subject_id``, a
Person's id), which fields and which need-to-know families of data were
shown or changed (names, never values) and why (``purpose``). ``details``
may carry counts, codes and digests; it must never carry a value a user
typed or a person's data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from rekisteri.audit import events
from rekisteri.audit.append import HEAD_ID, append
from rekisteri.audit.batching import batch, hold, hold_many
from rekisteri.audit.choices import Outcome
from rekisteri.audit.middleware import current_request
from rekisteri.audit.models import AuditEvent

__all__ = [
    "HEAD_ID",
    "audit_record",
    "audit_record_many",
    "batch",
    "client_address",
    "register_family_mapping",
]

# The ``categories`` column holds need-to-know families (docs/security.md,
# Audit log). A caller may name catalogue categories instead; they are
# recorded as their families. The mapping belongs to the access app, a floor
# above, which registers it in its AppConfig.ready.
_family_of: Callable[[str], str] = str


def register_family_mapping(family_of: Callable[[str], str]) -> None:
    """Set how a name given as ``categories`` becomes a family."""
    global _family_of
    _family_of = family_of


def client_address(request: Any) -> str:
    """The client's address as the request middleware resolved it."""
    if request is None:
        return ""
    resolved = getattr(request, "client_address", None)
    if resolved:
        return str(resolved)[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _actor(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()[:150]


def audit_record(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any = "",
    subject_id: uuid.UUID | None = None,
    fields: Iterable[str] = (),
    categories: Iterable[str] = (),
    purpose: str = "",
    outcome: str = Outcome.OK,
    details: dict[str, Any] | None = None,
    request: Any = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Record one event and return it.

    Appended at once, in the caller's transaction when there is one (an
    action that rolls back leaves no event), otherwise in its own — or held
    by the open request or batch scope and appended with the others
    (rekisteri/audit/batching.py says which); its ``id`` and ``hash`` are set
    when it is appended. ``actor_label`` overrides the
    user name for events without an authenticated actor (a failed login names
    the account tried only if it exists — the caller decides). ``categories``
    are need-to-know families; a catalogue category is recorded as its family.
    """
    # Every action is declared once, with its meaning (rekisteri/audit/events.py).
    events.check(action)
    if request is None:
        # A service called from a view: the request that caused it.
        request = current_request.get()
    actor_id, label = _actor(actor)
    if actor_label is not None:
        label = actor_label[:150]
    event = _event(
        (actor_id, label, client_address(request), action, str(outcome)),
        target_type,
        target_id,
        subject_id,
        fields,
        sorted({_family_of(name) for name in categories}),
        purpose,
        details,
    )
    if not hold(event):
        append([event])
    return event


class _NotPlain(Exception):
    pass


_PLAIN = (str, int, bool, type(None))


def _plain_copy(value: Any) -> Any:
    """A copy of ``value`` if it is what JSON gives back as it is (text,
    integers, booleans, None, lists and text-keyed objects of them, each of
    exactly those types), else :class:`_NotPlain`."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_plain_copy(v) for v in value]
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise _NotPlain
            out[k] = _plain_copy(v)
        return out
    raise _NotPlain


def _json_copy(details: dict[str, Any] | None) -> dict[str, Any]:
    """``details`` as the database will give it back: through JSON, or
    copied when JSON would give the same values back (most events' details:
    ids, counts, names)."""
    if not details:
        return {}
    try:
        return _plain_copy(details)
    except _NotPlain:
        return json.loads(json.dumps(dict(details), default=str))


# Each column's attribute and default, in the model's order (the positional
# constructor's).
_EVENT_DEFAULTS: list[tuple[str, Callable[[], Any]]] = []


def _event(
    who: tuple[int | None, str, str, str, str],
    target_type: str,
    target_id: Any,
    subject_id: Any,
    fields: Iterable[str],
    families: list[str],
    purpose: str,
    details: dict[str, Any] | None,
) -> AuditEvent:
    """The event of one record: ``who`` is (actor id, actor label, client,
    action, outcome), ``families`` the need-to-know families already read.
    Made through the positional constructor (the path Django's ``from_db``
    takes): the same instance as ``AuditEvent(**values)``, without the
    keyword path's checks of every field."""
    if subject_id is not None and not isinstance(subject_id, uuid.UUID):
        # The chain hashes the canonical text; the database gives a UUID back.
        subject_id = uuid.UUID(str(subject_id))
    actor_id, label, client, action, outcome = who
    values = {
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_label": label,
        "client": client,
        "action": action,
        "outcome": outcome,
        "target_type": target_type,
        "target_id": str(target_id or ""),
        "subject_id": subject_id,
        "fields": sorted(set(fields)),
        "categories": list(families),
        "purpose": purpose,
        # Through JSON once, so the hashed value is exactly what the database
        # will give back (tuples become lists, keys text); a copy of plain
        # values is that already.
        "details": _json_copy(details),
    }
    if not _EVENT_DEFAULTS:
        _EVENT_DEFAULTS.extend(
            (f.attname, f.get_default) for f in AuditEvent._meta.concrete_fields
        )
    return AuditEvent(
        *[
            values[name] if name in values else default()
            for name, default in _EVENT_DEFAULTS
        ]
    )


def audit_record_many(
    *,
    actor: Any,
    action: str,
    target_type: str,
    records: Iterable[tuple[Any, uuid.UUID | None, Iterable[str], Iterable[str], Any]],
    purpose: str = "",
    outcome: str = Outcome.OK,
) -> list[AuditEvent]:
    """:func:`audit_record` of many events of one actor and action, recorded
    together (a bulk write's, one per row): ``records`` holds each event's
    ``(target_id, subject_id, fields, categories, details)``. Each event is
    the one :func:`audit_record` would make, in the same order; what they
    share (the action's declaration, the request, the actor, the client, the
    families of a set of categories) is read once, and they are held by the
    open scope, or appended, together."""
    events.check(action)
    actor_id, label = _actor(actor)
    who = (actor_id, label, client_address(current_request.get()), action, str(outcome))
    families: dict[frozenset[str], list[str]] = {}
    made: list[AuditEvent] = []
    for target_id, subject_id, fields, categories, details in records:
        names = frozenset(categories)
        cats = families.get(names)
        if cats is None:
            cats = families[names] = sorted({_family_of(name) for name in names})
        made.append(
            _event(
                who, target_type, target_id, subject_id, fields, cats, purpose, details
            )
        )
    if made and not hold_many(made):
        append(made)
    return made
