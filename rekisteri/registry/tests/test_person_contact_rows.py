"""The person page's emails and phones come with the person's own query.

``selectors.person_get`` carries them as JSON rows (sealed values
hex-encoded) and rebuilds them as if prefetched with their provenance
(docs/benchmarks.md, the person page). The rebuilt rows must be the rows a
query loads — every column, the sealed value still sealed, the provenance
with its source, import batch and the batch's source — in the models' order,
and reading any of it must cost no statement.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.accounts.choices import StaffRole
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.fields import Placeholder, Sealed
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    PersonEmail,
    PersonPhone,
    Provenance,
)
from rekisteri.registry.selectors import person_get
from rekisteri.testing import make_person, make_staff

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2019, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)


def _columns(row):
    """Every column as loaded, sealed values as their ciphertext."""
    return {f.attname: row.__dict__[f.attname] for f in row._meta.concrete_fields}


def _person_with_every_kind_of_row():
    person = make_person(
        first_name="Riikka",
        last_name="Rivinen",
        emails=["riikka@example.fi", "r.rivinen@example.com", "rr@example.org"],
        phones=["040 1234567", "+46 70 123 45 67"],
    )
    # One address from an import batch of another source than its own (the
    # batch's source names the batch), one with no provenance at all.
    batch = ImportBatch.objects.create(
        source=DataSource.objects.get(code="asiakastieto"), description="erä"
    )
    imported = Provenance.objects.create(
        source=DataSource.objects.get(code="fonecta"),
        obtained_at=T0,
        import_batch=batch,
        source_modified_at=T0 + dt.timedelta(days=1),
    )
    emails = list(PersonEmail.objects.filter(person=person).order_by("created_at"))
    PersonEmail.objects.filter(pk=emails[1].pk).update(provenance=imported)
    PersonEmail.objects.filter(pk=emails[2].pk).update(provenance=None)
    PersonPhone.objects.filter(person=person, is_primary=False).update(
        provenance=imported
    )
    return person


def _queried(model, person):
    return list(
        model.objects.filter(person=person).select_related(
            "provenance__source",
            "provenance__import_batch__source",
        )
    )


@pytest.mark.parametrize("name", ["emails", "phones"])
def test_the_rows_are_the_rows_a_query_loads(name):
    person = _person_with_every_kind_of_row()
    model = {"emails": PersonEmail, "phones": PersonPhone}[name]
    value = {"emails": "email", "phones": "number"}[name]
    expected = _queried(model, person)
    got = person_get(user=make_staff(StaffRole.SALES), person_id=person.pk)
    with CaptureQueriesContext(connection) as captured:
        rows = list(getattr(got, name).all())
        assert [r.pk for r in rows] == [r.pk for r in expected]
        for row, want in zip(rows, expected, strict=True):
            assert isinstance(row.__dict__[value], Sealed)
            assert _columns(row) == _columns(want)
            assert not row._state.adding and row._state.db == want._state.db
            assert row.person is got
            if want.provenance is None:
                assert row.provenance is None
                continue
            assert _columns(row.provenance) == _columns(want.provenance)
            assert _columns(row.provenance.source) == _columns(want.provenance.source)
            batch, want_batch = (
                row.provenance.import_batch,
                want.provenance.import_batch,
            )
            assert (batch is None) == (want_batch is None)
            if batch is not None:
                assert _columns(batch) == _columns(want_batch)
                assert str(batch) == str(want_batch)
    assert captured.captured_queries == []
    # Opened with the person's key, as the attribute of a queried row is.
    with keyring.ensure_scope():
        keyring.prefetch({person.pk}, KeyClass.CRM)
        assert [getattr(r, value) for r in rows] == [
            getattr(r, value) for r in expected
        ]
    assert any(r.provenance and r.provenance.import_batch for r in rows)


def test_a_person_without_phones_has_an_empty_list_and_no_query():
    person = make_person(emails=[], phones=[])
    got = person_get(user=make_staff(StaffRole.SALES), person_id=person.pk)
    with CaptureQueriesContext(connection) as captured:
        assert list(got.emails.all()) == [] and list(got.phones.all()) == []
    assert captured.captured_queries == []


def test_an_erased_persons_values_read_as_erased():
    person = make_person(emails=["poistuva@example.fi"], phones=["040 7654321"])
    keyring.shred(person.pk, KeyClass.CRM, reason="test")
    got = person_get(user=make_staff(StaffRole.SALES), person_id=person.pk)
    email, phone = got.emails.get(), got.phones.get()
    assert isinstance(email.email, Placeholder) and email.email.is_erased
    assert isinstance(phone.number, Placeholder) and phone.number.is_erased
