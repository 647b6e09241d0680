"""A query compiled once and run again with other ids finds their rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import IntegerField, Value
from django.test.utils import CaptureQueriesContext

from rekisteri.core import compiled
from rekisteri.registry.models import Person, PersonEmail
from rekisteri.testing import make_person

pytestmark = pytest.mark.django_db


def _emails(ids):
    return (
        PersonEmail.objects.filter(person_id__in=ids)
        .order_by()
        .values_list(Value(7, output_field=IntegerField()))
    )


def test_the_same_sql_runs_with_each_callers_ids():
    with_email = make_person(emails=["a@example.fi"])
    without = make_person(emails=[])
    two = make_person(emails=["b@example.fi", "c@example.fi"])

    def rows(*people):
        return compiled.rows(
            "test.emails",
            _emails,
            [p.pk for p in people],
            model=Person,
            field=Person._meta.pk,
        )

    assert rows(with_email) == [(7,)]
    with CaptureQueriesContext(connection) as captured:
        assert rows(without) == []
        assert sorted(rows(two)) == [(7,), (7,)]
        assert sorted(rows(with_email, two)) == [(7,), (7,), (7,)]
    assert len(captured.captured_queries) == 3
