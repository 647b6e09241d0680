"""Key owners beyond one person (docs/security.md): subject paths that end at an
Organization (the relationship key), alternatives ("organization|person"),
multi-hop paths, and the encrypted binary field."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import models
from django.test.utils import isolate_apps

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    check_model,
    not_personal,
    personal,
    subject_paths,
)
from rekisteri.core.crypto.fields import (
    EncryptedBinaryField,
    EncryptedTextField,
    resolve_subject,
)
from rekisteri.registry.models import Organization, Person

SHRED = dict(
    category="user.content.private",
    purposes=[Purpose.CUSTOMER_RELATIONSHIP],
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.SHRED,
)


def error_ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_resolve_subject_takes_the_first_set_alternative_and_follows_paths():
    org_id, person_id = uuid.uuid4(), uuid.uuid4()
    row = SimpleNamespace(pk=uuid.uuid4(), organization_id=None, person_id=person_id)
    assert resolve_subject(row, "organization|person") == person_id
    row.organization_id = org_id
    assert resolve_subject(row, "organization|person") == org_id
    child = SimpleNamespace(message=row)
    assert resolve_subject(child, "message__organization|message__person") == org_id
    assert (
        resolve_subject(SimpleNamespace(message=None), "message__organization") is None
    )
    assert resolve_subject(row, "self") == row.pk
    # The original single-foreign-key form still works the same.
    assert resolve_subject(row, "person") == person_id


@isolate_apps("rekisteri.core")
def test_paths_ending_at_an_organization_and_alternatives_pass_the_check():
    class Note(models.Model):  # noqa: DJ008
        organization = not_personal(
            models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)
        )
        person = not_personal(
            models.ForeignKey(Person, on_delete=models.CASCADE, null=True)
        )
        text = personal(EncryptedTextField(), **SHRED, subject="organization|person")
        blob = personal(EncryptedBinaryField(), **SHRED, subject="organization")

        class Meta:
            app_label = "core"

    class Line(models.Model):  # noqa: DJ008
        note = not_personal(models.ForeignKey(Note, on_delete=models.CASCADE))
        text = personal(
            EncryptedTextField(), **SHRED, subject="note__organization|note__person"
        )

        class Meta:
            app_label = "core"

    assert check_model(Note) == []
    assert check_model(Line) == []


@isolate_apps("rekisteri.core")
def test_an_alternative_that_leads_nowhere_is_e008_and_blind_fields_stay_strict():
    class Note(models.Model):  # noqa: DJ008
        organization = not_personal(
            models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)
        )
        person = not_personal(
            models.ForeignKey(Person, on_delete=models.CASCADE, null=True)
        )
        label = not_personal(models.CharField(max_length=10))
        bad = personal(EncryptedTextField(), **SHRED, subject="organization|label")
        # Blind-index rows belong to a Person: one foreign key, no alternatives.
        indexed = personal(
            EncryptedTextField(blind="exact"), **SHRED, subject="organization|person"
        )

        class Meta:
            app_label = "core"

    errors = check_model(Note)
    assert error_ids(errors) == ["rekisteri.E008", "rekisteri.E011"]
    assert "core.Note.bad" in errors[0].msg and "core.Note.indexed" in errors[1].msg


@isolate_apps("rekisteri.core")
def test_the_binary_field_counts_as_encrypted_for_e010():
    class Note(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        blob = personal(EncryptedBinaryField(), **{**SHRED, "erasure": Erasure.DELETE})

        class Meta:
            app_label = "core"

    assert error_ids(check_model(Note)) == ["rekisteri.E010"]


def test_binary_field_refuses_a_blind_index():
    with pytest.raises(ValueError):
        EncryptedBinaryField(blind="exact")


def test_subject_paths_lists_the_alternatives_in_order():
    assert subject_paths("organization|person") == ["organization", "person"]
    assert subject_paths("person") == ["person"]
