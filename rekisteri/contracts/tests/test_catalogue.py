"""Every contracts field is classified, and rows of one customer may name the
organization's relationship as their subject."""

from __future__ import annotations

from rekisteri.contracts.models import Contract, ContractParty, Product, RelationshipEnd
from rekisteri.core.catalogue import _subject_reaches_person, check_model


def test_contract_models_pass_the_catalogue_check():
    for model in (Product, Contract, ContractParty, RelationshipEnd):
        assert check_model(model) == [], model


def test_organization_subject_needs_an_organization_foreign_key():
    assert _subject_reaches_person(Contract, "organization")
    assert _subject_reaches_person(RelationshipEnd, "organization")
    assert not _subject_reaches_person(ContractParty, "organization")
    assert not _subject_reaches_person(Product, "organization")


def test_terms_are_sealed_and_party_rows_belong_to_the_person():
    terms = Contract._meta.get_field("terms").catalogue
    assert terms.personal and terms.erasure == "shred" and terms.when is None
    status = Contract._meta.get_field("status").catalogue
    assert status.when == "sole_trader" and status.subject == "organization"
    kind = ContractParty._meta.get_field("kind").catalogue
    assert kind.subject == "person" and kind.erasure == "delete"
