"""Crypto-shredding a person: the data key of a key class destroyed, with
the blind indexes, after the participants' erasures."""

from __future__ import annotations

from typing import Any

from rekisteri.access.choices import Action
from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    write_service,
)
from rekisteri.core import keyring, participants
from rekisteri.core.catalogue import Erasure, KeyClass, personal_fields
from rekisteri.core.holds import refuse_if_held
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
