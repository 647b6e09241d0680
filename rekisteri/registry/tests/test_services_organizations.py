"""Writes to the customer register: provenance records, customer numbers and
organizations (validation, error codes, atomicity)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rekisteri.core.errors import ValidationFailed
from rekisteri.core.formats import is_valid_reference
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import (
    DataSource,
    Organization,
)
from rekisteri.registry.services import (
    customer_numbers,
    organization_create,
    organization_update,
    provenance_record,
)
from rekisteri.registry.tests.servicekit import refused, row_counts, staff
from rekisteri.testing import business_id, make_org

pytestmark = pytest.mark.django_db

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
