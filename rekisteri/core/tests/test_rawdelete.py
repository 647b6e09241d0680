"""Deleting in bulk: one DELETE where every delete receiver has a bulk form,
the collector (an instance and a signal per row) otherwise."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models.signals import post_delete
from django.test.utils import CaptureQueriesContext

from rekisteri.contracts.models import RelationshipEnd
from rekisteri.core import deferral, rawdelete
from rekisteri.registry.models import Role
from rekisteri.retention import signals as retention_signals
from rekisteri.retention.models import DueDate, SweepEntry, SweepRun
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 1, 1)


def _roles(org, n, *, ended=True):
    out = []
    for i in range(n):
        out.append(
            Role.objects.create(
                person=make_person(),
                organization=org,
                kind="contact",
                start_date=DAY,
                end_date=DAY + dt.timedelta(days=i) if ended else None,
            )
        )
    return out


def _deletes(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].startswith("DELETE")]


def test_roles_go_with_one_delete_and_each_receiver_s_bulk_form():
    org = make_org(status="customer")
    roles = _roles(org, 3)  # ended on DAY, DAY + 1, DAY + 2
    other = _roles(make_org(status="customer"), 1)  # another organization's
    keep = _roles(org, 1, ended=False)[0]  # open: no end while it lasts
    assert RelationshipEnd.objects.get(organization=org).ended_on is None
    gone = [keep, roles[2]]
    with CaptureQueriesContext(connection) as captured:
        n = rawdelete.delete_bulk(Role.objects.filter(pk__in=[r.pk for r in gone]))
    assert n == 2
    assert set(Role.objects.values_list("pk", flat=True)) == {
        roles[0].pk,
        roles[1].pk,
        other[0].pk,
    }
    # No role read as an instance, and one DELETE of roles.
    sql = [q["sql"] for q in captured]
    assert not any(s.startswith('SELECT "registry_role"."id", ') for s in sql)
    assert sum('DELETE FROM "registry_role"' in s for s in _deletes(captured)) == 1
    # The contracts receiver's bulk form: the organization's end moved to
    # the last role left.
    assert RelationshipEnd.objects.get(organization=org).ended_on == DAY + dt.timedelta(
        days=1
    )


def test_the_same_as_the_collector_would_leave():
    """Deleted in bulk or row by row, the register ends the same: the
    organizations' relationship ends and the persons' due dates."""
    a, b = make_org(status="customer"), make_org(status="customer")
    bulk, single = _roles(a, 3), _roles(b, 3)
    with retention_signals.deferred():
        rawdelete.delete_bulk(Role.objects.filter(pk__in=[r.pk for r in bulk[1:]]))
    with retention_signals.deferred():
        Role.objects.filter(pk__in=[r.pk for r in single[1:]]).delete()
    ends = {
        e.organization_id: e.ended_on
        for e in RelationshipEnd.objects.filter(organization__in=[a, b])
    }
    assert ends[a.pk] == ends[b.pk] == DAY

    def due(roles):
        return sorted(
            (str(rule), until)
            for rule, until in DueDate.objects.filter(
                person_id__in=[x.person_id for x in roles]
            ).values_list("rule", "kept_until")
        )

    assert due(bulk) == due(single)
    assert due(bulk)  # the persons have dates to compare


def test_inside_a_deferral_block_the_work_waits_for_its_end():
    org = make_org(status="customer")
    roles = _roles(org, 2)
    with deferral.collect():
        rawdelete.delete_bulk(Role.objects.filter(pk=roles[1].pk))
        # Deferred: the end is still the deleted role's.
        assert RelationshipEnd.objects.get(organization=org).ended_on == DAY + (
            dt.timedelta(days=1)
        )
    assert RelationshipEnd.objects.get(organization=org).ended_on == DAY


def test_a_receiver_without_a_bulk_form_sees_every_row():
    org = make_org(status="customer")
    roles = _roles(org, 2)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_delete.connect(receiver, sender=Role, dispatch_uid="test.rawdelete")
    try:
        with CaptureQueriesContext(connection) as captured:
            n = rawdelete.delete_bulk(Role.objects.filter(organization=org))
    finally:
        post_delete.disconnect(sender=Role, dispatch_uid="test.rawdelete")
    assert n == 2
    assert sorted(seen, key=str) == sorted((r.pk for r in roles), key=str)
    # The collector read the roles as instances.
    assert any(q["sql"].startswith('SELECT "registry_role"."id", ') for q in captured)


def test_a_model_without_receivers_is_one_statement():
    run = SweepRun.objects.create(as_of=DAY)
    for i in range(2):
        SweepEntry.objects.create(
            run=run,
            kind="skipped",
            rule="relationship",
            subject_type="person",
            subject_id=uuid.uuid4(),
            codes=[],
            message=str(i),
        )
    assert rawdelete._bulk_plan(SweepEntry) == []
    with CaptureQueriesContext(connection) as captured:
        assert rawdelete.delete_bulk(SweepEntry.objects.filter(run=run)) == 2
    assert len(captured) == 1
    assert captured[0]["sql"].startswith("DELETE")


def test_a_model_others_refer_to_goes_through_the_collector():
    # A run's entries refer to it: the collector cascades to them.
    assert rawdelete._bulk_plan(SweepRun) is None


def test_nothing_to_delete_is_not_an_error():
    assert rawdelete.delete_bulk(Role.objects.none()) == 0
    assert rawdelete.delete_bulk(Role.objects.filter(pk=None)) == 0
