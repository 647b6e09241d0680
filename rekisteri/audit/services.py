"""Writing audit events. Every service and every read of personal data calls
:func:`audit_record`; nothing else writes the audit table.

An event names what was done (``action``, e.g. ``person.view``,
``contract.create``, ``auth.login_failed``), to what (``target_type`` and
``target_id``, a random id), whose data it concerned (``subject_id``, a
Person's id), which fields and data categories were shown or changed (names,
never values) and why (``purpose``). ``details`` may carry counts, codes and
digests; it must never carry a value a user typed or a person's data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from rekisteri.audit import events
from rekisteri.audit.chain import GENESIS, chain_key, content_of, head_seal, link
from rekisteri.audit.choices import Outcome
from rekisteri.audit.middleware import current_request
from rekisteri.audit.models import AuditEvent, AuditHead

HEAD_ID = 1


def client_address(request: Any) -> str:
    """The client's address as the request middleware resolved it."""
    if request is None:
        return ""
    resolved = getattr(request, "client_address", None)
    if resolved:
        return str(resolved)[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class _Head(NamedTuple):
    last_id: int
    last_hash: str
    count: int
    first_id: int
    anchor_hash: str


_LOCK_HEAD = (
    "UPDATE audit_audithead SET count = count + 1 WHERE id = %s "
    "RETURNING last_id, last_hash, count, first_id, anchor_hash"
)


def _lock_head() -> _Head | None:
    """Count the new event in and read the head in one statement.

    The UPDATE takes the write lock on SQLite and the row lock on PostgreSQL,
    so appends are serialised; RETURNING (SQLite 3.35+, PostgreSQL) saves the
    separate read an append would otherwise cost.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_HEAD, [HEAD_ID])
        row = cursor.fetchone()
    return _Head(*row) if row else None


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
    """Append one event to the chain and return it.

    Runs in the caller's transaction when there is one (an action that rolls
    back leaves no event), otherwise in its own. ``actor_label`` overrides the
    user name for events without an authenticated actor (a failed login names
    the account tried only if it exists — the caller decides).
    """
    # Every action is declared once, with its meaning (rekisteri/audit/events.py).
    events.check(action)
    if request is None:
        # A service called from a view: the request that caused it.
        request = current_request.get()
    actor_id, label = _actor(actor)
    if subject_id is not None and not isinstance(subject_id, uuid.UUID):
        # The chain hashes the canonical text; the database gives a UUID back.
        subject_id = uuid.UUID(str(subject_id))
    if actor_label is not None:
        label = actor_label[:150]
    values: dict[str, Any] = {
        "at": timezone.now(),
        "actor_id": actor_id,
        "actor_label": label,
        "client": client_address(request),
        "action": action,
        "outcome": str(outcome),
        "target_type": target_type,
        "target_id": str(target_id or ""),
        "subject_id": subject_id,
        "fields": sorted(set(fields)),
        "categories": sorted(set(categories)),
        "purpose": purpose,
        # Through JSON once, so the hashed value is exactly what the database
        # will give back (tuples become lists, keys text).
        "details": json.loads(json.dumps(dict(details or {}), default=str)),
    }
    key = chain_key()
    with transaction.atomic():
        # Lock the head first (an UPDATE takes the write lock on SQLite and
        # the row lock on PostgreSQL), then read it: appends are serialised.
        head = _lock_head()
        if head is None:
            AuditHead.objects.create(
                pk=HEAD_ID,
                last_id=0,
                last_hash=GENESIS,
                count=1,
                first_id=1,
                anchor_hash=GENESIS,
            )
            head = _Head(0, GENESIS, 1, 1, GENESIS)
        # Ids are the chain positions, assigned under the head's lock, so a
        # gap or a swap is visible to ``verify``.
        values["id"] = head.last_id + 1
        event = AuditEvent(
            prev_hash=head.last_hash,
            hash=link(key, head.last_hash, content_of(values)),
            **values,
        )
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=HEAD_ID).update(
            last_id=event.pk,
            last_hash=event.hash,
            seal=head_seal(
                key,
                first_id=head.first_id,
                anchor_hash=head.anchor_hash,
                last_id=event.pk,
                last_hash=event.hash,
                count=head.count,
            ),
        )
    return event
