"""Writes to a person's roles at organizations: create, change, end, delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.access.families import families_of
from rekisteri.core.errors import FieldErrors, NotFound, ValidationFailed
from rekisteri.core.formats import FormatError
from rekisteri.core.validation import (
    check_date,
    clean_optional_text,
    in_date_range,
)
from rekisteri.registry import auditing
from rekisteri.registry.choices import (
    ROLE_KINDS,
)
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    Person,
    Role,
)
from rekisteri.registry.services.provenance import provenance_record

ROLE_FIELDS = ("kind", "title", "start_date", "end_date")


def clean_role(data: dict[str, Any]) -> dict:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if data.get("kind") not in ROLE_KINDS:
        errors.add("kind", "invalid_choice", _("Choose a role."))
    out["kind"] = data.get("kind")
    out["title"] = clean_optional_text(
        errors, "title", data.get("title"), max_length=120
    )
    start, end = data.get("start_date"), data.get("end_date")
    for name, value in (("start_date", start), ("end_date", end)):
        if value is None:
            continue
        try:
            check_date(value)
        except FormatError as exc:
            errors.add(name, exc.code, exc.message)
    start_ok = isinstance(start, dt.date) and in_date_range(start)
    end_ok = isinstance(end, dt.date) and in_date_range(end)
    if start is None:
        errors.add("start_date", "required", _("This field is required."))
    if start_ok and end_ok and end < start:
        errors.add(
            "end_date", "end_before_start", _("The end date is before the start date.")
        )
    errors.raise_if_any()
    out["start_date"], out["end_date"] = start, end
    return out


def _check_open_role(
    person: Person, organization: Organization, data: dict, exclude=None
) -> None:
    if data["end_date"] is not None:
        return
    clash = Role.objects.filter(
        person=person,
        organization=organization,
        kind=data["kind"],
        end_date__isnull=True,
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationFailed.single(
            "kind",
            "role_exists",
            _("This person already has an open role of this kind here."),
        )


@write_service(subject=PERSON)
def role_create(
    *,
    actor: Any,
    person: Person,
    organization: Organization,
    kind: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    title: str = "",
    source: str = "staff",
    import_batch: ImportBatch | None = None,
) -> Role:
    """Give ``person`` a role at ``organization`` (start defaults to today)."""
    data = clean_role(
        dict(
            kind=kind,
            title=title,
            start_date=start_date or timezone.localdate(),
            end_date=end_date,
        )
    )
    _check_open_role(person, organization, data)
    written = [f for f, v in data.items() if v not in ("", None)]
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=families_of(Role, written),
        operation="role.create",
    )
    with transaction.atomic():
        role = Role.objects.create(
            person=person,
            organization=organization,
            provenance=provenance_record(
                actor=actor, source=source, import_batch=import_batch
            ),
            **data,
        )
        auditing.record_write(
            actor=actor,
            action="role.create",
            target_type="role",
            target_id=role.pk,
            subject_id=person.pk,
            fields=written,
            model=Role,
            details={"organization": str(organization.pk)},
        )
    return role


@write_service(subject=PERSON)
def role_update(
    *, actor: Any, role: Role, source: str = "staff", **changes: Any
) -> Role:
    """Change a role's kind, title or dates."""
    return _role_change(
        actor=actor, role=role, source=source, action="role.update", **changes
    )


def _role_change(
    *, actor: Any, role: Role, source: str, action: str, **changes: Any
) -> Role:
    unknown = set(changes) - {"kind", "title", "start_date", "end_date"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = {f: getattr(role, f) for f in ("kind", "title", "start_date", "end_date")}
    data = clean_role({**current, **changes})
    _check_open_role(role.person, role.organization, data, exclude=role)
    changed = [f for f in data if getattr(role, f) != data[f]]
    if not changed:
        return role
    authorize_write(
        actor=actor,
        person_id=role.person_id,
        families=families_of(Role, changed),
        operation=action,
    )
    with transaction.atomic():
        for f in changed:
            setattr(role, f, data[f])
        role.provenance = provenance_record(actor=actor, source=source)
        role.save()
        auditing.record_write(
            actor=actor,
            action=action,
            target_type="role",
            target_id=role.pk,
            subject_id=role.person_id,
            fields=changed,
            model=Role,
        )
    return role


@write_service(subject=PERSON)
def role_end(*, actor: Any, role: Role, end_date: dt.date | None = None) -> Role:
    """End a role (today by default). The relationship clock starts from it."""
    return _role_change(
        actor=actor,
        role=role,
        source="staff",
        action="role.end",
        end_date=end_date or timezone.localdate(),
    )


@write_service(subject=PERSON)
def role_delete(*, actor: Any, role: Role) -> None:
    """Remove a role entered by mistake (ending it is the normal path)."""
    # The primary key is set before insert, so ask the database whether the
    # row exists: an unsaved or already deleted role is not found.
    if role.pk is None or not Role.objects.filter(pk=role.pk).exists():
        raise NotFound()
    authorize_write(
        actor=actor,
        person_id=role.person_id,
        families=families_of(Role, ROLE_FIELDS),
        operation="role.delete",
    )
    with transaction.atomic():
        role_id, person_id = role.pk, role.person_id
        role.delete()
        auditing.record_write(
            actor=actor,
            action="role.delete",
            target_type="role",
            target_id=role_id,
            subject_id=person_id,
            fields=list(ROLE_FIELDS),
            model=Role,
        )
