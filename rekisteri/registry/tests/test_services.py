"""Writes to the customer register: validation, error codes, atomicity,
customer numbers, provenance, email/phone replacement and roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.errors import NotFound, ValidationFailed
from rekisteri.core.formats import is_valid_reference
from rekisteri.registry.choices import OrganizationStatus, RoleKind
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)
from rekisteri.registry.services import (
    customer_numbers,
    email_owners,
    organization_create,
    organization_update,
    person_create,
    person_update,
    provenance_record,
    role_create,
    role_delete,
    role_end,
    role_update,
)
from rekisteri.testing import business_id, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

COUNTED = (Organization, Person, PersonEmail, PersonPhone, Role, Provenance)


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


@contextmanager
def refused(*codes: str, field: str | None = None) -> Iterator[ValidationFailed]:
    """Expect ValidationFailed carrying ``codes`` and no rows written at all."""
    before = row_counts()
    with pytest.raises(ValidationFailed) as excinfo:
        yield excinfo
    got = {code for errs in excinfo.value.fields.values() for code, _msg in errs}
    assert set(codes) <= got, excinfo.value.fields
    if field is not None:
        assert field in excinfo.value.fields
    assert row_counts() == before, "a refused write left rows behind"


def staff():
    return make_staff(StaffRole.SALES)


# --------------------------------------------------------------------------
# Provenance and sequences
# --------------------------------------------------------------------------


def test_provenance_record_knows_the_source():
    actor = staff()
    prov = provenance_record(actor=actor, source="fonecta")
    assert prov.source.code == "fonecta"
    assert prov.recorded_by == actor
    assert abs(timezone.now() - prov.obtained_at) < dt.timedelta(minutes=1)


def test_provenance_record_without_actor_and_with_a_given_time():
    when = timezone.now() - dt.timedelta(days=3)
    prov = provenance_record(actor=None, source="prh", obtained_at=when)
    assert prov.recorded_by is None
    assert prov.obtained_at == when


def test_provenance_refuses_unknown_and_inactive_sources():
    with refused("source_unknown", field="source"):
        provenance_record(actor=None, source="rumour")
    DataSource.objects.filter(code="fonecta").update(is_active=False)
    with refused("source_unknown"):
        provenance_record(actor=None, source="fonecta")


def test_customer_numbers_carry_a_check_digit_and_are_distinct():
    numbers = customer_numbers(30) + customer_numbers(5)
    assert len(set(numbers)) == 35
    assert all(is_valid_reference(n) for n in numbers)
    bases = [int(n[:-1]) for n in numbers]
    assert bases == sorted(bases)


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


def test_organization_create_normalises_and_records_provenance():
    actor = staff()
    org = organization_create(
        actor=actor,
        name="  Oy   Esimerkki  Ab ",
        business_id="0112038 9",
        status=OrganizationStatus.CUSTOMER,
        postal_street="Mannerheimintie 1",
        postal_postal_code="00100",
        postal_city="Helsinki",
        source="prh",
    )
    org.refresh_from_db()
    assert org.name == "Oy Esimerkki Ab"
    assert org.name_key == "oy esimerkki ab"
    assert org.business_id == "0112038-9"
    assert org.vat_number == "FI01120389"
    assert org.postal_city == "HELSINKI"
    assert org.postal_country == "FI"
    assert org.status == OrganizationStatus.CUSTOMER
    assert is_valid_reference(org.customer_number)
    assert org.provenance.source.code == "prh"
    assert org.provenance.recorded_by == actor


def test_organization_without_business_id():
    org = organization_create(actor=None, name="Toiminimi Virtanen", sole_trader=True)
    assert org.business_id is None
    assert org.vat_number == ""
    assert org.sole_trader


def test_organization_create_reports_every_field_error_at_once():
    with refused("required", "business_id_checksum", "postal_code_invalid") as exc:
        organization_create(
            actor=None,
            name="   ",
            business_id="0112038-8",
            status="bogus",
            postal_street="Katu 1",
            postal_postal_code="1234",
            postal_city="Helsinki",
        )
    fields = exc.value.fields
    assert {"name", "business_id", "status", "postal_postal_code"} <= set(fields)


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("0112038-8", "business_id_checksum"),
        ("1234567-2", "business_id_checksum"),
        ("12-34", "business_id_format"),
    ],
)
def test_organization_business_id_must_be_valid(given, code):
    with refused(code, field="business_id"):
        organization_create(actor=None, name="Firma Oy", business_id=given)


def test_business_id_is_unique():
    make_org(business_id="0112038-9")
    with refused("business_id_taken", field="business_id"):
        organization_create(actor=None, name="Kopio Oy", business_id="01120389")


def test_vat_number_must_be_valid():
    with refused("vat_number_invalid", field="vat_number"):
        organization_create(actor=None, name="Firma Oy", vat_number="FI12345678")
    org = organization_create(actor=None, name="Svensk AB", vat_number="FI 0112 0389")
    assert org.vat_number == "FI01120389"


@pytest.mark.parametrize(
    ("address", "bad_fields"),
    [
        ({"postal_street": "Katu 1"}, {"postal_postal_code", "postal_city"}),
        ({"postal_city": "Espoo"}, {"postal_street", "postal_postal_code"}),
        (
            {"visiting_postal_code": "02100"},
            {"visiting_street", "visiting_city"},
        ),
    ],
)
def test_partial_address_is_incomplete(address, bad_fields):
    with refused("address_incomplete") as exc:
        organization_create(actor=None, name="Firma Oy", **address)
    assert bad_fields == set(exc.value.fields)


def test_postal_code_rules_follow_the_country():
    with refused("postal_code_invalid", field="postal_postal_code"):
        organization_create(
            actor=None,
            name="Firma Oy",
            postal_street="Torget 1",
            postal_postal_code="AX-22100",
            postal_city="Mariehamn",
            postal_country="AX",
        )
    org = organization_create(
        actor=None,
        name="Svensk AB",
        postal_street="Drottninggatan 1",
        postal_postal_code="111 51",
        postal_city="Stockholm",
        postal_country="se",
    )
    assert (org.postal_country, org.postal_postal_code) == ("SE", "111 51")
    assert org.postal_city == "Stockholm"  # capitals only for Finnish addresses
    with refused("country_invalid", field="postal_country"):
        organization_create(actor=None, name="Firma Oy", postal_country="XX")


def test_organization_create_rejects_unknown_fields():
    with pytest.raises(TypeError):
        organization_create(actor=None, name="Firma Oy", color="red")


def test_organization_unknown_source_saves_nothing():
    with refused("source_unknown"):
        organization_create(actor=None, name="Firma Oy", source="rumour")


def test_customer_numbers_are_unique_and_valid():
    orgs = [make_org() for _ in range(12)]
    numbers = [o.customer_number for o in orgs]
    assert len(set(numbers)) == len(numbers)
    assert all(is_valid_reference(n) for n in numbers)


def test_customer_number_is_not_reused_after_delete():
    first = make_org()
    number = first.customer_number
    first.delete()
    second = make_org()
    assert second.customer_number != number
    assert int(second.customer_number[:-1]) > int(number[:-1])


def test_customer_number_is_not_reused_after_a_failed_create():
    before = make_org()
    with refused("source_unknown"):
        # Fails after the number has been reserved.
        organization_create(actor=None, name="Firma Oy", source="rumour")
    after = make_org()
    assert int(after.customer_number[:-1]) == int(before.customer_number[:-1]) + 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_customer_number_gap_is_committed_outside_a_transaction():
    """In autocommit (a real request) the reservation survives the failure."""
    before = make_org()
    with pytest.raises(ValidationFailed):
        organization_create(actor=None, name="Firma Oy", source="rumour")
    after = make_org()
    assert int(after.customer_number[:-1]) == int(before.customer_number[:-1]) + 2
    assert Organization.objects.count() == 2


def test_organization_update_changes_fields_and_provenance():
    org = make_org(name="Vanha Oy")
    old_prov, number = org.provenance_id, org.customer_number
    organization_update(
        actor=staff(), organization=org, name="Uusi Oy", status="customer"
    )
    org.refresh_from_db()
    assert (org.name, org.name_key, org.status) == ("Uusi Oy", "uusi oy", "customer")
    assert org.provenance_id != old_prov
    assert org.customer_number == number


def test_organization_update_without_changes_writes_nothing():
    org = make_org(name="Sama Oy")
    before = row_counts()
    organization_update(actor=None, organization=org, name=" Sama  Oy ")
    assert row_counts() == before


def test_organization_update_new_business_id_gives_new_vat_number():
    org = make_org(business_id=business_id(4_000_001))
    organization_update(actor=None, organization=org, business_id="0112038-9")
    org.refresh_from_db()
    assert (org.business_id, org.vat_number) == ("0112038-9", "FI01120389")


def test_organization_update_refuses_taken_business_id_and_bad_input():
    make_org(business_id="0112038-9")
    org = make_org(name="Toinen Oy")
    with refused("business_id_taken", field="business_id"):
        organization_update(actor=None, organization=org, business_id="0112038-9")
    with refused("business_id_checksum"):
        organization_update(actor=None, organization=org, business_id="0112038-1")
    with refused("required", field="name"):
        organization_update(actor=None, organization=org, name="")
    with refused("address_incomplete"):
        organization_update(actor=None, organization=org, visiting_city="Oulu")
    org.refresh_from_db()
    assert org.name == "Toinen Oy"
    with pytest.raises(TypeError):
        organization_update(actor=None, organization=org, customer_number="1")


def test_organization_update_keeps_its_own_business_id():
    org = make_org(business_id="0112038-9", name="Nokia Oyj")
    organization_update(actor=None, organization=org, name="Nokia Oyj (uusi)")
    org.refresh_from_db()
    assert org.business_id == "0112038-9"


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


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def test_role_create_defaults_to_today():
    person, org = make_person(), make_org()
    actor = staff()
    role = role_create(
        actor=actor,
        person=person,
        organization=org,
        kind=RoleKind.CONTACT,
        title="  Toimitusjohtaja ",
    )
    assert role.start_date == timezone.localdate()
    assert role.end_date is None
    assert role.title == "Toimitusjohtaja"
    assert role.is_current
    assert role.provenance.recorded_by == actor


def test_role_end_before_start_is_refused():
    person, org = make_person(), make_org()
    with refused("end_before_start", field="end_date"):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind=RoleKind.BILLING_CONTACT,
            start_date=dt.date(2024, 5, 1),
            end_date=dt.date(2024, 4, 30),
        )


def test_role_refusals():
    person, org = make_person(), make_org()
    with refused("invalid_choice", field="kind"):
        role_create(actor=None, person=person, organization=org, kind="boss")
    with refused("date_invalid", field="start_date"):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind=RoleKind.CONTACT,
            start_date="2024-01-01",
        )
    with refused("source_unknown"):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind=RoleKind.CONTACT,
            source="rumour",
        )


def test_second_open_role_of_a_kind_is_refused_until_the_first_ends():
    person, org = make_person(), make_org()
    start = dt.date(2023, 1, 1)
    first = role_create(
        actor=None,
        person=person,
        organization=org,
        kind=RoleKind.SUPPORT_USER,
        start_date=start,
    )
    with refused("role_exists", field="kind"):
        role_create(
            actor=None, person=person, organization=org, kind=RoleKind.SUPPORT_USER
        )
    # Another kind, or the same kind elsewhere, is fine.
    role_create(actor=None, person=person, organization=org, kind=RoleKind.END_USER)
    role_create(
        actor=None, person=person, organization=make_org(), kind=RoleKind.SUPPORT_USER
    )

    ended = role_end(actor=None, role=first)
    assert ended.end_date == timezone.localdate()
    again = role_create(
        actor=None, person=person, organization=org, kind=RoleKind.SUPPORT_USER
    )
    assert again.end_date is None
    # A closed role may also be added beside an open one.
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind=RoleKind.SUPPORT_USER,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )


def test_role_end_with_a_date_and_provenance():
    role = role_create(
        actor=None,
        person=make_person(),
        organization=make_org(),
        kind=RoleKind.CONTACT,
        start_date=dt.date(2022, 1, 1),
    )
    old_prov = role.provenance_id
    role_end(actor=staff(), role=role, end_date=dt.date(2023, 6, 30))
    role.refresh_from_db()
    assert role.end_date == dt.date(2023, 6, 30)
    assert not role.is_current
    assert role.provenance_id != old_prov


def test_ending_a_role_that_starts_in_the_future_is_refused():
    future = timezone.localdate() + dt.timedelta(days=10)
    role = role_create(
        actor=None,
        person=make_person(),
        organization=make_org(),
        kind=RoleKind.CONTACT,
        start_date=future,
    )
    with refused("end_before_start"):
        role_end(actor=None, role=role)
    role.refresh_from_db()
    assert role.end_date is None


def test_role_update_reopening_clashes_with_an_open_role():
    person, org = make_person(), make_org()
    old = role_create(
        actor=None,
        person=person,
        organization=org,
        kind=RoleKind.CONTACT,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
    )
    role_create(actor=None, person=person, organization=org, kind=RoleKind.CONTACT)
    with refused("role_exists"):
        role_update(actor=None, role=old, end_date=None)
    with refused("required", field="start_date"):
        role_update(actor=None, role=old, start_date=None)
    role_update(actor=None, role=old, title="Entinen yhteyshenkilö")
    old.refresh_from_db()
    assert old.title == "Entinen yhteyshenkilö"
    with pytest.raises(TypeError):
        role_update(actor=None, role=old, person=make_person())


def test_role_update_without_changes_writes_nothing():
    role = role_create(
        actor=None, person=make_person(), organization=make_org(), kind="contact"
    )
    before = row_counts()
    role_update(actor=None, role=role, kind="contact")
    assert row_counts() == before


def test_role_delete():
    role = role_create(
        actor=None, person=make_person(), organization=make_org(), kind="contact"
    )
    role_delete(actor=None, role=role)
    assert not Role.objects.exists()
    with pytest.raises(NotFound):
        role_delete(actor=None, role=role)  # already gone
    with pytest.raises(NotFound):
        role_delete(actor=None, role=Role())  # never saved


def test_deleting_a_person_removes_emails_phones_and_roles():
    person = make_person(phones=["0401234567"])
    role_create(actor=None, person=person, organization=make_org(), kind="contact")
    person.delete()
    assert (PersonEmail.objects.count(), PersonPhone.objects.count()) == (0, 0)
    assert Role.objects.count() == 0


def test_database_is_the_one_configured():
    """Guard: the suite runs on both SQLite and PostgreSQL (DATABASE_URL)."""
    assert connection.vendor in {"sqlite", "postgresql"}
