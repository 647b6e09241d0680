"""Writing many new contact persons at once (list imports).

``person_create`` and ``role_create`` cost a provenance record, a data key,
an insert per row and a blind-index rewrite per person: twenty-odd queries
a person. An import of a vendor's list of thousands of rows goes through
:func:`contacts_create` instead, which does the same work for a batch:

* each item is validated with the services' own cleaners; an item that
  fails is left out and its reasons returned, the others go on;
* the enforcement point is asked once, for every family the batch writes,
  before anything is written (docs/architecture.md, one enforcement point);
* one data key per person, created in one key-store insert and cached in
  the key scope, so the field layer's ``pre_save`` seals every value through
  its normal path (``bulk_create`` calls it) without a key-store query;
* one provenance record for the batch (same source, batch and time),
  ``bulk_create`` of persons, emails, phones and roles, and their blind-index
  rows computed with the same terms the save signal writes;
* one audit event per person (``person.create``, naming the role too), in
  the batch's transaction (no commit each), recorded together
  (``auditing.record_writes``: the same events as one ``record_write``
  each);
* the listeners hear of the batch once: the contact-point listeners
  (``contact_points_added_many``) and :data:`hooks.rows_created` for the
  roles (the relationship end and the retention dates follow roles).

:func:`email_owners_many` and :func:`phone_owners_many` are the batched form
of ``email_owners``: one index query for a batch of addresses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.access.families import families_of
from rekisteri.core import blindindex, idlist, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.envelope import data_cipher
from rekisteri.core.errors import FieldErrors, ValidationFailed
from rekisteri.core.models import BlindIndex
from rekisteri.core.validation import clean_emails, clean_phones
from rekisteri.registry import auditing, hooks, sealing
from rekisteri.registry.choices import Language, RoleKind
from rekisteri.registry.inserts import insert_index_rows, insert_rows, insert_values
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Role,
    email_digest,
)
from rekisteri.registry.services import (
    clean_organization,
    clean_person,
    clean_role,
    customer_numbers,
    provenance_record,
)

# Rows per statement: well under SQLite's bound-parameter limit.
CHUNK = 500


@dataclass(eq=False)
class NewOrganization:
    """An organization to create with the contacts that name it (a prospect
    with a new customer number, as ``organization_create`` makes one).
    Contacts share one instance per organization."""

    name: str
    business_id: str | None = None


@dataclass
class NewContact:
    """One person to create, with their role at ``organization`` (in the
    register, or one this batch creates)."""

    last_name: str
    organization: Organization | NewOrganization
    first_name: str = ""
    preferred_language: str = Language.FI
    email: str = ""
    phone: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    role_kind: str = RoleKind.CONTACT
    title: str = ""


@dataclass
class BulkResult:
    """Persons created (by the item's position) and the reasons of the
    items left out."""

    created: dict[int, Person] = field(default_factory=dict)
    refused: dict[int, list[str]] = field(default_factory=dict)
    # The organizations the batch created, by their business ID.
    organizations: dict[str | None, Organization] = field(default_factory=dict)


def _owners(
    model: type, field_name: str, attr: str, values: Iterable[str]
) -> dict[str, set[Any]]:
    """For each value, the persons holding it (index hits confirmed by
    decrypting the candidates' rows, as ``email_owners`` does)."""
    wanted = sorted({v for v in values if v})
    found: dict[str, set[Any]] = {v: set() for v in wanted}
    # The keys as one parameter (core/idlist.py): one query on PostgreSQL,
    # one per CHUNK on SQLite.
    for chunk in idlist.chunks(wanted):
        keys = dict(
            zip(blindindex.query_keys(model, field_name, chunk), chunk, strict=True)
        )
        candidates = set(
            BlindIndex.objects.filter(idlist.among("key", list(keys))).values_list(
                "subject_id", flat=True
            )
        )
        if not candidates:
            continue
        with keyring.ensure_scope():
            keyring.prefetch(candidates, KeyClass.CRM)
            for row in model.objects.filter(idlist.among("person_id", candidates)):
                value = getattr(row, attr)
                if value in found:
                    found[value].add(row.person_id)
    return found


def email_owners_many(emails: Iterable[str]) -> dict[str, set[Any]]:
    """``email_owners`` of many normalised addresses in one index query per
    :data:`CHUNK`."""
    return _owners(PersonEmail, "email", "email", emails)


def phone_owners_many(phones: Iterable[str]) -> dict[str, set[Any]]:
    """The persons holding each of these E.164 numbers, batched."""
    return _owners(PersonPhone, "number", "number", phones)


def _clean_item(item: NewContact, today: dt.date) -> tuple[dict, dict, FieldErrors]:
    data, errors = clean_person(
        dict(
            first_name=item.first_name,
            last_name=item.last_name,
            preferred_language=item.preferred_language,
            street=item.street,
            postal_code=item.postal_code,
            city=item.city,
        )
    )
    data["emails"] = clean_emails(errors, [item.email] if item.email else [])
    data["phones"] = clean_phones(errors, [item.phone] if item.phone else [])
    try:
        role = clean_role(dict(kind=item.role_kind, title=item.title, start_date=today))
    except ValidationFailed as exc:
        for name, errs in exc.fields.items():
            for code, message in errs:
                errors.add(name, code, message)
        role = {}
    return data, role, errors


def _indexed_fields() -> tuple[list[tuple[str, str, str]], Any, Any, bytes, dict]:
    """What :func:`_index_rows` needs, read once per batch: each indexed
    person field's attribute, label and kind, the label and kind of the
    email and phone columns, the index key, and the batch's memory of the
    terms' keys (the batch's names share their prefixes)."""
    email_field = PersonEmail._meta.get_field("email")
    phone_field = PersonPhone._meta.get_field("number")
    return (
        [
            (f.attname, blindindex.label_of(f), f.blind)
            for f in blindindex.indexed_fields(Person)
        ],
        (blindindex.label_of(email_field), email_field.blind),
        (blindindex.label_of(phone_field), phone_field.blind),
        keyring.provider().index_key(),
        {},
    )


def _index_rows(
    indexed: tuple[list[tuple[str, str, str]], Any, Any, bytes, dict],
    person: dict[str, Any],
    emails: list[str],
    phones: list[str],
) -> set[int]:
    """The blind-index keys the save signal would write for this person
    (``person``: the values of their fields, by name)."""
    person_fields, email, phone, index_key, memo = indexed
    keys_for = blindindex.keys_for_label
    keys: set[int] = set()
    for attname, label, kind in person_fields:
        keys.update(
            keys_for(
                label, kind, person.get(attname, ""), index_key=index_key, memo=memo
            )
        )
    for (label, kind), values in ((email, emails), (phone, phones)):
        for value in values:
            # An address is one term, its own: nothing to share.
            keys.update(keys_for(label, kind, value, index_key=index_key))
    return keys


def _clean_organizations(
    contacts: list[NewContact],
) -> tuple[dict[int, dict], dict[int, list[str]]]:
    """The new organizations the contacts name, cleaned with the
    organization service's own cleaner (by the instance's id), and the
    reasons of those that fail."""
    data: dict[int, dict] = {}
    refused: dict[int, list[str]] = {}
    for item in contacts:
        org = item.organization
        if not isinstance(org, NewOrganization) or id(org) in data:
            continue
        if id(org) in refused:
            continue
        try:
            data[id(org)] = clean_organization(
                dict(name=org.name, business_id=org.business_id),
                instance=None,
                check_taken=False,
            )
        except ValidationFailed as exc:
            refused[id(org)] = exc.reasons()
    # A business ID in the register, or named by two instances (two
    # organizations): the service's own check, one query for the batch.
    named = [d["business_id"] for d in data.values() if d["business_id"]]
    # By the keyed digest: a sole trader's business ID is sealed
    # (registry/sealing.py).
    digests = {sealing.digest(b): b for b in named}
    taken = {
        digests[d]
        for d in Organization.objects.filter(
            idlist.among(sealing.DIGEST, list(digests), text=True)
        ).values_list(sealing.DIGEST, flat=True)
    }
    seen: dict[str, int] = {}
    for key, d in list(data.items()):
        bid = d["business_id"]
        if bid and (bid in seen or bid in taken):
            refused[key] = [_("Another organization already has this business ID.")]
            del data[key]
        elif bid:
            seen[bid] = key
    return data, refused


def _organization_fields(data: dict) -> list[str]:
    """What ``organization_create`` names as written."""
    return [
        f for f, v in data.items() if v not in ("", None, False) and f != "name_key"
    ] + ["customer_number"]


@write_service(subject=PERSON)
def contacts_create(
    *,
    actor: Any,
    contacts: list[NewContact],
    source: str,
    import_batch: ImportBatch | None = None,
) -> BulkResult:
    """Create each contact person with their email, phone and role, and the
    new organizations they name; see the module docstring. Runs in one
    transaction: either the batch's valid items are all written or (a
    database error) none is. A new organization is made only with at least
    one of its persons (nothing half-imported)."""
    result = BulkResult()
    today = timezone.localdate()
    org_data, org_refused = _clean_organizations(contacts)
    cleaned: list[tuple[int, NewContact, dict, dict]] = []
    for i, item in enumerate(contacts):
        data, role, errors = _clean_item(item, today)
        if errors:
            result.refused[i] = ValidationFailed(errors.fields).reasons()
        elif id(item.organization) in org_refused:
            result.refused[i] = org_refused[id(item.organization)]
        else:
            cleaned.append((i, item, data, role))
    owners = email_owners_many(e for _i, _c, d, _r in cleaned for e in d["emails"])
    taken = {e for e, who in owners.items() if who}
    kept = []
    for i, item, data, role in cleaned:
        if taken & set(data["emails"]):
            result.refused[i] = [
                _("This email address belongs to another person in the register.")
            ]
        else:
            kept.append((i, item, data, role))
    if not kept:
        return result
    person_written: set[str] = set()
    role_written: set[str] = set()
    for _i, _item, data, role in kept:
        person_written.update(
            f
            for f, v in data.items()
            if v not in ("", None, []) and f not in ("emails", "phones")
        )
        person_written.update(n for n in ("emails", "phones") if data[n])
        role_written.update(f for f, v in role.items() if v not in ("", None))
    # The organizations some kept person names, in the order first named.
    new_orgs = {
        id(item.organization): item.organization
        for _i, item, _d, _r in kept
        if isinstance(item.organization, NewOrganization)
    }
    if new_orgs:
        authorize_write(
            actor=actor,
            families=auditing.organization_families(
                {f for key in new_orgs for f in _organization_fields(org_data[key])}
            ),
            operation="organization.create",
        )
    authorize_write(
        actor=actor,
        families=auditing.person_families(person_written)
        | families_of(Role, role_written),
        operation="person.create",
    )
    # Reserved in their own transaction, before the insert's, as
    # organization_create does: a failed insert leaves a gap.
    numbers = customer_numbers(len(new_orgs)) if new_orgs else []
    pk = Person._meta.pk
    ids = [pk.get_default() for _ in kept]
    with keyring.ensure_scope():
        # Keys first, committed in the key store: rows never outlive their key.
        keys = keyring.create_keys_bulk(ids, KeyClass.CRM)
        # One prepared cipher per new key, for every value sealed under it.
        ciphers = {
            (pid, KeyClass.CRM): (1, data_cipher(key)) for pid, key in keys.items()
        }
        with transaction.atomic():
            prov = provenance_record(
                actor=actor, source=source, import_batch=import_batch
            )
            made = _write_organizations(
                actor, new_orgs, org_data, numbers, prov, result
            )
            _write(actor, kept, ids, result, prov, made, ciphers)
    return result


def _write_organizations(
    actor: Any,
    new_orgs: dict[int, NewOrganization],
    org_data: dict[int, dict],
    numbers: list[str],
    prov: Any,
    result: BulkResult,
) -> dict[int, Organization]:
    """The new organizations in one insert, one ``organization.create``
    event each (what ``organization_create`` writes, with the batch's
    provenance)."""
    made: dict[int, Organization] = {}
    for (key, _new), number in zip(new_orgs.items(), numbers, strict=True):
        made[key] = Organization(
            **org_data[key], customer_number=number, provenance=prov
        )
    orgs = list(made.values())
    insert_rows(Organization, orgs)
    auditing.record_writes(
        actor=actor,
        action="organization.create",
        target_type="organization",
        writes=[
            (org.pk, None, _organization_fields(org_data[key]), None)
            for key, org in made.items()
        ],
        model=Organization,
    )
    for org in orgs:
        result.organizations[org.business_id] = org
    if orgs:
        # What Organization.save() would announce (the retention dates
        # follow organizations).
        hooks.rows_created.send(sender=Organization, instances=orgs)
    return made


def _maker(model: type[Model]) -> Callable[[dict[str, Any]], Model]:
    """Instances of ``model`` from their attribute values: each concrete
    field's value or its default, as ``model(**values)`` would set them,
    through the constructor's positional path (the one Django's ``from_db``
    takes), which skips the keyword path's checks of every field."""
    fields = model._meta.concrete_fields
    defaults = [(f.attname, f.get_default) for f in fields]
    names = frozenset(name for name, _d in defaults)

    def make(values: dict[str, Any]) -> Model:
        if not values.keys() <= names:
            unknown = sorted(values.keys() - names)
            raise TypeError(f"{model.__name__}: unknown fields {unknown}")
        return model(
            *[
                values[name] if name in values else default()
                for name, default in defaults
            ]
        )

    return make


def _write(
    actor: Any,
    kept: list[tuple[int, NewContact, dict, dict]],
    ids: list[uuid.UUID],
    result: BulkResult,
    prov: Any,
    made: dict[int, Organization],
    ciphers: dict[tuple[Any, str], tuple[int, AESGCM]],
) -> None:
    persons, emails, phones, roles, index = [], [], [], [], []
    # One time for the batch's rows, as one provenance record serves them.
    now = timezone.now()
    indexed = _indexed_fields()
    email_pk, phone_pk = PersonEmail._meta.pk, PersonPhone._meta.pk
    new_person, new_role = _maker(Person), _maker(Role)
    for (i, item, data, role), person_id in zip(kept, ids, strict=True):
        fields = {k: v for k, v in data.items() if k not in ("emails", "phones")}
        person = new_person(
            {
                "id": person_id,
                **fields,
                "name_provenance_id": prov.pk,
                "address_provenance_id": prov.pk if fields["street"] else None,
                "created_at": now,
            }
        )
        persons.append(person)
        # A person's addresses as plain rows: nothing reads them as
        # instances afterwards.
        for n, value in enumerate(data["emails"]):
            emails.append(
                {
                    "id": email_pk.get_default(),
                    "person_id": person_id,
                    "email": value,
                    "email_digest": email_digest(value),
                    "is_primary": n == 0,
                    "provenance_id": prov.pk,
                    "created_at": now,
                }
            )
        for n, value in enumerate(data["phones"]):
            phones.append(
                {
                    "id": phone_pk.get_default(),
                    "person_id": person_id,
                    "number": value,
                    "is_primary": n == 0,
                    "provenance_id": prov.pk,
                    "created_at": now,
                }
            )
        org = made.get(id(item.organization), item.organization)
        roles.append(
            new_role(
                {
                    "person_id": person_id,
                    "organization_id": org.pk,
                    "provenance_id": prov.pk,
                    "created_at": now,
                    **role,
                }
            )
        )
        index.extend(
            (k, person_id)
            for k in sorted(
                _index_rows(indexed, fields, data["emails"], data["phones"])
            )
        )
        result.created[i] = person
    # Parents before children; every encrypted value is sealed under its
    # person's new key through the field's seal_text.
    insert_rows(Person, persons, ciphers=ciphers)
    insert_values(PersonEmail, emails, ciphers=ciphers)
    insert_values(PersonPhone, phones, ciphers=ciphers)
    insert_rows(Role, roles, ciphers=ciphers)
    insert_index_rows(index)
    # One event per row: the person, their addresses and their role.
    auditing.record_writes(
        actor=actor,
        action="person.create",
        target_type="person",
        writes=[
            (
                person.pk,
                person.pk,
                [
                    *(
                        f
                        for f, v in data.items()
                        if v not in ("", None, []) and f not in ("emails", "phones")
                    ),
                    *(n for n in ("emails", "phones") if data[n]),
                    "roles",
                ],
                {
                    "organization": str(role.organization_id),
                    "role": str(role.pk),
                    "role_fields": sorted(f for f, v in role_data.items() if v),
                },
            )
            for (_i, _item, data, role_data), person, role in zip(
                kept, persons, roles, strict=True
            )
        ],
    )
    hooks.contact_points_added_many(
        actor=actor,
        added=[
            (person, data["emails"], data["phones"])
            for (_i, _item, data, _r), person in zip(kept, persons, strict=True)
        ],
    )
    # What Role.save() would announce, once for the lot: the relationship
    # end and the retention dates follow roles.
    hooks.rows_created.send(sender=Role, instances=roles)
