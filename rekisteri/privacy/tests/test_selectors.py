"""Reads: the notice in force for a person, and the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rekisteri.privacy import breaches, selectors, services
from rekisteri.registry.services import provenance_record
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


def publish_at(when: dt.datetime):
    return services.notice_publish(actor=None, now=when)


def test_the_person_sees_the_version_in_force_at_first_collection():
    services.profile_load_seed(actor=None)
    v1 = publish_at(T0)
    v2 = publish_at(T0 + dt.timedelta(days=10))
    person = make_person()  # created now: v2 was in force
    result = selectors.person_notice_version(person)
    assert result.version == v2
    assert result.current == v2

    # Data imported with an older obtained_at was collected under v1.
    older = make_person()
    prov = provenance_record(
        actor=None, source="asiakastieto", obtained_at=T0 + dt.timedelta(days=1)
    )
    older.name_provenance = prov
    older.save(update_fields=["name_provenance"])
    assert selectors.first_collected_at(older) == prov.obtained_at
    assert selectors.person_notice_version(older).version == v1


def test_data_collected_before_any_notice_has_no_version():
    services.profile_load_seed(actor=None)
    person = make_person()
    later = timezone.now() + dt.timedelta(seconds=1)
    publish_at(later)
    result = selectors.person_notice_version(person)
    assert result.version is None
    assert result.current is not None


def test_dashboard_lists_overdue_first_then_upcoming():
    services.profile_load_seed(actor=None)
    today = timezone.localdate()
    publish_at(timezone.now() - dt.timedelta(days=360))  # review due in ~5 days
    services.party_create(
        actor=None,
        data={
            "name": "Overdue Review Oy",
            "role": "recipient",
            "service": "x",
            "country": "FI",
            "data_categories": ["user.name"],
            "next_review_on": today - dt.timedelta(days=1),
        },
    )
    services.party_create(
        actor=None,
        data={
            "name": "Far Future Oy",
            "role": "recipient",
            "service": "x",
            "country": "FI",
            "data_categories": ["user.name"],
            "next_review_on": today + dt.timedelta(days=300),
        },
    )
    services.manual_record_create(
        actor=None,
        data={
            "title": "Old binder",
            "location": "Locked room",
            "retention_rule": "bookkeeping_voucher",
            "created_on": dt.date(2010, 1, 1),
            "destroy_by": dt.date(2017, 1, 1),
        },
    )
    breaches.breach_create(
        actor=None,
        data={
            "title": "Open breach",
            "discovered_at": timezone.now() - dt.timedelta(hours=1),
            "description": "x",
        },
    )
    items = selectors.dashboard_items()
    kinds = [(i.kind, i.overdue) for i in items]
    assert kinds[:2] == [("manual_record", True), ("party", True)]
    assert ("breach", False) in kinds and ("notice", False) in kinds
    assert all(i.title != "Far Future Oy" for i in items)


def test_dashboard_lists_staff_training_and_attestation_due():
    from rekisteri.accounts.models import TrainingRecord
    from rekisteri.testing import make_staff

    today = timezone.localdate()
    expiring = make_staff("sales", first_name="Erkki", last_name="Expiring")
    # Completed almost a validity period ago: runs out within 30 days.
    TrainingRecord.objects.filter(user=expiring).update(
        completed_on=today - dt.timedelta(days=350)
    )
    make_staff("billing", cleared=False, first_name="Una", last_name="Uncleared")
    make_staff("sales", first_name="Carla", last_name="Current")
    make_staff("administrator", cleared=False, first_name="Adam", last_name="Admin")

    items = [i for i in selectors.dashboard_items() if i.kind == "attestation"]
    names = {i.title for i in items}
    assert "Erkki Expiring" in names
    assert "Una Uncleared" in names
    assert "Carla Current" not in names
    # Administrators read no personal data: no training is required of them.
    assert "Adam Admin" not in names
    assert all(i.overdue for i in items if i.title == "Una Uncleared")
