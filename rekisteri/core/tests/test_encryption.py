"""Encrypted personal fields end to end: storage, binding, shredding, keys."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.db import connection

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.crypto.fields import Placeholder, PlaintextRefused
from rekisteri.core.crypto.master import KeyConfigError, LocalMasterKeys, from_file
from rekisteri.core.models import BlindIndex
from rekisteri.keystore import keys
from rekisteri.keystore.models import DataKey, ErasureEntry
from rekisteri.registry.models import Person, PersonEmail, PersonPhone
from rekisteri.registry.selectors import search
from rekisteri.registry.services import person_shred, person_update
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: uuid.UUID) -> bytes:
    """The stored bytes of one cell, read past the ORM."""
    with connection.cursor() as cur:
        pk_value = pk.hex if connection.vendor == "sqlite" else pk
        sql = f'SELECT "{column}" FROM "{table}" WHERE id = %s'  # noqa: S608
        cur.execute(sql, [pk_value])
        return bytes(cur.fetchone()[0])


def test_values_are_stored_sealed_and_read_as_plaintext() -> None:
    person = make_person(
        first_name="Kyllikki",
        last_name="Saarelainen",
        emails=["kyllikki@example.fi"],
        phones=["040 111 2222"],
        street="Salakatu 7",
        postal_code="00100",
        city="Helsinki",
    )
    stored = raw("registry_person", "last_name", person.pk)
    assert b"Saarelainen" not in stored and stored[0] == 1  # envelope version
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.first_name, fresh.last_name, fresh.city) == (
        "Kyllikki",
        "Saarelainen",
        "HELSINKI",
    )
    assert [e.email for e in fresh.emails.all()] == ["kyllikki@example.fi"]
    assert [p.number for p in fresh.phones.all()] == ["+358401112222"]


def test_unchanged_values_keep_their_ciphertext() -> None:
    person = make_person(last_name="Pysyvä")
    before = raw("registry_person", "last_name", person.pk)
    fresh = Person.objects.get(pk=person.pk)
    fresh.first_name = "Uusi"
    fresh.save()
    assert raw("registry_person", "last_name", person.pk) == before
    assert raw("registry_person", "first_name", person.pk) != before


def test_plaintext_cannot_reach_the_column_or_a_filter() -> None:
    person = make_person()
    with pytest.raises(PlaintextRefused):
        Person.objects.filter(pk=person.pk).update(last_name="Selväkieli")
    with pytest.raises(PlaintextRefused):
        list(Person.objects.filter(last_name="Selväkieli"))


def test_ciphertext_copied_to_another_row_does_not_decrypt(caplog) -> None:
    alice = make_person(first_name="Alisa", last_name="Ahola")
    bob = make_person(first_name="Pekka", last_name="Berg")
    stolen = raw("registry_person", "last_name", alice.pk)
    with connection.cursor() as cur:
        pk_value = bob.pk.hex if connection.vendor == "sqlite" else bob.pk
        cur.execute(
            'UPDATE "registry_person" SET "last_name" = %s WHERE id = %s',
            [stolen, pk_value],
        )
    with caplog.at_level(logging.ERROR, logger="rekisteri.crypto"):
        value = Person.objects.get(pk=bob.pk).last_name
    assert isinstance(value, Placeholder) and value.reason == "unreadable"
    assert "registry_person.last_name" in caplog.text
    assert "Ahola" not in caplog.text
    # The page still renders, showing the placeholder.
    client = client_as()
    response = client.get(f"/persons/{bob.pk}/")
    assert response.status_code == 200
    assert b"Ahola" not in response.content


def test_shredding_erases_every_sealed_value_and_the_blind_index() -> None:
    staff = make_staff()
    person = make_person(
        first_name="Unohdettava",
        last_name="Henkilö",
        emails=["pois@example.fi"],
        phones=["050 999 8888"],
    )
    assert BlindIndex.objects.filter(subject_id=person.pk).exists()
    assert search(user=staff, q="pois@example.fi").persons == [person]

    assert person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        reason="erasure_request",
    )
    assert not BlindIndex.objects.filter(subject_id=person.pk).exists()
    fresh = Person.objects.get(pk=person.pk)
    for value in (fresh.first_name, fresh.last_name, fresh.emails.get().email):
        assert isinstance(value, Placeholder) and value.is_erased
    assert fresh.phones.get().number.is_erased
    assert search(user=staff, q="pois@example.fi").persons == []
    assert search(user=staff, q="unohd").persons == []
    row = DataKey.objects.using("keys").get(subject_id=person.pk)
    assert row.wrapped is None and row.destroyed_at is not None
    assert ErasureEntry.objects.using("keys").filter(subject_id=person.pk).count() == 1

    client = client_as(staff)
    response = client.get(f"/persons/{person.pk}/")
    assert response.status_code == 200
    assert b"[poistettu]" in response.content

    # Shredding again destroys nothing new; no new key is ever made.
    assert not person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        reason="erasure_request",
    )
    with pytest.raises(keys.KeyDestroyed):
        keys.current_key(person.pk, "crm")


def test_an_erased_person_cannot_be_written_again() -> None:
    staff = make_staff()
    person = make_person()
    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        reason="erasure_request",
    )
    from rekisteri.core.errors import ServiceError

    with pytest.raises(ServiceError) as info:
        person_update(
            actor=staff, person=Person.objects.get(pk=person.pk), first_name="X"
        )
    assert info.value.code == "subject_erased"


def test_no_cached_key_outlives_a_shred() -> None:
    person = make_person(last_name="Välimuisti")
    with keys.key_scope():
        assert Person.objects.get(pk=person.pk).last_name == "Välimuisti"
        person_shred(
            actor=make_staff(StaffRole.PRIVACY_OFFICER),
            person=person,
            reason="erasure_request",
        )
        assert Person.objects.get(pk=person.pk).last_name.is_erased
    assert Person.objects.get(pk=person.pk).last_name.is_erased


def test_key_rotation_rewraps_keys_without_touching_field_ciphertext(
    monkeypatch,
) -> None:
    person = make_person(last_name="Kierto")
    before = raw("registry_person", "last_name", person.pk)
    old = keys.provider()
    new = LocalMasterKeys(
        "test-2", {**old.keys, "test-2": b"\x02" * 32}, old.index_key()
    )
    monkeypatch.setattr(keys, "provider", lambda: new)
    done = keys.rotate_master(batch_size=1)
    assert done >= 1
    assert set(
        DataKey.objects.using("keys")
        .filter(wrapped__isnull=False)
        .values_list("master_key_id", flat=True)
    ) == {"test-2"}
    assert keys.rotate_master() == 0  # a re-run has nothing left to do
    assert raw("registry_person", "last_name", person.pk) == before
    assert Person.objects.get(pk=person.pk).last_name == "Kierto"
    # Without the old key the data stays readable: only the new one is needed.
    only_new = LocalMasterKeys("test-2", {"test-2": b"\x02" * 32}, old.index_key())
    monkeypatch.setattr(keys, "provider", lambda: only_new)
    assert Person.objects.get(pk=person.pk).last_name == "Kierto"


def test_a_wrong_master_key_is_refused_clearly(monkeypatch) -> None:
    keys.verify_master_key()
    old = keys.provider()
    wrong = LocalMasterKeys(
        old.active_id, {old.active_id: b"\x07" * 32}, old.index_key()
    )
    monkeypatch.setattr(keys, "provider", lambda: wrong)
    with pytest.raises(KeyConfigError, match="not the key this key store"):
        keys.verify_master_key()


def test_missing_key_configuration_says_what_to_set(tmp_path) -> None:
    with pytest.raises(KeyConfigError, match="REKISTERI_MASTER_KEY"):
        from_file(tmp_path / "missing.json")
    loose = tmp_path / "loose.json"
    loose.write_text("{}")
    loose.chmod(0o644)
    with pytest.raises(KeyConfigError, match="chmod 600"):
        from_file(loose)


def test_email_uniqueness_still_holds_through_the_blind_index() -> None:
    from rekisteri.core.errors import ValidationFailed

    make_person(emails=["sama@example.fi"])
    with pytest.raises(ValidationFailed) as info:
        make_person(emails=["SAMA@example.fi"])
    assert info.value.fields["emails"][0][0] == "email_taken"
    assert PersonEmail.objects.count() == 1
    assert PersonPhone.objects.count() == 0


def test_editing_an_erased_person_in_the_ui_is_refused_with_a_message() -> None:
    staff = make_staff(role="customer_service")
    person = make_person(first_name="Poistuva", last_name="Asiakas")
    person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        reason="erasure_request",
    )
    client = client_as(staff)
    assert client.get(f"/persons/{person.pk}/edit/").status_code == 200
    response = client.post(
        f"/persons/{person.pk}/edit/",
        {
            "first_name": "Uusi",
            "last_name": "Nimi",
            "preferred_language": "fi",
            "country": "FI",
            "emails": "",
            "phones": "",
        },
    )
    assert response.status_code == 200
    assert "tiedot on poistettu, eikä niitä voi muuttaa" in response.content.decode()
    assert Person.objects.get(pk=person.pk).first_name.is_erased
