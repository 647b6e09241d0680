"""An installation with plaintext personal data upgrades in place."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rekisteri.registry.models import Person
from rekisteri.registry.selectors import search
from rekisteri.testing import make_staff

BEFORE = [("registry", "0002_data_sources")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plaintext_rows_are_encrypted_and_indexed_by_the_migrations() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldPerson = old.get_model("registry", "Person")
    OldEmail = old.get_model("registry", "PersonEmail")
    OldPhone = old.get_model("registry", "PersonPhone")
    pk = uuid.uuid4()
    OldPerson.objects.create(
        id=pk,
        first_name="Vanha",
        last_name="Selväteksti",
        first_name_key="vanha",
        last_name_key="selväteksti",
        preferred_language="sv",
        street="Vanhakatu 1",
        postal_code="20100",
        city="TURKU",
        country="FI",
        created_at=timezone.now(),
    )
    OldEmail.objects.create(
        id=uuid.uuid4(),
        person_id=pk,
        email="vanha@example.fi",
        created_at=timezone.now(),
    )
    OldPhone.objects.create(
        id=uuid.uuid4(), person_id=pk, number="+358401112233", created_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    person = Person.objects.get(pk=pk)
    assert (person.first_name, person.last_name, person.city) == (
        "Vanha",
        "Selväteksti",
        "TURKU",
    )
    assert person.preferred_language == "sv"
    assert [e.email for e in person.emails.all()] == ["vanha@example.fi"]
    with connection.cursor() as cur:
        cur.execute("SELECT last_name FROM registry_person")
        assert b"Selv" not in bytes(cur.fetchone()[0])
    staff = make_staff()
    assert search(user=staff, q="vanha@example.fi").persons == [person]
    assert search(user=staff, q="selvä").persons == [person]
    assert search(user=staff, q="+358 40 111 2233").persons == [person]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_encrypting_step_can_be_rerun() -> None:
    """An interrupted step 2 is finished by running it again: done rows stay."""
    import importlib

    step = importlib.import_module("rekisteri.registry.migrations.0004_encrypt_rows")
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", "0003_sealed_columns")])
    state = executor.loader.project_state(
        [("registry", "0003_sealed_columns"), ("core", "0001_initial")]
    )
    apps = state.apps
    OldPerson = apps.get_model("registry", "Person")
    ids = [uuid.uuid4() for _ in range(3)]
    for i, pk in enumerate(ids):
        OldPerson.objects.create(
            id=pk,
            first_name=f"Etu{i}",
            last_name=f"Suku{i}",
            first_name_key=f"etu{i}",
            last_name_key=f"suku{i}",
            created_at=timezone.now(),
        )

    class Editor:
        connection = connection

    step.encrypt(apps, Editor())
    sealed_once = dict(OldPerson.objects.values_list("id", "last_name_sealed"))
    step.encrypt(apps, Editor())  # nothing left to do: nothing changes
    assert dict(OldPerson.objects.values_list("id", "last_name_sealed")) == sealed_once

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert sorted(p.last_name for p in Person.objects.all()) == [
        "Suku0",
        "Suku1",
        "Suku2",
    ]
