"""Recompute due dates when the rows that move them change.

The apps below announce their writes through Django's model signals (the
retention app is the top floor: nothing imports it). A changed role,
contract party, person, invoice or rights-request case marks its person; a
changed relationship end (which the contracts app recomputes on every
contract change and role change), organization or invoice marks its
organization. The marked subjects are recomputed once, after the
transaction commits, so a rolled-back write moves nothing and an erasure
is seen with its key already shredded.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from rekisteri.core import rawdelete
from rekisteri.registry import hooks
from rekisteri.retention import services

_local = threading.local()


def _pending() -> dict[str, set[uuid.UUID]]:
    conn = transaction.get_connection()
    pend = getattr(_local, "pending", None)
    scheduled = conn.in_atomic_block and any(
        entry[1] is flush for entry in conn.run_on_commit
    )
    if pend is None or not scheduled:
        # No flush waits for a commit (none yet, or its transaction rolled
        # back): start afresh and schedule one. Outside a transaction
        # on_commit runs the flush at once.
        pend = _local.pending = {"person": set(), "organization": set()}
        if conn.in_atomic_block:
            transaction.on_commit(flush)
    return pend


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the subjects marked inside the block and recompute them
    together when it ends (a sweep's batch of erasures: one set-based
    recompute instead of one per erasure)."""
    if getattr(_local, "deferred", None) is not None:
        yield  # already deferring: the outer block recomputes
        return
    _local.deferred = {"person": set(), "organization": set()}
    try:
        yield
    finally:
        pend, _local.deferred = _local.deferred, None
        _recompute(pend)


def mark(*, person_ids=(), organization_ids=()) -> None:  # type: ignore[no-untyped-def]
    later = getattr(_local, "deferred", None)
    if later is not None:
        later["person"].update(p for p in person_ids if p is not None)
        later["organization"].update(o for o in organization_ids if o is not None)
        return
    pend = _pending()
    pend["person"].update(p for p in person_ids if p is not None)
    pend["organization"].update(o for o in organization_ids if o is not None)
    if not transaction.get_connection().in_atomic_block:
        flush()


def flush() -> None:
    pend = getattr(_local, "pending", None)
    _local.pending = None
    if pend:
        _recompute(pend)


def flush_now() -> None:
    """Recompute what the open transaction has marked so far, now, inside
    it (``core.precommit``: an erasure writes its due dates with its own
    rows, and its commit is the only one). Inside a sweep's batch
    (:func:`deferred`) the batch recomputes at its end, as before; a mark
    made after this is recomputed at the commit, as any other."""
    if getattr(_local, "deferred", None) is not None:
        return
    flush()


def _recompute(pend: dict[str, set[uuid.UUID]]) -> None:

    services.recompute_persons(sorted(pend["person"]))
    services.recompute_organizations(sorted(pend["organization"]))


def _role(sender: Any, instance: Any, **kwargs: Any) -> None:
    mark(person_ids=[instance.person_id])


def _roles_created(sender: Any, instances: Any, **kwargs: Any) -> None:
    # A bulk write (rekisteri.registry.hooks.rows_created): one mark for all.
    mark(person_ids=[role.person_id for role in instances])


def _roles_deleted(sender: Any, rows: Any) -> None:
    # The bulk form of ``_role`` after a delete (rekisteri.core.rawdelete).
    mark(person_ids=[row.person_id for row in rows])


def _organizations_created(sender: Any, instances: Any, **kwargs: Any) -> None:
    # New organizations written in bulk (no person has a role there yet).
    mark(organization_ids=[org.pk for org in instances])


def _relationship_ends(sender: Any, instances: Any, **kwargs: Any) -> None:
    # Relationship ends stored in bulk (contracts.relationship).
    mark(organization_ids=[row.organization_id for row in instances])


def _person(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    mark(person_ids=[instance.pk])


def _organization(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    # A prospect that becomes a customer moves its people from the
    # marketing rule to the relationship rule; their dates read nothing else
    # of the organization (retention/rules.py), so a save of other fields
    # marks the organization alone.
    if update_fields is not None and "status" not in update_fields:
        mark(organization_ids=[instance.pk])
        return
    Role = apps.get_model("registry", "Role")
    people = Role.objects.filter(organization_id=instance.pk).values_list(
        "person_id", flat=True
    )
    mark(person_ids=list(people), organization_ids=[instance.pk])


def _relationship_end(sender: Any, instance: Any, **kwargs: Any) -> None:
    mark(organization_ids=[instance.organization_id])


def _invoice(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.issued_at is None:
        return
    mark(
        person_ids=[instance.billing_contact_id],
        organization_ids=[instance.organization_id],
    )


def _case(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    people = (
        type(instance)
        .persons.through.objects.filter(requestcase_id=instance.pk)
        .values_list("person_id", flat=True)
    )
    mark(person_ids=list(people))


def _case_persons(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action == "pre_clear":
        # ``clear()`` names no one afterwards: the persons linked now.
        _case(sender, instance)
    elif action.startswith("post_"):
        _case(sender, instance)
        mark(person_ids=list(kwargs.get("pk_set") or ()))


def connect() -> None:
    model = apps.get_model
    pairs = [
        (model("registry", "Role"), _role, "role"),
        (model("contracts", "ContractParty"), _role, "party"),
        (model("registry", "Person"), _person, "person"),
        (model("registry", "Organization"), _organization, "organization"),
        (model("contracts", "RelationshipEnd"), _relationship_end, "relationship"),
        (model("billing", "Invoice"), _invoice, "invoice"),
    ]
    if apps.is_installed("rekisteri.dsr"):
        case = model("dsr", "RequestCase")
        pairs.append((case, _case, "case"))
        m2m_changed.connect(
            _case_persons,
            sender=case.persons.through,
            dispatch_uid="retention.case_persons",
        )
    hooks.rows_created.connect(
        _roles_created,
        sender=model("registry", "Role"),
        dispatch_uid="retention.roles_created",
    )
    hooks.rows_created.connect(
        _organizations_created,
        sender=model("registry", "Organization"),
        dispatch_uid="retention.organizations_created",
    )
    hooks.rows_created.connect(
        _relationship_ends,
        sender=model("contracts", "RelationshipEnd"),
        dispatch_uid="retention.relationship_ends",
    )
    for sender, handler, name in pairs:
        post_save.connect(handler, sender=sender, dispatch_uid=f"retention.{name}.s")
        if name not in ("person", "organization"):
            post_delete.connect(
                handler, sender=sender, dispatch_uid=f"retention.{name}.d"
            )
        if handler is _role:
            # Roles and contract parties deleted in bulk (a batch erasure):
            # one mark for the lot (core/rawdelete.py).
            rawdelete.register_bulk_form(
                sender,
                dispatch_uid=f"retention.{name}.d",
                columns=("person_id",),
                receiver=_roles_deleted,
            )
