"""Families of personal data come from the catalogue, not from a hand list."""

import importlib

from rekisteri.access import families
from rekisteri.access.choices import Action
from rekisteri.access.defaults import DEFAULT_MATRIX
from rekisteri.core.catalogue import catalogue_entries


def test_every_personal_field_has_a_family_the_matrix_knows():
    known = set(families.all_families())
    for entry in catalogue_entries():
        c = entry.classification
        if c.personal:
            assert families.family_of(c) in known, entry.label


def test_the_register_families_are_derived_from_the_catalogue():
    present = families.catalogue_families()
    for key in ("name", "contact_email", "phone", "address", "workplace", "account"):
        assert key in present
    # Ordered as the UI shows them.
    assert present.index("name") < present.index("contact_email")


def test_categories_fall_into_families_by_longest_prefix():
    assert families.family_of_category("user.name.first") == "name"
    assert families.family_of_category("user.contact.email") == "contact_email"
    assert families.family_of_category("user.contact.address.city") == "address"
    assert families.family_of_category("user.financial.bank_account") == "financial"
    assert families.family_of_category("user.communication") == "communication"
    # Staff data is account data whatever its category.
    assert families.family_of_category("user.name.first", subject="staff") == "account"


def test_an_unknown_category_gets_a_family_of_its_own():
    assert families.family_of_category("user.biometric.fingerprint") == (
        "other.biometric"
    )


def test_field_families_are_read_from_the_catalogue():
    from rekisteri.registry.models import Person, PersonPhone

    assert families.field_family(Person, "first_name") == "name"
    assert families.field_family(PersonPhone, "number") == "phone"
    assert families.field_family(Person, "created_at") is None


def test_the_migrations_install_the_code_defaults():
    migration = importlib.import_module(
        "rekisteri.access.migrations.0002_default_matrix"
    )
    privacy = importlib.import_module("rekisteri.access.migrations.0003_privacy_family")
    for role, by_action in DEFAULT_MATRIX.items():
        for action in Action.values:
            installed = set(migration.DEFAULTS.get(role, {}).get(action, []))
            if action in privacy.PRIVACY.get(role, []):
                installed.add("privacy")
            assert installed == set(by_action.get(action, ())), (role, action)


def test_labels_read_families_and_fides_categories_alike():
    assert families.label("phone") == families.label("user.contact.phone_number")
    assert families.label("user.biometric.fingerprint") == "Biometric"
