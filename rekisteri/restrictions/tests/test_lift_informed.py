"""Art. 18(3): a person who obtained a restriction is told before it is
lifted, and the lifting records how and when (docs/rights.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import ValidationFailed
from rekisteri.restrictions import services
from rekisteri.restrictions.models import Restriction
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(StaffRole.PRIVACY_OFFICER)


def _restricted(requested_by="data_subject", on=dt.date(2026, 11, 2)):
    person = make_person(first_name="Rauha")
    services.restriction_place(
        actor=None,
        person=person,
        reason="Kiistää osoitteen",
        requested_by=requested_by,
        requested_on=on,
    )
    return person


def test_the_person_s_own_restriction_needs_them_told_first(officer):
    person = _restricted()
    for kwargs, field, code in (
        ({}, "informed_how", "required"),
        ({"informed_how": "pigeon"}, "informed_how", "invalid_choice"),
        (
            {"informed_how": "phone", "informed_on": dt.date(2026, 11, 1)},
            "informed_on",
            "before_request",
        ),
        (
            {
                "informed_how": "phone",
                "informed_on": timezone.localdate() + dt.timedelta(days=1),
            },
            "informed_on",
            "future",
        ),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.restriction_lift(
                actor=officer, person=person, reason="Tarkistettu", **kwargs
            )
        assert exc.value.fields[field][0][0] == code, kwargs
        assert Restriction.objects.get().is_active
    assert not AuditEvent.objects.filter(action="restriction.lift").exists()

    lifted = services.restriction_lift(
        actor=officer,
        person=person,
        reason="Tarkistettu",
        informed_how="letter",
        informed_on=dt.date(2026, 11, 20),
    )
    lifted.refresh_from_db()
    assert not lifted.is_active
    assert (lifted.lift_informed_how, lifted.lift_informed_on) == (
        "letter",
        dt.date(2026, 11, 20),
    )
    event = AuditEvent.objects.get(action="restriction.lift")
    assert event.details == {"informed": "letter"}
    assert "lift_informed_on" in event.fields


def test_told_today_when_no_day_is_given(officer):
    person = _restricted(requested_by="representative")
    lifted = services.restriction_lift(
        actor=officer, person=person, reason="Selvitetty", informed_how="in_person"
    )
    lifted.refresh_from_db()
    assert lifted.lift_informed_on == timezone.localdate()


@pytest.mark.parametrize("requested_by", ["authority", "controller"])
def test_a_restriction_the_person_did_not_ask_for_lifts_without(officer, requested_by):
    person = _restricted(requested_by=requested_by)
    lifted = services.restriction_lift(actor=officer, person=person, reason="Päätös")
    lifted.refresh_from_db()
    assert not lifted.is_active
    assert (lifted.lift_informed_how, lifted.lift_informed_on) == ("", None)
    assert AuditEvent.objects.get(action="restriction.lift").details == {}


def test_the_person_page_and_the_api_take_how_they_were_told(officer, client):
    person = _restricted()
    client_as(officer, client=client)
    page = client.get(f"/persons/{person.pk}/")
    assert b'name="informed_how"' in page.content
    client.post(f"/restrictions/persons/{person.pk}/lift/", {"reason": "Tarkistettu"})
    assert Restriction.objects.get().is_active
    client.post(
        f"/restrictions/persons/{person.pk}/lift/",
        {"reason": "Tarkistettu", "informed_how": "email", "informed_on": ""},
    )
    assert not Restriction.objects.get().is_active

    other = _restricted()
    url = f"/api/v1/persons/{other.pk}/restriction/lift"
    refused = client.post(url, {"reason": "x"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["informed_how"][0]["code"] == "required"
    done = client.post(
        url,
        {"reason": "x", "informed_how": "phone", "informed_on": "2026-11-03"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["active"] is False
