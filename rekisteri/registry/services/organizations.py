"""Writes to organizations: create, staff edits, values from an outside
source, and the per-field provenance (value sources)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    ORGANIZATION,
    authorize_write,
    write_service,
)
from rekisteri.core import formats
from rekisteri.core.errors import FieldErrors, ValidationFailed
from rekisteri.core.formats import FormatError
from rekisteri.core.validation import (
    check_date,
    clean,
    clean_address,
    clean_required_text,
)
from rekisteri.registry import auditing, sealing
from rekisteri.registry.choices import (
    OrganizationStatus,
)
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    OrganizationValueSource,
    Provenance,
)
from rekisteri.registry.services.provenance import customer_numbers, provenance_record

ORG_ADDRESS_FIELDS = [
    f"{prefix}_{name}"
    for prefix in ("postal", "visiting")
    for name in ("street", "postal_code", "city", "country")
]


def clean_organization(
    data: dict[str, Any], *, instance: Organization | None, check_taken: bool = True
) -> dict:
    """The organization's values cleaned, or ValidationFailed. A caller
    that checks many new organizations' business IDs with one query (the
    bulk import, registry/bulk.py) passes ``check_taken=False``."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    out["name"] = clean_required_text(errors, "name", data.get("name"), max_length=200)
    business_id = (data.get("business_id") or "").strip()
    out["business_id"] = (
        clean(errors, "business_id", formats.normalise_business_id, business_id)
        if business_id
        else None
    )
    vat = (data.get("vat_number") or "").strip()
    if vat:
        out["vat_number"] = clean(
            errors, "vat_number", formats.normalise_vat_number, vat
        )
    elif out["business_id"] and "business_id" not in errors.fields:
        out["vat_number"] = formats.vat_number_from_business_id(out["business_id"])
    else:
        out["vat_number"] = ""
    status = data.get("status") or OrganizationStatus.PROSPECT
    if status not in OrganizationStatus.values:
        errors.add("status", "invalid_choice", _("Choose a valid status."))
    out["status"] = status
    out["sole_trader"] = bool(data.get("sole_trader"))
    out["no_marketing"] = bool(data.get("no_marketing"))
    out.update(clean_address(errors, "postal", data))
    out.update(clean_address(errors, "visiting", data))
    if check_taken and out["business_id"] and "business_id" not in errors.fields:
        # The keyed digest finds a sole trader's sealed business ID too.
        taken = Organization.objects.filter(sealing.business_id_q([out["business_id"]]))
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors.add(
                "business_id",
                "business_id_taken",
                _("Another organization already has this business ID."),
            )
    errors.raise_if_any()
    out["name_key"] = formats.search_key(out["name"])
    return out


def _save_unique(obj, *, field_for: dict[str, tuple[str, str]]) -> None:
    """Save, turning a unique-constraint race into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        text = str(exc).lower()
        for needle, (field, code) in field_for.items():
            if needle in text:
                raise ValidationFailed.single(
                    field, code, _("This value is already in use.")
                ) from None
        raise


@write_service(subject=ORGANIZATION)
def organization_create(
    *,
    actor: Any,
    name: str,
    business_id: str | None = None,
    vat_number: str = "",
    status: str = OrganizationStatus.PROSPECT,
    sole_trader: bool = False,
    no_marketing: bool = False,
    source: str = "staff",
    import_batch: ImportBatch | None = None,
    provenance: Provenance | None = None,
    **address: str,
) -> Organization:
    """Create an organization with a new customer number.

    ``provenance`` is a record made by the caller (a registry import that
    knows when the registry changed the company); otherwise one is made from
    ``source`` and ``import_batch``."""
    unknown = set(address) - set(ORG_ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    data = clean_organization(
        dict(
            name=name,
            business_id=business_id,
            vat_number=vat_number,
            status=status,
            sole_trader=sole_trader,
            no_marketing=no_marketing,
            **address,
        ),
        instance=None,
    )
    created_fields = [
        f for f, v in data.items() if v not in ("", None, False) and f != "name_key"
    ] + ["customer_number"]
    authorize_write(
        actor=actor,
        families=auditing.organization_families(created_fields),
        operation="organization.create",
    )
    # Reserved in its own transaction, before the insert's: if the insert
    # fails the number is spent (a gap), never handed to the next customer.
    number = customer_numbers(1)[0]
    with transaction.atomic():
        org = Organization(
            **data,
            customer_number=number,
            provenance=provenance
            or provenance_record(actor=actor, source=source, import_batch=import_batch),
        )
        _save_unique(
            org, field_for={"business_id": ("business_id", "business_id_taken")}
        )
        auditing.record_write(
            actor=actor,
            action="organization.create",
            target_type="organization",
            target_id=org.pk,
            fields=created_fields,
            model=Organization,
        )
    return org


ORG_EDITABLE = {
    "name",
    "business_id",
    "vat_number",
    "status",
    "sole_trader",
    "no_marketing",
    *ORG_ADDRESS_FIELDS,
}


@write_service(subject=ORGANIZATION)
def organization_update(
    *, actor: Any, organization: Organization, source: str = "staff", **changes: Any
) -> Organization:
    """Change an organization's fields; unchanged fields keep their provenance."""
    unknown = set(changes) - ORG_EDITABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = {f: getattr(organization, f) for f in ORG_EDITABLE}
    if "business_id" in changes and "vat_number" not in changes:
        # A new business ID implies a new VAT number unless one is given.
        current["vat_number"] = ""
    data = clean_organization({**current, **changes}, instance=organization)
    changed = [f for f in data if getattr(organization, f) != data[f]]
    if not changed:
        return organization
    authorize_write(
        actor=actor,
        families=auditing.organization_families(changed),
        operation="organization.update",
    )
    with transaction.atomic():
        for f in changed:
            setattr(organization, f, data[f])
        organization.provenance = provenance_record(actor=actor, source=source)
        _save_unique(
            organization,
            field_for={"business_id": ("business_id", "business_id_taken")},
        )
        value_sources_record(
            organization=organization,
            fields=[f for f in changed if f != "name_key"],
            provenance=organization.provenance,
        )
        auditing.record_write(
            actor=actor,
            action="organization.update",
            target_type="organization",
            target_id=organization.pk,
            fields=[f for f in changed if f != "name_key"],
            model=Organization,
        )
    return organization


def value_sources_record(
    *, organization: Organization, fields: Iterable[str], provenance: Provenance
) -> None:
    """Point each of ``fields`` of the organization at ``provenance``: one
    statement, replacing the fields' earlier records."""
    fields = sorted(set(fields))
    if not fields:
        return
    OrganizationValueSource.objects.bulk_create(
        [
            OrganizationValueSource(
                organization=organization, field=f, provenance=provenance
            )
            for f in fields
        ],
        update_conflicts=True,
        unique_fields=["organization", "field"],
        update_fields=["provenance"],
    )


def value_sources(organization: Organization) -> dict[str, Provenance]:
    """Provenance of each field that has its own record (with sources)."""
    return {
        row.field: row.provenance
        for row in OrganizationValueSource.objects.filter(
            organization=organization
        ).select_related("provenance__source", "provenance__import_batch")
    }


# Fields only a registry sets (never typed in the form).
ORG_REGISTRY_FIELDS = {
    "registered_names",
    "company_form",
    "company_form_name",
    "industry_code",
    "industry_code_set",
    "industry_name",
    "trade_register_status",
    "registered_entries",
    "registry_situation",
    "registry_end_date",
    "registry_modified_at",
}


@write_service(subject=ORGANIZATION)
def organization_set_from_source(
    *,
    actor: Any,
    organization: Organization,
    provenance: Provenance,
    values: dict[str, Any],
    action: str = "organization.registry_update",
) -> list[str]:
    """Write values an outside source gave, each recording ``provenance``.

    Editable fields are validated like a staff edit (all errors together);
    the caller decides which values may replace what a person typed. Returns
    the names of the fields that changed. ``registry_checked_at`` is always
    stamped.
    """
    unknown = set(values) - ORG_EDITABLE - ORG_REGISTRY_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    editable = {k: v for k, v in values.items() if k in ORG_EDITABLE}
    data: dict[str, Any] = {}
    if editable:
        current = {f: getattr(organization, f) for f in ORG_EDITABLE}
        cleaned = clean_organization({**current, **editable}, instance=organization)
        data.update({k: cleaned[k] for k in editable})
        if "name" in editable:
            data["name_key"] = cleaned["name_key"]
    data.update({k: v for k, v in values.items() if k in ORG_REGISTRY_FIELDS})
    end = data.get("registry_end_date")
    if end is not None:
        try:
            check_date(end)
        except FormatError as exc:
            raise ValidationFailed.single(
                "registry_end_date", exc.code, exc.message
            ) from None
    changed = [f for f in data if getattr(organization, f) != data[f]]
    authorize_write(
        actor=actor,
        families=auditing.organization_families(changed),
        operation=action,
    )
    with transaction.atomic():
        for f in changed:
            setattr(organization, f, data[f])
        organization.registry_checked_at = timezone.now()
        # Only what changed: the listeners skip what a field left alone
        # needs (a registry import saves many organizations).
        organization.save(update_fields=[*changed, "registry_checked_at", "updated_at"])
        value_sources_record(
            organization=organization,
            fields=[f for f in changed if f != "name_key"],
            provenance=provenance,
        )
        if changed:
            auditing.record_write(
                actor=actor,
                action=action,
                target_type="organization",
                target_id=organization.pk,
                fields=[f for f in changed if f != "name_key"],
                model=Organization,
                details={"source": provenance.source.code},
            )
    return [f for f in changed if f != "name_key"]
