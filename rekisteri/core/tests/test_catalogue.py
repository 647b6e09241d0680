"""The personal-data catalogue and its system check (docs/architecture.md).

The check is what keeps an unclassified column out of the register, so these
tests prove it fires: on a throwaway model, and through ``manage.py check`` on
a real model that grows an unclassified field.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import models
from django.test.utils import isolate_apps
from fideslang.models import Dataset

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    catalogue_entries,
    check_catalogue,
    check_model,
    not_personal,
    personal,
    personal_fields,
)
from rekisteri.core.crypto.fields import EncryptedTextField
from rekisteri.core.management.commands.catalogue import DOC_PATH
from rekisteri.registry.models import Organization, Person, PersonEmail, PersonPhone

GOOD = dict(
    category="user.name",
    purposes=[Purpose.CUSTOMER_RELATIONSHIP],
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.DELETE,
)


def error_ids(errors) -> list[str]:
    return [e.id for e in errors]


# --------------------------------------------------------------------------
# The real project
# --------------------------------------------------------------------------


def test_real_project_passes_the_catalogue_check():
    assert check_catalogue() == []


def test_every_installed_field_is_in_the_catalogue():
    labels = {e.label for e in catalogue_entries()}
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # a proxy's fields are its concrete model's, classified there
        for f in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            assert f"{model._meta.label}.{f.name}" in labels


def test_person_names_are_personal():
    names = {e.field_name for e in personal_fields(Person)}
    assert {"first_name", "last_name"} <= names
    assert "id" not in names
    assert "created_at" not in names


def test_email_and_phone_are_personal_contact_data():
    emails = {e.field_name: e.classification for e in personal_fields(PersonEmail)}
    phones = {e.field_name: e.classification for e in personal_fields(PersonPhone)}
    assert emails["email"].category == "user.contact.email"
    assert phones["number"].category == "user.contact.phone_number"
    assert set(emails) == {"email"}
    assert set(phones) == {"number"}


def test_sole_trader_data_is_personal_only_for_sole_traders():
    by_name = {e.field_name: e.classification for e in personal_fields(Organization)}
    assert by_name["name"].when == "sole_trader"
    assert by_name["name"].subject == "organization"


# --------------------------------------------------------------------------
# An unclassified field is caught
# --------------------------------------------------------------------------


@isolate_apps("rekisteri.core")
def test_unclassified_field_is_error_e001():
    class Gadget(models.Model):  # noqa: DJ008
        label = not_personal(models.CharField(max_length=10))
        secret_note = models.CharField(max_length=10)

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E001"]
    assert "core.Gadget.secret_note" in errors[0].msg
    assert errors[0].obj is Gadget


@contextmanager
def unclassified_field_on(model: type[models.Model], name: str) -> Iterator[None]:
    """Give a real model an extra, unclassified field for the duration.

    This is what a developer does by adding a column without ``personal()`` or
    ``not_personal()``; the field is removed again and the model's option
    caches are reset so that later tests see the model unchanged.
    """
    opts = model._meta
    before = [f.name for f in opts.get_fields()]
    field = models.CharField(max_length=20, blank=True)
    model.add_to_class(name, field)
    try:
        yield
    finally:
        opts.local_fields.remove(field)
        if name in model.__dict__:
            delattr(model, name)
        opts._expire_cache()
        apps.clear_cache()
        assert [f.name for f in opts.get_fields()] == before


def test_manage_py_check_fails_on_an_unclassified_field():
    with unclassified_field_on(Person, "shoe_size"):
        with pytest.raises(SystemCheckError) as excinfo:
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
        message = str(excinfo.value)
        assert "rekisteri.E001" in message
        assert "registry.Person.shoe_size" in message
    # Removed again: the project is clean.
    assert check_catalogue() == []
    call_command("check", stdout=io.StringIO())


def test_manage_py_check_is_clean_at_the_level_make_test_runs_it():
    """``make test`` runs ``manage.py check --fail-level WARNING``; the same
    check here fails a pytest run too, so a warning (a template library
    clash, an undeclared setting) is seen before the whole target runs."""
    call_command("check", fail_level="WARNING", stdout=io.StringIO())


def test_manage_py_check_fails_on_a_new_unclassified_model():
    """A whole new model in an installed app is checked too."""

    class ThrowawayNote(models.Model):  # noqa: DJ008
        body = models.TextField()

        class Meta:
            app_label = "core"

    try:
        assert "core.ThrowawayNote" in {
            m._meta.label for m in apps.get_app_config("core").get_models()
        }
        with pytest.raises(SystemCheckError) as excinfo:
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
        assert "core.ThrowawayNote.body" in str(excinfo.value)
    finally:
        del apps.all_models["core"]["throwawaynote"]
        apps.clear_cache()
    assert check_catalogue() == []


# --------------------------------------------------------------------------
# Wrong classifications
# --------------------------------------------------------------------------


@isolate_apps("rekisteri.core")
def test_shredded_fields_must_be_encrypted_and_only_they_e010():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        plain_but_shredded = personal(
            models.CharField(max_length=10), **{**GOOD, "erasure": Erasure.SHRED}
        )
        sealed_but_deleted = personal(EncryptedTextField(), **GOOD)
        sealed_and_shredded = personal(
            EncryptedTextField(), **{**GOOD, "erasure": Erasure.SHRED}
        )

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E010", "rekisteri.E010"]
    assert "plain_but_shredded" in errors[0].msg
    assert "sealed_but_deleted" in errors[1].msg


@isolate_apps("rekisteri.core")
def test_unknown_fides_category_is_e002():
    class Gadget(models.Model):  # noqa: DJ008
        nick = personal(
            models.CharField(max_length=10),
            **{**GOOD, "category": "user.nickname.secret"},
            subject="self",
        )

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert "rekisteri.E002" in error_ids(errors)
    assert any("user.nickname.secret" in e.msg for e in errors)


@isolate_apps("rekisteri.core")
def test_unknown_purpose_is_e003():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        nick = personal(
            models.CharField(max_length=10),
            **{**GOOD, "purposes": ["world_domination"]},
        )
        nothing = personal(models.CharField(max_length=10), **{**GOOD, "purposes": []})

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E003", "rekisteri.E003"]
    assert "world_domination" in errors[0].msg
    assert "core.Gadget.nothing" in errors[1].msg


@isolate_apps("rekisteri.core")
def test_unknown_retention_rule_is_e005():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        nick = personal(
            models.CharField(max_length=10), **{**GOOD, "retention": "forever"}
        )

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E005"]
    assert "forever" in errors[0].msg


@isolate_apps("rekisteri.core")
def test_bad_subject_path_is_e008():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        label = not_personal(models.CharField(max_length=10))
        no_such_field = personal(
            models.CharField(max_length=10), **GOOD, subject="owner"
        )
        not_a_relation = personal(
            models.CharField(max_length=10), **GOOD, subject="label"
        )
        too_far = personal(
            models.CharField(max_length=10), **GOOD, subject="person__nothing"
        )
        not_a_person_row = personal(
            models.CharField(max_length=10), **GOOD, subject="self"
        )
        fine = personal(models.CharField(max_length=10), **GOOD, subject="person")

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E008"] * 4
    named = " ".join(e.msg for e in errors)
    for name in ("no_such_field", "not_a_relation", "too_far", "not_a_person_row"):
        assert f"core.Gadget.{name}" in named
    assert "core.Gadget.fine" not in named


@isolate_apps("rekisteri.core")
def test_condition_must_be_a_boolean_field_e009():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(models.ForeignKey(Person, on_delete=models.CASCADE))
        is_private = not_personal(models.BooleanField(default=False))
        label = not_personal(models.CharField(max_length=10))
        on_text = personal(models.CharField(max_length=10), **GOOD, when="label")
        on_missing = personal(models.CharField(max_length=10), **GOOD, when="nope")
        fine = personal(models.CharField(max_length=10), **GOOD, when="is_private")

        class Meta:
            app_label = "core"

    errors = check_model(Gadget)
    assert error_ids(errors) == ["rekisteri.E009", "rekisteri.E009"]
    assert "core.Gadget.on_text" in errors[0].msg
    assert "core.Gadget.on_missing" in errors[1].msg


@isolate_apps("rekisteri.core")
def test_well_classified_model_has_no_errors():
    class Gadget(models.Model):  # noqa: DJ008
        person = not_personal(
            models.ForeignKey(Person, on_delete=models.CASCADE), "link"
        )
        nick = personal(models.CharField(max_length=10), **GOOD)

        class Meta:
            app_label = "core"

    assert check_model(Gadget) == []


# --------------------------------------------------------------------------
# manage.py catalogue
# --------------------------------------------------------------------------


def test_committed_doc_is_up_to_date():
    """docs/data-catalogue.md matches the catalogue (regenerate it if not)."""
    out = io.StringIO()
    call_command("catalogue", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_check_fails_on_a_stale_doc(tmp_path):
    stale = tmp_path / "data-catalogue.md"
    stale.write_text(DOC_PATH.read_text(encoding="utf-8") + "\nhand edit\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("catalogue", "--check", "--doc", str(stale), stdout=io.StringIO())
    with pytest.raises(CommandError, match="out of date"):
        call_command("catalogue", "--check", "--doc", str(tmp_path / "missing.md"))


def test_default_run_prints_a_table_and_writes_the_doc(tmp_path):
    doc = tmp_path / "docs" / "data-catalogue.md"
    out = io.StringIO()
    call_command("catalogue", "--doc", str(doc), stdout=out)
    text = out.getvalue()
    assert "registry.Person (registry_person)" in text
    assert "user.contact.email" in text
    written = doc.read_text(encoding="utf-8")
    assert written == DOC_PATH.read_text(encoding="utf-8")
    assert "Do not edit it by hand" in written
    assert "generated by `python manage.py catalogue`" in written
    # Idempotent: a second run leaves the file as it is.
    call_command("catalogue", "--doc", str(doc), stdout=io.StringIO())
    assert doc.read_text(encoding="utf-8") == written


def test_doc_covers_every_personal_field_and_retention_rule():
    from rekisteri.core.catalogue import RETENTION_RULES

    doc = DOC_PATH.read_text(encoding="utf-8")
    for entry in catalogue_entries():
        if entry.classification.personal:
            assert f"`{entry.field_name}`" in doc
    for name, description in RETENTION_RULES.items():
        assert f"| `{name}` | {description} |" in doc


def fides_output() -> dict:
    out = io.StringIO()
    call_command("catalogue", "--format", "fides", stdout=out)
    return json.loads(out.getvalue())


def test_fides_dataset_validates_with_fideslang():
    data = fides_output()
    assert [d["fides_key"] for d in data["dataset"]] == ["rekisteri"]
    dataset = Dataset.model_validate(data["dataset"][0])
    tables = {c.name: c for c in dataset.collections}
    assert {"registry_person", "registry_personemail", "accounts_staffuser"} <= set(
        tables
    )
    fields = {f.name: f for f in tables["registry_personemail"].fields}
    assert fields["email"].data_categories == ["user.contact.email"]
    assert fields["email"].data_subjects == ["customer"]
    assert not fields["is_primary"].data_categories
    assert fields["person_id"].fides_meta.references[0].field == "registry_person.id"


def test_fides_dataset_matches_the_catalogue_and_is_stable():
    data = fides_output()
    assert data == fides_output()
    expected: dict[tuple[str, str], str] = {}
    for entry in catalogue_entries():
        f = entry.model._meta.get_field(entry.field_name)
        if entry.classification.personal and not f.many_to_many:
            key = (entry.model._meta.db_table, f.column)
            expected[key] = entry.classification.category
    found: dict[tuple[str, str], str] = {}
    collections = data["dataset"][0]["collections"]
    assert [c["name"] for c in collections] == sorted(c["name"] for c in collections)
    model_tables = {m._meta.db_table for m in apps.get_models()}
    for collection in collections:
        names = [f["name"] for f in collection["fields"]]
        assert names == sorted(names)
        if collection["name"] not in model_tables:
            continue  # a many-to-many link table
        for f in collection["fields"]:
            if f.get("data_categories"):
                (found[(collection["name"], f["name"])],) = f["data_categories"]
    assert found == expected
