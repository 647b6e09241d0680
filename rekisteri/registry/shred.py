"""Shredding many persons' keys at once (a batch erasure).

:func:`persons_shred` is ``services.person_shred`` for a list of persons,
with a fixed number of statements per batch: the enforcement point asked
once for all of them, their legal holds read in bulk, their keys destroyed
through ``core.keyring.shred_many`` (one ledger entry each), their blind
indexes and email digests removed with one statement each, and one
``person.shred`` audit event per person. The rights engine's batch erasure
(``rights.erasure.erasure_execute_many``, docs/rights.md) calls it after it
has run the participants' erasures itself.
"""

from __future__ import annotations

from typing import Any

from rekisteri.access.choices import Action
from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.core import holds, keyring, participants
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.models import BlindIndex
from rekisteri.registry import auditing
from rekisteri.registry.models import Person, PersonEmail
from rekisteri.registry.services import shredded_fields

CHUNK = 500


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
    indexes, as ``services.person_shred`` does for one; returns the ids whose
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
    if run_participants and key_class == KeyClass.CRM:
        gone = keyring.destroyed_subjects(ids, key_class)
        live = [p for p in persons if p.pk not in gone]
        if live:
            participants.run_erase_many(actor=actor, persons=live)
    destroyed = keyring.shred_many(ids, key_class, reason=reason)
    if key_class == KeyClass.CRM:
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            BlindIndex.objects.filter(subject_id__in=chunk).delete()
            PersonEmail.objects.filter(person_id__in=chunk).update(email_digest=None)
    for pid in ids:
        auditing.record_write(
            actor=actor,
            action="person.shred",
            target_type="person",
            target_id=pid,
            subject_id=pid,
            fields=names,
            details={"key_class": str(key_class), "destroyed": pid in destroyed},
        )
    return destroyed
