"""The benchmark's plaintext baseline: same code paths, no cipher, no keys.

The patches are undone after each test (``plaintext.installed()``), so the
rest of the suite keeps running encrypted; a test checks that too.
"""

from __future__ import annotations

import inspect
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from benchmarks import plaintext
from rekisteri.accounts.choices import StaffRole
from rekisteri.core.crypto.fields import EncryptedBinaryField, EncryptedTextField
from rekisteri.keystore.models import DataKey
from rekisteri.keystore.router import KEYSTORE_DB
from rekisteri.registry import selectors
from rekisteri.registry.models import Person, PersonEmail
from rekisteri.registry.services import person_create
from rekisteri.testing import make_staff

ROOT = Path(__file__).resolve().parents[1]


def data_keys() -> int:
    return DataKey.objects.using(KEYSTORE_DB).count()


def raw_column(model: type, field: str, pk: object) -> bytes:
    table = model._meta.db_table
    column = model._meta.get_field(field).column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s",  # noqa: S608
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return bytes(cursor.fetchone()[0])


def test_install_refuses_without_the_runner_switch(monkeypatch) -> None:
    monkeypatch.delenv(plaintext.ENV, raising=False)
    with pytest.raises(plaintext.PlaintextModeError):
        plaintext.install()
    assert not plaintext.active()


@pytest.mark.django_db
def test_a_person_round_trips_unencrypted_with_no_data_keys(monkeypatch) -> None:
    monkeypatch.setenv(plaintext.ENV, "1")
    user = make_staff(StaffRole.CUSTOMER_SERVICE)
    before = data_keys()
    with plaintext.installed():
        person = person_create(
            actor=None,
            first_name="Aino",
            last_name="Plaintextberg",
            emails=["aino.plain@example.com"],
            phones=["040 1234567"],
        )
        assert raw_column(Person, "last_name", person.pk) == b"\x00Plaintextberg"
        again = Person.objects.get(pk=person.pk)
        assert (again.first_name, again.last_name) == ("Aino", "Plaintextberg")
        email = PersonEmail.objects.get(person=person)
        assert email.email == "aino.plain@example.com"
        # Search goes through the blind index, which the baseline keeps.
        found = selectors.search(user=user, q="aino.plain@example.com").persons
        assert [p.pk for p in found] == [person.pk]
        found = selectors.search(user=user, q="Plain").persons
        assert person.pk in [p.pk for p in found]
        assert data_keys() == before
    assert not plaintext.active()


@pytest.mark.django_db
def test_the_demo_seeder_writes_plaintext_and_a_searchable_index(
    monkeypatch,
) -> None:
    monkeypatch.setenv(plaintext.ENV, "1")
    user = make_staff(StaffRole.CUSTOMER_SERVICE)
    before = data_keys()
    with plaintext.installed():
        call_command(
            "seed_demo", organizations=4, persons=20, batch=10, stdout=io.StringIO()
        )
        assert data_keys() == before
        person = Person.objects.order_by("pk").first()
        assert raw_column(Person, "last_name", person.pk)[:1] == b"\x00"
        email = PersonEmail.objects.filter(person=person).first()
        found = selectors.search(user=user, q=email.email).persons
        assert person.pk in [p.pk for p in found]


@pytest.mark.django_db
def test_uninstall_puts_the_cipher_back(monkeypatch) -> None:
    originals = (
        EncryptedTextField.encrypt,
        EncryptedTextField.decrypt,
        EncryptedBinaryField.encrypt,
        EncryptedBinaryField.decrypt,
    )
    monkeypatch.setenv(plaintext.ENV, "1")
    with plaintext.installed():
        assert EncryptedTextField.encrypt is not originals[0]
    assert (
        EncryptedTextField.encrypt,
        EncryptedTextField.decrypt,
        EncryptedBinaryField.encrypt,
        EncryptedBinaryField.decrypt,
    ) == originals
    before = data_keys()
    person = person_create(actor=None, first_name="Eino", last_name="Sealed")
    assert not raw_column(Person, "last_name", person.pk).startswith(b"\x00")
    assert data_keys() == before + 1


def test_the_application_never_imports_the_baseline() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+benchmarks\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "rekisteri").rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_each_stand_in_takes_the_parameters_of_what_it_replaces() -> None:
    """A stand-in that falls behind a signature change fails here, not in
    the middle of a benchmark run."""
    for owner, name, stand_in in plaintext._patches():
        wanted = inspect.signature(getattr(owner, name)).parameters
        given = inspect.signature(stand_in).parameters
        if any(p.kind is p.VAR_POSITIONAL for p in given.values()):
            continue  # a refusal takes anything
        assert list(given) == list(wanted), f"{owner.__name__}.{name}"
