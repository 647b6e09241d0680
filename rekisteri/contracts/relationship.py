"""When a customer relationship ended: the start of the retention clock.

The rule (docs/contracts.md, retention rule ``relationship``): the relationship of an
organization ends on the last day of the latest of its contracts that were
ever in force (active, ended, terminated; drafts never count) and of its
people's roles there. While any of those is open-ended there is no end, and
an organization that never had either has no relationship to end.

The value does not depend on today's date, so it can be materialised
(:class:`~rekisteri.contracts.models.RelationshipEnd`) and only needs
recomputing when a contract or a role changes: the contract services call
:func:`relationship_refresh`, and signals do it for roles and for an
organization's sole-trader flag, which registry services change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from rekisteri.contracts.choices import IN_FORCE_STATUSES
from rekisteri.contracts.models import Contract, RelationshipEnd
from rekisteri.core import compiled, deferral, rawdelete
from rekisteri.core.bulkupdate import update_rows
from rekisteri.core.idlist import among, chunks
from rekisteri.registry import hooks
from rekisteri.registry.models import Organization, Role


def latest_end(ends: Iterable[dt.date | None]) -> dt.date | None:
    """The latest of ``ends``; None if empty or if any is open (None)."""
    latest: dt.date | None = None
    seen = False
    for end in ends:
        if end is None:
            return None
        seen = True
        latest = end if latest is None or end > latest else latest
    return latest if seen else None


def relationship_end(organization: Any) -> dt.date | None:
    """The day the organization's customer relationship ended (or ends).

    None while a contract in force or a role is open-ended, and for an
    organization with neither. Computed from the rows, never from the cache.
    """
    contract_ends = Contract.objects.filter(
        organization=organization, status__in=IN_FORCE_STATUSES
    ).values_list("ends_on", flat=True)
    role_ends = Role.objects.filter(organization=organization).values_list(
        "end_date", flat=True
    )
    return latest_end([*contract_ends, *role_ends])


def relationship_refresh(organization: Any) -> RelationshipEnd:
    """Recompute and store the organization's relationship end."""
    row, _created = RelationshipEnd.objects.update_or_create(
        organization_id=organization.pk,
        defaults={
            "ended_on": relationship_end(organization),
            "sole_trader": bool(getattr(organization, "sole_trader", False)),
            "computed_at": timezone.now(),
        },
    )
    return row


def relationship_refresh_many(organization_ids: Iterable[Any]) -> None:
    """:func:`relationship_refresh` of many organizations, set-based: one
    query each for their contracts in force, their roles and their stored
    rows, one insert of the new rows and an update of those whose value
    changed.
    The stored rows' listeners hear of them once
    (:data:`rekisteri.registry.hooks.rows_created`)."""
    ids = list(dict.fromkeys(organization_ids))
    for chunk in chunks(ids):
        _refresh_chunk(chunk)


def _ends(model: Any, column: str, ids: list[Any], **filters: Any) -> Any:
    """Per organization among ``ids``: the latest ``column`` and whether any
    row leaves it open (NULL), aggregated by the database, one row per
    organization however many rows it has (a batch erasure's 500
    organizations have thousands of roles, and an organization's roles grow
    with every contact import that names it: docs/connectors.md, Speed)."""
    # Compiled once per process (core/compiled.py): every erasure and role
    # change asks it again with other ids.
    return compiled.among_rows(
        ("contracts.relationship.ends", model._meta.label),
        lambda keys: (
            model.objects.filter(among("organization_id", keys), **filters)
            .order_by()
            .values_list("organization_id")
            .annotate(
                latest=Max(column),
                open=Count("pk", filter=Q(**{f"{column}__isnull": True})),
            )
        ),
        ids,
        model=model,
    )


def _refresh_chunk(ids: list[Any]) -> None:
    if not ids:
        return
    # latest_end of each organization's contract and role ends, from each
    # model's latest end and whether one is open (None).
    ends: dict[Any, list[dt.date | None]] = {pk: [] for pk in ids}
    for model, column, filters in (
        (Contract, "ends_on", {"status__in": IN_FORCE_STATUSES}),
        (Role, "end_date", {}),
    ):
        for org_id, latest, open_ended in _ends(model, column, ids, **filters):
            ends[org_id].append(None if open_ended else latest)
    flags = dict(
        compiled.among_rows(
            "contracts.relationship.flags",
            lambda keys: (
                Organization.objects.filter(among("pk", keys))
                .order_by()
                .values_list("pk", "sole_trader")
            ),
            ids,
            model=Organization,
        )
    )
    stored = {
        row.organization_id: row
        for row in compiled.among_instances(
            "contracts.relationship.stored",
            lambda keys: RelationshipEnd.objects.filter(
                among("organization_id", keys)
            ).order_by(),
            ids,
            model=RelationshipEnd,
        )
    }
    now = timezone.now()
    new, changed = [], []
    for org_id in ids:
        if org_id not in flags:
            continue  # deleted meanwhile
        ended_on, sole_trader = latest_end(ends[org_id]), bool(flags[org_id])
        row = stored.get(org_id)
        if row is None:
            new.append(
                RelationshipEnd(
                    organization_id=org_id,
                    ended_on=ended_on,
                    sole_trader=sole_trader,
                    computed_at=now,
                )
            )
        elif (row.ended_on, row.sole_trader) != (ended_on, sole_trader):
            # A row whose value stands is left as it is (a new role of an
            # organization with open roles changes nothing).
            row.ended_on, row.sole_trader, row.computed_at = (
                ended_on,
                sole_trader,
                now,
            )
            changed.append(row)
    RelationshipEnd.objects.bulk_create(new)
    update_rows(
        RelationshipEnd,
        ["ended_on", "sole_trader", "computed_at"],
        ((r.pk, r.ended_on, r.sole_trader, r.computed_at) for r in changed),
    )
    if new or changed:
        hooks.rows_created.send(sender=RelationshipEnd, instances=[*new, *changed])


def relationship_ended_before(day: dt.date) -> Any:
    """Organization ids whose relationship ended before ``day`` (indexed)."""
    return RelationshipEnd.objects.filter(ended_on__lt=day).values_list(
        "organization_id", flat=True
    )


# --------------------------------------------------------------------------
# Signals: registry writes we do not own
# --------------------------------------------------------------------------


def _role_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(kwargs.get("origin"), Organization):
        return  # the organization itself is being deleted, and its row with it
    # A bulk write (a batch erasure) refreshes each organization once.
    if deferral.defer(
        "contracts.relationship", relationship_refresh_many, [instance.organization_id]
    ):
        return
    organization = Organization.objects.filter(pk=instance.organization_id).first()
    if organization is not None:
        relationship_refresh(organization)


def _roles_created(sender: Any, instances: Any, **kwargs: Any) -> None:
    """Roles written in bulk: their organizations' ends, set-based."""
    relationship_refresh_many(role.organization_id for role in instances)


def _roles_deleted(sender: Any, rows: Any) -> None:
    """Roles deleted in bulk (rekisteri.core.rawdelete): their organizations'
    ends, once each, as ``_role_changed`` would for each row."""
    ids = [row.organization_id for row in rows]
    if not deferral.defer("contracts.relationship", relationship_refresh_many, ids):
        relationship_refresh_many(ids)


def _organization_saved(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    # A contract of a sole trader is the trader's personal data: the copy of
    # the flag that the catalogue's ``when`` reads follows the organization.
    if update_fields is not None and "sole_trader" not in update_fields:
        return  # a save of other fields leaves the flag as it was
    flag = bool(instance.sole_trader)
    Contract.objects.filter(organization=instance).exclude(sole_trader=flag).update(
        sole_trader=flag
    )
    RelationshipEnd.objects.filter(organization=instance).exclude(
        sole_trader=flag
    ).update(sole_trader=flag)


def connect() -> None:
    """Connect the signals (called from the app config's ``ready``)."""
    post_save.connect(_role_changed, sender=Role, dispatch_uid="contracts.role_saved")
    hooks.rows_created.connect(
        _roles_created, sender=Role, dispatch_uid="contracts.roles_created"
    )
    post_delete.connect(
        _role_changed, sender=Role, dispatch_uid="contracts.role_deleted"
    )
    rawdelete.register_bulk_form(
        Role,
        dispatch_uid="contracts.role_deleted",
        columns=("organization_id",),
        receiver=_roles_deleted,
    )
    post_save.connect(
        _organization_saved,
        sender=Organization,
        dispatch_uid="contracts.organization_saved",
    )
