"""Writes to persons: create and update, with their email addresses and
phone numbers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.core import blindindex, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.core.validation import (
    clean_address,
    clean_emails,
    clean_phones,
    clean_required_text,
)
from rekisteri.registry import auditing, hooks
from rekisteri.registry.choices import (
    LANGUAGES,
    Language,
)
from rekisteri.registry.models import (
    ImportBatch,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
)
from rekisteri.registry.services.provenance import provenance_record

PERSON_ADDRESS_FIELDS = ["street", "postal_code", "city", "country"]


def clean_person(data: dict[str, Any]) -> tuple[dict, FieldErrors]:
    errors = FieldErrors()
    out: dict[str, Any] = {}
    out["first_name"] = clean_required_text(
        errors, "first_name", data.get("first_name"), max_length=100
    )
    out["last_name"] = clean_required_text(
        errors, "last_name", data.get("last_name"), max_length=100
    )
    lang = data.get("preferred_language") or Language.FI
    if lang not in LANGUAGES:
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
    data, errors = clean_person(
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
    data, errors = clean_person({**current, **changes})
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
