"""Crypto-shredding persons: the data key of a key class destroyed, with
the blind indexes, after the participants' erasures.

:func:`persons_shred` does it for a list with a fixed number of statements
per batch (the rights engine's batch erasure, docs/rights.md); the
one-person :func:`person_shred` is its batch of one."""

from __future__ import annotations

from typing import Any

from rekisteri.access.choices import Action
from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.core import holds, idlist, keyring, participants
from rekisteri.core.catalogue import Erasure, KeyClass, personal_fields
from rekisteri.core.models import BlindIndex
from rekisteri.registry import auditing
from rekisteri.registry.models import (
    Person,
    PersonEmail,
    PersonPhone,
    Role,
)


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
    destroyed = persons_shred(
        actor=actor,
        persons=[person],
        key_class=key_class,
        reason=reason,
        run_participants=run_participants,
    )
    return person.pk in destroyed


@write_service(subject=PERSON)
def persons_shred(
    *,
    actor: Any,
    persons: list[Person],
    reason: str,
    key_class: str = KeyClass.CRM,
    run_participants: bool = True,
) -> set[Any]:
    """Destroy the persons' data keys of ``key_class`` and their blind
    indexes, the one-person form is :func:`person_shred`; returns the ids whose
    key material was destroyed now. Refused as a whole, before anything is
    destroyed, by the enforcement point (the matrix's erase column, a
    restriction) or by a legal hold on any of them (Conflict ``legal_hold``
    naming every hold): the caller leaves those persons out first.
    ``run_participants=False`` when the caller ran the participants'
    erasures itself."""
    persons = list({p.pk: p for p in persons}.values())
    ids = [p.pk for p in persons]
    if not ids:
        return set()
    names = shredded_fields(key_class)
    authorize_write(
        actor=actor,
        person_ids=ids,
        families=auditing.person_families(f.split(".", 1)[0] for f in names),
        action=Action.ERASE,
        operation="person.shred",
    )
    held = holds.holds_for_persons(ids)
    if held:
        found: list[holds.Hold] = []
        for pid in ids:
            found.extend(h for h in held.get(pid, ()) if h not in found)
        raise holds.refusal(found)
    marks = None
    if key_class == KeyClass.CRM:
        with keyring.ensure_scope():
            if run_participants:
                gone = keyring.destroyed_subjects(ids, key_class)
                live = [p for p in persons if p.pk not in gone]
                if live:
                    participants.run_erase_many(actor=actor, persons=live)
            # What the participants need to find the persons' data again
            # after a restore where no row names them, for the ledger: read
            # while the keys still open.
            marks = participants.run_marks_many(persons)
    destroyed = keyring.shred_many(ids, key_class, reason=reason, marks=marks)
    if key_class == KeyClass.CRM:
        for chunk in idlist.chunks(ids):
            BlindIndex.objects.filter(idlist.among("subject_id", chunk)).delete()
            PersonEmail.objects.filter(idlist.among("person_id", chunk)).update(
                email_digest=None
            )
    auditing.record_writes(
        actor=actor,
        action="person.shred",
        target_type="person",
        writes=(
            (
                pid,
                pid,
                names,
                {"key_class": str(key_class), "destroyed": pid in destroyed},
            )
            for pid in ids
        ),
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
