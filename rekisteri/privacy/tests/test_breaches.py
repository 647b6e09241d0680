"""The breach register: the 72-hour clock and the people affected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import ValidationFailed
from rekisteri.privacy import breaches
from rekisteri.privacy.choices import ClockState
from rekisteri.testing import make_person, make_staff

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def breach_data(**overrides):
    data = {
        "title": "Stolen laptop",
        "discovered_at": NOW - dt.timedelta(hours=10),
        "description": "A laptop was stolen.",
        "data_categories": ["user.name"],
        "people_approx": 40,
        "records_approx": 120,
    }
    data.update(overrides)
    return data


def test_a_breach_without_discovery_time_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        breaches.breach_create(actor=None, data=breach_data(discovered_at=None))
    assert exc.value.fields["discovered_at"][0][0] == "required"
    assert not breaches.Breach.objects.exists()


def test_times_must_be_in_order_and_not_in_the_future():
    with pytest.raises(ValidationFailed) as exc:
        breaches.breach_create(
            actor=None,
            data=breach_data(
                occurred_at=NOW - dt.timedelta(hours=1),
                people_notified_at=NOW - dt.timedelta(hours=20),
                authority_notified_at=NOW + dt.timedelta(days=1),
                people_approx=-1,
            ),
        )
    fields = exc.value.fields
    assert fields["occurred_at"][0][0] == "date_order"
    assert fields["people_notified_at"][0][0] == "date_order"
    assert fields["authority_notified_at"][0][0] == "date_future"
    assert fields["people_approx"][0][0] == "count_invalid"


def test_the_deadline_is_72_hours_from_discovery():
    breach = breaches.breach_create(actor=None, data=breach_data())
    assert breach.authority_deadline == breach.discovered_at + dt.timedelta(hours=72)
    assert breaches.clock_state(breach, NOW) == ClockState.RUNNING
    assert (
        breaches.clock_state(breach, NOW + dt.timedelta(hours=50))
        == ClockState.DUE_SOON
    )
    assert (
        breaches.clock_state(breach, NOW + dt.timedelta(hours=63)) == ClockState.OVERDUE
    )


def test_a_late_notification_needs_reasons():
    data = breach_data(
        discovered_at=NOW - dt.timedelta(hours=100),
        authority_notified_at=NOW - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationFailed) as exc:
        breaches.breach_create(actor=None, data=data)
    assert exc.value.fields["delay_reason"][0][0] == "delay_reason_required"
    breach = breaches.breach_create(
        actor=None, data={**data, "delay_reason": "Forensics took four days."}
    )
    assert breaches.clock_state(breach) == ClockState.NOTIFIED_LATE


def test_notification_not_required_stops_the_clock():
    breach = breaches.breach_create(
        actor=None,
        data=breach_data(
            discovered_at=NOW - dt.timedelta(hours=80),
            authority_not_required_reason="Encrypted disk; risk unlikely.",
        ),
    )
    assert breaches.clock_state(breach) == ClockState.NOT_REQUIRED


def test_the_people_affected_come_from_the_audit_log_and_export_is_audited():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    thief = make_staff(StaffRole.SALES)
    other = make_staff(StaffRole.SALES)
    seen = [make_person(first_name="Anna"), make_person(first_name="Bertta")]
    unseen = make_person(first_name="Cecilia")
    for person in seen + seen:  # viewed twice: counted once
        audit_record(
            actor=thief, action="person.view", target_type="registry.Person",
            target_id=person.pk, subject_id=person.pk,
        )  # fmt: skip
    audit_record(
        actor=other, action="person.view", target_type="registry.Person",
        target_id=unseen.pk, subject_id=unseen.pk,
    )  # fmt: skip
    start = timezone.now() - dt.timedelta(minutes=5)
    end = timezone.now() + dt.timedelta(minutes=5)
    breach = breaches.breach_create(actor=officer, data=breach_data())

    with pytest.raises(ValidationFailed):
        breaches.breach_affected_export(actor=officer, breach=breach)
    with pytest.raises(ValidationFailed) as exc:
        breaches.breach_affected_compute(
            actor=officer, breach=breach, account_id=thief.pk, start=end, end=start
        )
    assert exc.value.fields["end"][0][0] == "date_order"

    breach = breaches.breach_affected_compute(
        actor=officer, breach=breach, account_id=thief.pk, start=start, end=end
    )
    assert breach.affected_count == 2
    # A window before the events finds nobody.
    early = breaches.AffectedWindow(thief.pk, start - dt.timedelta(days=1), start)
    assert list(breaches.affected_subject_ids(early)) == []

    people = breaches.breach_affected_export(actor=officer, breach=breach)
    assert sorted(p.name.split()[0] for p in people) == ["Anna", "Bertta"]
    assert all(p.email for p in people)
    exports = AuditEvent.objects.filter(action="breach.affected_export")
    assert {e.subject_id for e in exports} == {p.pk for p in seen}
    assert all(e.actor_id == officer.pk for e in exports)
    assert all(e.purpose == "breach_notification" for e in exports)
