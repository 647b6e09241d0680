"""Writes to the customer register.

Every function is keyword-only, takes the acting staff user (or None for the
installer and the demo seeder), validates everything first, and writes in one
transaction: a caller sees all field errors at once and nothing is half-saved.
The encryption and audit layers hook in here, so views, the API and commands
never touch storage details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.choices import Action
from rekisteri.access.enforce import (
    ORGANIZATION,
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.access.families import families_of
from rekisteri.core import blindindex, formats, keyring, participants
from rekisteri.core.catalogue import Erasure, KeyClass, personal_fields
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.core.formats import FormatError
from rekisteri.core.holds import refuse_if_held
from rekisteri.core.models import BlindIndex
from rekisteri.core.validation import (
    check_date,
    clean,
    clean_address,
    clean_emails,
    clean_optional_text,
    clean_phones,
    clean_required_text,
    in_date_range,
)
from rekisteri.registry import auditing, hooks
from rekisteri.registry.choices import (
    Language,
    OrganizationStatus,
    RoleKind,
    SourceKind,
)
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    OrganizationValueSource,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
    Sequence,
)

ORG_ADDRESS_FIELDS = [
    f"{prefix}_{name}"
    for prefix in ("postal", "visiting")
    for name in ("street", "postal_code", "city", "country")
]
PERSON_ADDRESS_FIELDS = ["street", "postal_code", "city", "country"]


# --------------------------------------------------------------------------
# Provenance and sequences
# --------------------------------------------------------------------------


# The sources the privacy notice names. The registry migration installs them;
# they are recreated on demand so a database emptied by hand (or a test flush)
# still knows them.
BUILTIN_SOURCES: dict[str, tuple[str, str]] = {
    "data_subject": ("Rekisteröity itse / The data subject", SourceKind.DATA_SUBJECT),
    "customer_company": (
        "Asiakasyritys / The customer company",
        SourceKind.CUSTOMER_COMPANY,
    ),
    "staff": ("Henkilökunta / Our staff", SourceKind.STAFF),
    "asiakastieto": ("Suomen Asiakastieto Oy", SourceKind.REGISTRY),
    "fonecta": ("Fonecta Oy", SourceKind.REGISTRY),
    "prh": ("Patentti- ja rekisterihallitus (YTJ)", SourceKind.REGISTRY),
}


ROLE_FIELDS = ("kind", "title", "start_date", "end_date")


def data_source_get(code: str) -> DataSource | None:
    """The data source with ``code``; built-in ones always exist."""
    found = DataSource.objects.filter(code=code).first()
    if found is None and code in BUILTIN_SOURCES:
        name, kind = BUILTIN_SOURCES[code]
        found, _created = DataSource.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    return found


@not_a_write_service(
    "writes the source of values inside a service that authorized the values"
)
def provenance_record(
    *,
    actor: Any,
    source: str = "staff",
    obtained_at: dt.datetime | None = None,
    import_batch: ImportBatch | None = None,
    source_modified_at: dt.datetime | None = None,
) -> Provenance:
    """Record where values came from. ``source`` is a DataSource code;
    ``source_modified_at`` is when the source itself last changed them."""
    data_source = data_source_get(source)
    if data_source is None or not data_source.is_active:
        raise ValidationFailed.single(
            "source", "source_unknown", _("Unknown data source.")
        )
    return Provenance.objects.create(
        source=data_source,
        obtained_at=obtained_at or timezone.now(),
        import_batch=import_batch,
        source_modified_at=source_modified_at,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def sequence_next(name: str, *, start: int, count: int = 1) -> int:
    """Reserve ``count`` values of a counter; returns the first.

    Must run inside a transaction. The row is locked so two sessions never get
    the same value, and values are never handed back: a rolled-back insert
    leaves a gap rather than reusing a number.
    """
    seq = Sequence.objects.select_for_update().filter(name=name).first()
    if seq is None:
        Sequence.objects.create(name=name, last_value=start - 1 + count)
        return start
    first = seq.last_value + 1
    Sequence.objects.filter(name=name).update(last_value=seq.last_value + count)
    return first


def customer_numbers(count: int) -> list[str]:
    """``count`` new customer numbers: a sequence value and a 7-3-1 check digit."""
    start = settings.REKISTERI["CUSTOMER_NUMBER_START"]
    with transaction.atomic():
        first = sequence_next("customer_number", start=start, count=count)
    return [
        formats.with_reference_check_digit(str(n)) for n in range(first, first + count)
    ]


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


def _clean_organization(data: dict[str, Any], *, instance: Organization | None) -> dict:
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
    if out["business_id"] and "business_id" not in errors.fields:
        taken = Organization.objects.filter(business_id=out["business_id"])
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
    data = _clean_organization(
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
    data = _clean_organization({**current, **changes}, instance=organization)
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
    """Point each of ``fields`` of the organization at ``provenance``."""
    fields = sorted(set(fields))
    if not fields:
        return
    OrganizationValueSource.objects.filter(
        organization=organization, field__in=fields
    ).delete()
    OrganizationValueSource.objects.bulk_create(
        OrganizationValueSource(
            organization=organization, field=f, provenance=provenance
        )
        for f in fields
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
        cleaned = _clean_organization({**current, **editable}, instance=organization)
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
        organization.save()
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


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def _clean_person(data: dict[str, Any]) -> tuple[dict, FieldErrors]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    out["first_name"] = clean_required_text(
        errors, "first_name", data.get("first_name"), max_length=100
    )
    out["last_name"] = clean_required_text(
        errors, "last_name", data.get("last_name"), max_length=100
    )
    lang = data.get("preferred_language") or Language.FI
    if lang not in Language.values:
        errors.add("preferred_language", "invalid_choice", _("Choose fi, sv or en."))
    out["preferred_language"] = lang
    out.update(clean_address(errors, "", data))
    return out, errors


def _check_emails_free(
    errors: FieldErrors, emails: Iterable[str], person: Person | None
) -> None:
    if any(
        other != (person.pk if person else None)
        for email in emails
        for other in email_owners(email)
    ):
        errors.add(
            "emails",
            "email_taken",
            _("This email address belongs to another person in the register."),
        )


def email_owners(email: str) -> set[Any]:
    """Ids of the persons holding ``email`` (normalised), via the blind index.

    Index hits are candidates (digests are truncated); each is confirmed by
    decrypting the candidate's addresses.
    """
    candidates = blindindex.subjects_matching(PersonEmail, "email", email)
    if not candidates:
        return set()
    rows = PersonEmail.objects.filter(person_id__in=candidates)
    return {row.person_id for row in rows if row.email == email}


def _replace_values(
    existing: list[Any], wanted: list[str], attr: str, create: Any
) -> None:
    """Make a person's email or phone rows equal ``wanted``, in order.

    Unchanged values keep their row (and provenance); the first is primary.
    Compared after decryption, since the column cannot be filtered.
    """
    by_value = {getattr(row, attr): row for row in existing}
    for value, row in by_value.items():
        if value not in wanted:
            row.delete()
    for i, value in enumerate(wanted):
        row = by_value.get(value)
        if row is None:
            create(value, i == 0)
        elif row.is_primary != (i == 0):
            type(row).objects.filter(pk=row.pk).update(is_primary=i == 0)


def _set_emails(person: Person, emails: list[str], provenance: Provenance) -> None:
    """Write the rows; a parallel write that took an address first (the
    database's unique digest) is answered like the service's own check."""
    try:
        with transaction.atomic():
            _replace_values(
                list(person.emails.all()),
                emails,
                "email",
                lambda value, primary: PersonEmail.objects.create(
                    person=person,
                    email=value,
                    is_primary=primary,
                    provenance=provenance,
                ),
            )
    except IntegrityError as exc:
        if "email_digest" not in str(exc) and "person_email_unique" not in str(exc):
            raise
        raise ValidationFailed.single(
            "emails",
            "email_taken",
            _("This email address belongs to another person in the register."),
        ) from None


def _set_phones(person: Person, phones: list[str], provenance: Provenance) -> None:
    _replace_values(
        list(person.phones.all()),
        phones,
        "number",
        lambda value, primary: PersonPhone.objects.create(
            person=person, number=value, is_primary=primary, provenance=provenance
        ),
    )


@write_service(subject=PERSON)
def person_create(
    *,
    actor: Any,
    first_name: str,
    last_name: str,
    preferred_language: str = Language.FI,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    source: str = "staff",
    import_batch: ImportBatch | None = None,
    **address: str,
) -> Person:
    """Create a person with their emails and phones (first one is primary)."""
    unknown = set(address) - set(PERSON_ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    data, errors = _clean_person(
        dict(
            first_name=first_name,
            last_name=last_name,
            preferred_language=preferred_language,
            **address,
        )
    )
    clean_emails_ = clean_emails(errors, emails)
    clean_phones_ = clean_phones(errors, phones)
    if "emails" not in errors.fields:
        _check_emails_free(errors, clean_emails_, None)
    errors.raise_if_any()
    written = [f for f, v in data.items() if v not in ("", None)]
    written += (["emails"] if clean_emails_ else []) + (
        ["phones"] if clean_phones_ else []
    )
    authorize_write(
        actor=actor,
        families=auditing.person_families(written),
        operation="person.create",
    )
    with transaction.atomic():
        prov = provenance_record(actor=actor, source=source, import_batch=import_batch)
        person = Person.objects.create(
            **data,
            name_provenance=prov,
            address_provenance=prov if data["street"] else None,
        )
        _set_emails(person, clean_emails_, prov)
        _set_phones(person, clean_phones_, prov)
        auditing.record_write(
            actor=actor,
            action="person.create",
            target_type="person",
            target_id=person.pk,
            subject_id=person.pk,
            fields=written,
        )
        hooks.contact_points_added(
            actor=actor, person=person, emails=clean_emails_, phones=clean_phones_
        )
    return person


PERSON_EDITABLE = {
    "first_name",
    "last_name",
    "preferred_language",
    *PERSON_ADDRESS_FIELDS,
}


@write_service(subject=PERSON)
def person_update(
    *,
    actor: Any,
    person: Person,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    source: str = "staff",
    import_batch: ImportBatch | None = None,
    **changes: Any,
) -> Person:
    """Change a person. ``emails``/``phones``, when given, replace the lists."""
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if keyring.is_destroyed(person.pk, KeyClass.CRM):
        raise Conflict(
            _("This person's data has been erased and cannot be changed."),
            code="subject_erased",
        )
    current = {f: getattr(person, f) for f in PERSON_EDITABLE}
    data, errors = _clean_person({**current, **changes})
    new_emails = clean_emails(errors, emails) if emails is not None else None
    new_phones = clean_phones(errors, phones) if phones is not None else None
    if new_emails is not None and "emails" not in errors.fields:
        _check_emails_free(errors, new_emails, person)
    errors.raise_if_any()
    changed = [f for f in data if getattr(person, f) != data[f]]
    old_emails = [e.email for e in person.emails.all()]
    old_phones = [p.number for p in person.phones.all()]
    written = list(changed)
    if new_emails is not None and old_emails != new_emails:
        written.append("emails")
    if new_phones is not None and old_phones != new_phones:
        written.append("phones")
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=auditing.person_families(written),
        operation="person.update",
    )
    with transaction.atomic():
        prov = None
        if changed or new_emails is not None or new_phones is not None:
            prov = provenance_record(
                actor=actor, source=source, import_batch=import_batch
            )
        if changed:
            for f in changed:
                setattr(person, f, data[f])
            if {"first_name", "last_name"} & set(changed):
                person.name_provenance = prov
            if set(PERSON_ADDRESS_FIELDS) & set(changed):
                person.address_provenance = prov
            person.save()
        if new_emails is not None:
            _set_emails(person, new_emails, prov)
        if new_phones is not None:
            _set_phones(person, new_phones, prov)
        added_emails = [e for e in new_emails or [] if e not in old_emails]
        added_phones = [p for p in new_phones or [] if p not in old_phones]
        if added_emails or added_phones:
            hooks.contact_points_added(
                actor=actor, person=person, emails=added_emails, phones=added_phones
            )
        if written:
            auditing.record_write(
                actor=actor,
                action="person.update",
                target_type="person",
                target_id=person.pk,
                subject_id=person.pk,
                fields=written,
            )
    return person


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def _clean_role(data: dict[str, Any]) -> dict:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    if data.get("kind") not in RoleKind.values:
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
    data = _clean_role(
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
    data = _clean_role({**current, **changes})
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


# --------------------------------------------------------------------------
# Crypto-shredding
# --------------------------------------------------------------------------


@write_service(subject=PERSON)
def person_shred(
    *,
    actor: Any,
    person: Person,
    key_class: str = KeyClass.CRM,
    reason: str,
    run_participants: bool = True,
) -> bool:
    """Destroy a person's data key for ``key_class`` and their blind indexes.

    Every field sealed under that key (names, address, emails, phones, role
    titles) then reads as the "erased" placeholder, in the live database and
    in every backup once the key store's backups have aged out. The erasure is
    recorded in the ledger so a restore replays it. Returns True when key
    material was destroyed now (False if it already was). Refused with
    :class:`Conflict` (``legal_hold``) while a legal hold exists
    (rekisteri.core.holds). ``run_participants=False`` when the caller (the
    rights engine) has run the participants' erasures itself.
    """
    # Before anything is destroyed: the matrix's "erase" column for every
    # family sealed under the key, and the subject refusals (a restriction).
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=auditing.person_families(
            f.split(".", 1)[0] for f in shredded_fields(key_class)
        ),
        action=Action.ERASE,
        operation="person.shred",
    )
    # A legal hold (an open collection case) keeps the data: refuse and say why.
    refuse_if_held(person.pk)
    if (
        run_participants
        and key_class == KeyClass.CRM
        and not keyring.is_destroyed(person.pk, key_class)
    ):
        # Before the shred: the person's addresses are needed to find them in
        # shared message history (their participation is removed, not the
        # other people's history). Each app that holds such data registers a
        # participant (rekisteri.core.participants) in its AppConfig.ready.
        participants.run_erase(actor=actor, person=person)
    destroyed = keyring.shred(person.pk, key_class, reason=reason)
    if key_class == KeyClass.CRM:
        BlindIndex.objects.filter(subject_id=person.pk).delete()
        PersonEmail.objects.filter(person=person).update(email_digest=None)
    auditing.record_write(
        actor=actor,
        action="person.shred",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        fields=shredded_fields(key_class),
        details={"key_class": str(key_class), "destroyed": destroyed},
    )
    return destroyed


def shredded_fields(key_class: str) -> list[str]:
    """Names of the person's fields sealed under ``key_class`` (from the
    catalogue), as the shred's audit event lists them."""
    names = []
    for model, prefix in (
        (Person, ""),
        (PersonEmail, "emails."),
        (PersonPhone, "phones."),
        (Role, "roles."),
    ):
        for entry in personal_fields(model):
            c = entry.classification
            if c.erasure == Erasure.SHRED and c.key_class == key_class:
                names.append(prefix + entry.field_name)
    return names
