"""Restriction (Art. 18), objection (Art. 21), the suppression list and the
marketing selection."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, Forbidden, ValidationFailed
from rekisteri.registry import services as registry
from rekisteri.restrictions import selectors, services, suppression
from rekisteri.restrictions.models import (
    Objection,
    Restriction,
    SuppressedContact,
    SuppressionMatch,
)
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --------------------------------------------------------------------------
# Restriction
# --------------------------------------------------------------------------


def test_a_restriction_refuses_changes_until_the_privacy_officer_lifts_it():
    person = make_person(first_name="Rauha")
    services.restriction_place(
        actor=None, person=person, reason="Kiistää osoitteen oikeellisuuden"
    )
    with pytest.raises(Conflict) as refused:
        registry.person_update(actor=None, person=person, first_name="Muutettu")
    assert refused.value.code == "restricted"
    person.refresh_from_db()
    assert person.first_name == "Rauha"  # storage continues, nothing changed

    with pytest.raises(Forbidden):
        services.restriction_lift(
            actor=make_staff(StaffRole.SALES), person=person, reason="Ei"
        )
    with pytest.raises(ValidationFailed):
        services.restriction_lift(
            actor=make_staff(StaffRole.PRIVACY_OFFICER), person=person, reason=" "
        )
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    # The person asked for it: Art. 18(3) has them told first.
    with pytest.raises(ValidationFailed) as untold:
        services.restriction_lift(
            actor=officer, person=person, reason="Osoite tarkistettu"
        )
    assert set(untold.value.fields) == {"informed_how"}
    services.restriction_lift(
        actor=officer,
        person=person,
        reason="Osoite tarkistettu",
        informed_how="phone",
    )
    registry.person_update(actor=None, person=person, first_name="Muutettu")

    (kept,) = Restriction.objects.filter(person=person)
    assert kept.lifted_at is not None and kept.lifted_by == officer
    assert kept.lift_reason == "Osoite tarkistettu"
    assert not selectors.active_restriction(person.pk)


def test_restricting_twice_is_refused_and_an_erased_person_is_answered():
    person = make_person()
    services.restriction_place(actor=None, person=person, reason="Ensimmäinen")
    with pytest.raises(Conflict) as again:
        services.restriction_place(actor=None, person=person, reason="Toinen")
    assert again.value.code == "restricted"

    erased = make_person()
    registry.person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=erased, reason="pyyntö"
    )
    with pytest.raises(Conflict) as gone:
        services.restriction_place(actor=None, person=erased, reason="Myöhässä")
    assert gone.value.code == "subject_erased"
    assert "Accounting Act" in gone.value.message or "kirjanpito" in (
        gone.value.message.lower()
    )


def test_only_the_privacy_office_restricts():
    person = make_person()
    with pytest.raises(Forbidden):
        services.restriction_place(
            actor=make_staff(StaffRole.SALES), person=person, reason="x"
        )
    assert not Restriction.objects.exists()


def test_reasons_are_sealed_and_never_audited():
    person = make_person()
    restriction = services.restriction_place(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        reason="Salainen syy Ritva",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason FROM restrictions_restriction WHERE id = %s",
            [restriction.pk.hex if connection.vendor == "sqlite" else restriction.pk],
        )
        (stored,) = cursor.fetchone()
    assert b"Ritva" not in bytes(stored)
    (event,) = _events("restriction.place")
    assert "Ritva" not in json.dumps(
        [event.details, event.fields, event.categories], default=str
    )
    assert event.subject_id == person.pk


def test_the_person_page_shows_the_banner_and_the_api_the_field():
    person = make_person()
    sales = make_staff(StaffRole.SALES)
    page = client_as(sales).get(f"/persons/{person.pk}/")
    assert b"restriction-banner" not in page.content
    api = client_as(sales).get(f"/api/v1/persons/{person.pk}")
    assert api.json()["restricted"] is False

    services.restriction_place(actor=None, person=person, reason="Kiista")
    page = client_as(sales).get(f"/persons/{person.pk}/")
    assert b"restriction-banner" in page.content
    assert client_as(sales).get(f"/api/v1/persons/{person.pk}").json()["restricted"]
    # Sales may record an objection, but may not lift a restriction.
    assert b"restrictions/persons/" in page.content
    assert f"/restrictions/persons/{person.pk}/lift/".encode() not in page.content
    officer_page = client_as(StaffRole.PRIVACY_OFFICER).get(f"/persons/{person.pk}/")
    assert f"/restrictions/persons/{person.pk}/lift/".encode() in officer_page.content


def test_a_write_through_the_api_is_refused_with_the_code():
    person = make_person()
    services.restriction_place(actor=None, person=person, reason="Kiista")
    response = client_as(StaffRole.SALES).patch(
        f"/api/v1/persons/{person.pk}",
        {"first_name": "Uusi"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "restricted"


# --------------------------------------------------------------------------
# Objection and the suppression list
# --------------------------------------------------------------------------


def test_digests_are_keyed_full_length_and_normalised():
    a = suppression.digest("email", "  Liisa.Virtanen@Example.FI ")
    assert a == suppression.digest("email", "liisa.virtanen@example.fi")
    assert len(a) == 64 and "liisa" not in a
    assert suppression.digest("phone", "040 123 4567") == suppression.digest(
        "phone", "+358401234567"
    )
    # Another kind, another key: the same text never gives the same digest.
    assert suppression.digest("email", "a@example.fi") != suppression.digest(
        "phone", "a@example.fi"
    )
    assert suppression.digest("email", "not an address") is None


def test_a_marketing_objection_suppresses_the_addresses_and_survives_erasure():
    person = make_person(emails=["kielto@example.fi"], phones=["040 111 2222"])
    services.objection_record(
        actor=make_staff(StaffRole.SALES), person=person, purpose="direct_marketing"
    )
    assert SuppressedContact.objects.count() == 2
    stored = list(SuppressedContact.objects.values_list("digest", flat=True))
    assert all("kielto" not in d and len(d) == 64 for d in stored)
    (event,) = _events("objection.record")
    assert event.details == {"purpose": "direct_marketing", "suppressed": 2}

    registry.person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=person, reason="pyyntö"
    )
    assert SuppressedContact.objects.count() == 2

    # The address comes back with someone new: flagged, and out of marketing.
    returning = make_person(emails=["KIELTO@example.fi"])
    assert SuppressionMatch.objects.filter(person=returning, kind="email").exists()
    (match,) = _events("suppression.match")
    assert match.details == {"kind": "email"}
    assert "kielto" not in json.dumps([match.details, match.fields], default=str)


def test_an_added_phone_on_the_list_flags_the_person():
    objector = make_person(phones=["050 765 4321"])
    services.objection_record(actor=None, person=objector, purpose="direct_marketing")
    other = make_person()
    assert not SuppressionMatch.objects.filter(person=other).exists()
    registry.person_update(actor=None, person=other, phones=["+358 50 7654321"])
    assert SuppressionMatch.objects.filter(person=other, kind="phone").exists()


def test_an_objector_s_new_address_joins_the_list():
    person = make_person(emails=["eka@example.fi"])
    services.objection_record(actor=None, person=person, purpose="direct_marketing")
    registry.person_update(
        actor=None, person=person, emails=["eka@example.fi", "toka@example.fi"]
    )
    assert SuppressedContact.objects.filter(
        kind="email", digest=suppression.digest("email", "toka@example.fi")
    ).exists()


def test_a_legitimate_interest_objection_needs_the_officer_and_the_note():
    person = make_person()
    with pytest.raises(ValidationFailed) as no_note:
        services.objection_record(
            actor=make_staff(StaffRole.PRIVACY_OFFICER),
            person=person,
            purpose="legitimate_interest",
        )
    assert "note" in no_note.value.fields
    with pytest.raises(Forbidden):
        services.objection_record(
            actor=make_staff(StaffRole.SALES),
            person=person,
            purpose="legitimate_interest",
            note="Punninta",
        )
    services.objection_record(
        actor=make_staff(StaffRole.PRIVACY_OFFICER),
        person=person,
        purpose="legitimate_interest",
        note="Ei pakottavia perusteita: käsittely lopetetaan.",
    )
    (objection,) = Objection.objects.filter(person=person)
    assert objection.note.startswith("Ei pakottavia")
    assert not SuppressedContact.objects.exists()


def test_an_objection_may_be_recorded_while_restricted():
    person = make_person()
    services.restriction_place(actor=None, person=person, reason="Kiista")
    services.objection_record(actor=None, person=person, purpose="direct_marketing")
    with pytest.raises(Conflict) as twice:
        services.objection_record(actor=None, person=person, purpose="direct_marketing")
    assert twice.value.code == "objection_exists"


# --------------------------------------------------------------------------
# The marketing selection
# --------------------------------------------------------------------------


def _at(org, **kwargs):
    person = make_person(**kwargs)
    registry.role_create(actor=None, person=person, organization=org, kind="contact")
    return person


def test_the_selection_leaves_out_everyone_marketing_must_not_reach():
    org = make_org(name="Markkinoitava Oy", status="customer")
    quiet = make_org(name="Hiljainen Oy", status="customer", no_marketing=True)
    ok = _at(org, last_name="Tavallinen")
    restricted = _at(org, last_name="Rajoitettu")
    services.restriction_place(actor=None, person=restricted, reason="Kiista")
    objected = _at(org, last_name="Kieltäytyjä", phones=["040 222 3333"])
    services.objection_record(actor=None, person=objected, purpose="direct_marketing")
    # Someone with a suppressed number (phones are not unique) comes along.
    returning = _at(org, last_name="Palaaja", phones=["+358402223333"])
    erased = _at(org, last_name="Poistettu")
    registry.person_shred(
        actor=make_staff(StaffRole.PRIVACY_OFFICER), person=erased, reason="pyyntö"
    )
    _at(quiet, last_name="Yrityksenkielto")
    both = _at(quiet, last_name="Kahdessa")
    registry.role_create(actor=None, person=both, organization=org, kind="end_user")

    selection = selectors.marketing_selection(user=make_staff(StaffRole.SALES))
    names = {r.last_name for r in selection.rows}
    assert names == {"Tavallinen", "Kahdessa"}
    assert dict(selection.left_out) == {
        "restricted": 1,
        "objected": 1,
        "suppressed": 1,
        "erased": 1,
        "no_marketing": 1,
    }
    assert ok.pk in {r.person_id for r in selection.rows}
    assert returning.pk not in {r.person_id for r in selection.rows}


def test_the_csv_is_audited_and_guarded_against_formulas():
    org = make_org(name="=HYPERLINK(1) Oy", status="customer")
    _at(org, last_name="Kaava", emails=["kaava@example.fi"])
    sales = make_staff(StaffRole.SALES)
    response = client_as(sales).get("/restrictions/marketing/selection.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    (row,) = rows
    assert row["organization"].startswith("'=")
    assert row["email"] == "kaava@example.fi"
    (event,) = _events("marketing.export")
    assert event.details["count"] == 1
    assert "kaava" not in json.dumps(event.details, default=str).lower()
    assert "Kaava" not in " ".join(event.fields)


def test_the_list_page_shows_what_was_left_out():
    org = make_org(status="customer")
    person = _at(org, last_name="Näkyvä")
    left = _at(org, last_name="Salattava")
    services.restriction_place(actor=None, person=left, reason="Kiista")
    page = client_as(StaffRole.SALES).get("/restrictions/marketing/")
    assert page.status_code == 200
    assert "Näkyvä" in page.content.decode()
    assert "Salattava" not in page.content.decode()
    assert b'data-reason="restricted">1<' in page.content
    assert person.pk


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def test_the_command_restricts_objects_and_lifts_with_a_named_officer():
    person = make_person()
    out = io.StringIO()
    call_command(
        "restrictions",
        "restrict",
        "--person",
        str(person.pk),
        "--reason",
        "Kiista",
        stdout=out,
    )
    assert json.loads(out.getvalue())["active"] is True
    with pytest.raises(CommandError, match="restricted"):
        call_command(
            "restrictions", "restrict", "--person", str(person.pk), "--reason", "x"
        )
    out = io.StringIO()
    call_command(
        "restrictions",
        "object",
        "--person",
        str(person.pk),
        "--marketing",
        stdout=out,
    )
    assert json.loads(out.getvalue())["purpose"] == "direct_marketing"
    with pytest.raises(CommandError, match="--actor"):
        call_command(
            "restrictions", "lift", "--person", str(person.pk), "--reason", "x"
        )
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    call_command(
        "restrictions",
        "lift",
        "--person",
        str(person.pk),
        "--reason",
        "Selvä",
        "--actor",
        officer.username,
        "--informed-how",
        "letter",
        stdout=io.StringIO(),
    )
    assert not selectors.active_restriction(person.pk)
    with pytest.raises(CommandError, match="No person"):
        call_command("restrictions", "restrict", "--person", "nope", "--reason", "x")
