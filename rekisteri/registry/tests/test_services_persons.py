"""Writes to the customer register: persons, their emails and phones, and the
provenance of each part."""

from __future__ import annotations

import pytest

from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    PersonEmail,
)
from rekisteri.registry.services import (
    email_owners,
    person_create,
    person_update,
)
from rekisteri.registry.tests.servicekit import refused, row_counts, staff
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def test_person_create_stores_everything_with_provenance():
    actor = staff()
    person = person_create(
        actor=actor,
        first_name=" Matti ",
        last_name="Virtanen",
        preferred_language="sv",
        emails=["Matti.Virtanen@Example.FI", "matti@koti.fi"],
        phones=["040 123 4567", "+358 50 123 4567"],
        street="Kotikatu 2 B 5",
        postal_code="33100",
        city="Tampere",
        source="data_subject",
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Matti", "Virtanen")
    assert email_owners("matti.virtanen@example.fi") == {person.pk}
    assert person.preferred_language == "sv"
    assert person.city == "TAMPERE"
    emails = list(person.emails.order_by("-is_primary", "email"))
    assert [(e.email, e.is_primary) for e in emails] == [
        ("matti.virtanen@example.fi", True),
        ("matti@koti.fi", False),
    ]
    phones = {p.number: p.is_primary for p in person.phones.all()}
    assert phones == {"+358401234567": True, "+358501234567": False}
    prov = person.name_provenance
    assert prov.source.code == "data_subject"
    assert prov.recorded_by == actor
    assert person.address_provenance_id == prov.id
    assert {e.provenance_id for e in emails} == {prov.id}


def test_person_without_address_has_no_address_provenance():
    person = make_person(first_name="Liisa", last_name="Lahtinen")
    assert person.address_provenance_id is None
    assert person.name_provenance_id is not None


def test_person_import_batch_is_recorded():
    batch = ImportBatch.objects.create(
        source=DataSource.objects.get(code="asiakastieto"), description="test"
    )
    person = make_person(source="asiakastieto", import_batch=batch)
    assert person.name_provenance.import_batch == batch
    assert person.name_provenance.source.code == "asiakastieto"


def test_person_create_reports_every_error_at_once():
    with refused("required", "email_invalid", "phone_invalid") as exc:
        person_create(
            actor=None,
            first_name="",
            last_name="Virtanen",
            preferred_language="de",
            emails=["not-an-email"],
            phones=["123"],
        )
    assert {"first_name", "preferred_language", "emails", "phones"} <= set(
        exc.value.fields
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"emails": ["matti@"]}, "email_invalid", "emails"),
        ({"emails": ["a@example.fi", "A@Example.fi"]}, "email_repeated", "emails"),
        ({"phones": ["040 123"]}, "phone_invalid", "phones"),
        ({"last_name": "   "}, "required", "last_name"),
        ({"first_name": "x" * 101}, "too_long", "first_name"),
        ({"street": "Katu 1"}, "address_incomplete", "postal_code"),
        (
            {"street": "Katu 1", "postal_code": "0010", "city": "Helsinki"},
            "postal_code_invalid",
            "postal_code",
        ),
    ],
)
def test_person_create_refusals(kwargs, code, field):
    data = {"first_name": "Matti", "last_name": "Virtanen", **kwargs}
    with refused(code, field=field):
        person_create(actor=None, **data)


def test_email_belongs_to_one_person_only():
    make_person(emails=["matti@example.fi"])
    with refused("email_taken", field="emails"):
        make_person(emails=["MATTI@example.fi"])


def test_blank_emails_and_phones_are_ignored_and_duplicate_phones_merged():
    person = make_person(emails=["", "  ", "a@example.fi"], phones=["", "0401234567"])
    assert [e.email for e in person.emails.all()] == ["a@example.fi"]
    person = make_person(emails=[], phones=["0401234567", "+358 40 123 4567"])
    assert [p.number for p in person.phones.all()] == ["+358401234567"]


def test_person_create_rejects_unknown_fields():
    with pytest.raises(TypeError):
        person_create(actor=None, first_name="A", last_name="B", shoe_size="44")


def test_person_update_phone_only_keeps_name_and_address_provenance():
    person = person_create(
        actor=None,
        first_name="Matti",
        last_name="Virtanen",
        phones=["040 123 4567"],
        street="Katu 1",
        postal_code="00100",
        city="Helsinki",
    )
    name_prov, address_prov = person.name_provenance_id, person.address_provenance_id
    person_update(actor=staff(), person=person, phones=["050 765 4321"])
    person.refresh_from_db()
    assert person.name_provenance_id == name_prov
    assert person.address_provenance_id == address_prov
    (phone,) = person.phones.all()
    assert phone.number == "+358507654321"
    assert phone.is_primary
    assert phone.provenance_id not in (name_prov, address_prov)


def test_person_update_name_replaces_name_provenance_only():
    person = person_create(
        actor=None,
        first_name="Matti",
        last_name="Virtanen",
        street="Katu 1",
        postal_code="00100",
        city="HELSINKI",
    )
    name_prov, address_prov = person.name_provenance_id, person.address_provenance_id
    actor = staff()
    person_update(actor=actor, person=person, last_name="Korhonen", source="fonecta")
    person.refresh_from_db()
    assert person.last_name == "Korhonen"
    assert person.sort_key[0] == "korhonen"
    assert person.name_provenance_id != name_prov
    assert person.name_provenance.source.code == "fonecta"
    assert person.name_provenance.recorded_by == actor
    assert person.address_provenance_id == address_prov


def test_person_update_address_replaces_address_provenance_only():
    person = make_person()
    name_prov = person.name_provenance_id
    person_update(
        actor=None, person=person, street="Uusikatu 3", postal_code="90100", city="Oulu"
    )
    person.refresh_from_db()
    assert person.name_provenance_id == name_prov
    assert person.address_provenance_id not in (None, name_prov)
    assert person.city == "OULU"


def test_person_update_without_changes_writes_nothing():
    person = make_person(first_name="Matti")
    before = row_counts()
    person_update(actor=None, person=person, first_name=" Matti ")
    assert row_counts() == before


def test_person_update_emails_replace_the_list_and_order_sets_primary():
    person = make_person(emails=["a@example.fi", "b@example.fi", "c@example.fi"])
    kept_b = next(e.id for e in person.emails.all() if e.email == "b@example.fi")
    person_update(actor=None, person=person, emails=["d@example.fi", "B@example.fi"])
    rows = {e.email: e for e in PersonEmail.objects.filter(person=person)}
    assert set(rows) == {"d@example.fi", "b@example.fi"}
    assert rows["d@example.fi"].is_primary
    assert not rows["b@example.fi"].is_primary
    assert rows["b@example.fi"].id == kept_b  # unchanged rows stay
    assert email_owners("a@example.fi") == set()

    person_update(actor=None, person=person, emails=["b@example.fi", "d@example.fi"])
    primary = PersonEmail.objects.get(person=person, is_primary=True)
    assert primary.email == "b@example.fi"
    assert PersonEmail.objects.filter(person=person, is_primary=True).count() == 1


def test_person_update_empty_list_removes_and_none_keeps():
    person = make_person(emails=["a@example.fi"], phones=["0401234567"])
    person_update(actor=None, person=person, first_name="Maija")
    assert person.emails.count() == 1 and person.phones.count() == 1
    person_update(actor=None, person=person, emails=[], phones=[])
    assert person.emails.count() == 0 and person.phones.count() == 0


def test_person_update_refusals_change_nothing():
    other = make_person(emails=["taken@example.fi"])
    person = make_person(emails=["mine@example.fi"], phones=["0401234567"])
    with refused("email_taken", field="emails"):
        person_update(actor=None, person=person, emails=["Taken@Example.fi"])
    with refused("email_repeated"):
        person_update(
            actor=None, person=person, emails=["x@example.fi", "X@example.fi"]
        )
    with refused("email_invalid"):
        person_update(actor=None, person=person, emails=["x@"], last_name="Uusi")
    with refused("phone_invalid"):
        person_update(actor=None, person=person, phones=["12"])
    with refused("required", field="first_name"):
        person_update(actor=None, person=person, first_name="")
    with refused("source_unknown"):
        person_update(actor=None, person=person, last_name="Uusi", source="rumour")
    person.refresh_from_db()
    assert person.last_name != "Uusi"
    assert [e.email for e in person.emails.all()] == ["mine@example.fi"]
    assert [p.number for p in person.phones.all()] == ["+358401234567"]
    assert [e.email for e in other.emails.all()] == ["taken@example.fi"]
    with pytest.raises(TypeError):
        person_update(actor=None, person=person, customer_number="1")


def test_person_update_may_keep_own_email_in_other_case():
    person = make_person(emails=["mine@example.fi"])
    person_update(actor=None, person=person, emails=["MINE@example.fi"])
    assert [e.email for e in person.emails.all()] == ["mine@example.fi"]
