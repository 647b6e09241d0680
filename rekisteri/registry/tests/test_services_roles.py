"""Writes to the customer register: a person's roles at organizations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from rekisteri.core.errors import NotFound
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import (
    PersonEmail,
    PersonPhone,
    Role,
)
from rekisteri.registry.services import (
    role_create,
    role_delete,
    role_end,
    role_update,
)
from rekisteri.registry.tests.servicekit import refused, row_counts, staff
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

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
