"""rights.E001: personal data the engine cannot reach from a person."""

from __future__ import annotations

from django.db import models
from django.test.utils import isolate_apps

from rekisteri.core import participants
from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
)
from rekisteri.rights import engine
from rekisteri.rights.checks import check_reachable

NOTE = dict(
    category="user.content.private",
    purposes=(Purpose.CUSTOMER_SERVICE,),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.DELETE,
)


def test_the_installed_models_are_all_reachable():
    assert check_reachable() == []


@isolate_apps("rekisteri.rights")
def test_organization_data_without_a_condition_fails_the_check():
    class CustomerNote(models.Model):
        id = not_personal(models.BigAutoField(primary_key=True))
        organization = not_personal(
            models.ForeignKey("registry.Organization", on_delete=models.CASCADE)
        )
        text = personal(models.TextField(), subject="organization", **NOTE)

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return "note"

    problems = engine.unreachable([CustomerNote])
    assert len(problems) == 1
    assert "rights.CustomerNote.text" in problems[0]
    assert "no condition" in problems[0]


@isolate_apps("rekisteri.rights")
def test_a_participant_covering_the_model_makes_it_reachable():
    class SharedNote(models.Model):
        id = not_personal(models.BigAutoField(primary_key=True))
        organization = not_personal(
            models.ForeignKey("registry.Organization", on_delete=models.CASCADE)
        )
        text = personal(models.TextField(), subject="organization", **NOTE)

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return "note"

    assert engine.unreachable([SharedNote])
    participants.register(
        participants.Participant(name="test.notes", covers=("rights.SharedNote",))
    )
    try:
        assert engine.unreachable([SharedNote]) == []
    finally:
        participants.unregister("test.notes")


@isolate_apps("rekisteri.rights")
def test_a_person_path_is_reachable():
    class PersonNote(models.Model):
        id = not_personal(models.BigAutoField(primary_key=True))
        person = not_personal(
            models.ForeignKey("registry.Person", on_delete=models.CASCADE)
        )
        text = personal(models.TextField(), **NOTE)

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return "note"

    assert engine.unreachable([PersonNote]) == []
