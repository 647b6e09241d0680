"""A query compiled once and run again with other ids finds their rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import JSONArray
from django.test.utils import CaptureQueriesContext

from rekisteri.core import compiled
from rekisteri.core.jsonrows import JSONRows
from rekisteri.registry.models import Person, PersonEmail, Role
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person

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


def _with_annotations(pk):
    emails = PersonEmail.objects.filter(person=OuterRef("pk"))
    return Person.objects.filter(pk=pk).annotate(
        first_email_at=Subquery(emails.order_by("created_at").values("created_at")[:1]),
        email_rows=Subquery(
            emails.order_by()
            .values("person_id")
            .annotate(rows=JSONRows(JSONArray("is_primary")))
            .values("rows")[:1]
        ),
        has_email=Exists(emails),
        emails_n=Count("emails"),
    )


def test_an_instance_is_the_one_the_queryset_loads_with_its_annotations():
    people = [
        make_person(emails=["d@example.fi", "e@example.fi"]),
        make_person(emails=[]),
    ]
    builds = []

    def build(pk):
        builds.append(pk)
        return _with_annotations(pk)

    names = ("first_email_at", "email_rows", "has_email", "emails_n")
    for person in people:
        want = _with_annotations(person.pk).first()
        with CaptureQueriesContext(connection) as captured:
            got = compiled.instance(
                "test.person", build, person.pk, model=Person, stand_in=uuid.UUID(int=1)
            )
        assert len(captured.captured_queries) == 1
        assert type(got) is Person and got.pk == person.pk
        assert not got._state.adding and got._state.db == want._state.db
        for field in Person._meta.concrete_fields:
            assert got.__dict__[field.attname] == want.__dict__[field.attname]
        for name in names:
            assert getattr(got, name) == getattr(want, name), name
            assert type(getattr(got, name)) is type(getattr(want, name)), name
        assert got.last_name == person.last_name
    assert got.has_email is False and got.first_email_at is None
    # Built once, with the stand-in in the place of the id.
    assert builds == [uuid.UUID(int=1)]
    assert (
        compiled.instance(
            "test.person", build, uuid.uuid4(), model=Person, stand_in=uuid.UUID(int=1)
        )
        is None
    )


def test_an_instance_with_related_rows_or_no_place_for_the_id_is_refused():
    with pytest.raises(ValueError):
        compiled.instance(
            "test.related",
            lambda pk: Person.objects.filter(pk=pk).select_related("name_provenance"),
            uuid.uuid4(),
            model=Person,
            stand_in=uuid.UUID(int=1),
        )
    with pytest.raises(ValueError):
        compiled.instance(
            "test.no_id",
            lambda pk: Person.objects.all(),
            uuid.uuid4(),
            model=Person,
            stand_in=uuid.UUID(int=1),
        )


def _roles(person_id):
    return (
        Role.objects.filter(person_id=person_id)
        .select_related("organization", "provenance__source")
        .order_by("organization__name_key")
    )


def test_instances_are_the_rows_the_queryset_loads_with_their_related_rows():
    person = make_person()
    other = make_person()
    for _ in range(3):
        Role.objects.create(
            person=person,
            organization=make_org(),
            kind="end_user",
            start_date=dt.date(2026, 1, 1),
        )
    Role.objects.create(
        person=other,
        organization=make_org(),
        kind="end_user",
        start_date=dt.date(2026, 1, 1),
    )
    field = Role._meta.get_field("person")
    stand_in = uuid.UUID(int=1)
    for who in (person, other, person):
        want = list(_roles(who.pk))
        with CaptureQueriesContext(connection) as captured:
            got = compiled.instances(
                "test.roles", _roles, who.pk, model=Role, stand_in=stand_in, field=field
            )
        # The related rows come with the row: one statement, no lazy loads.
        assert [r.pk for r in got] == [r.pk for r in want]
        for g, w in zip(got, want, strict=True):
            assert g.organization.name == w.organization.name
            assert g.provenance_id == w.provenance_id
            if w.provenance_id:
                assert g.provenance.source_id == w.provenance.source_id
        assert len(captured.captured_queries) == 1
    assert (
        compiled.instances(
            "test.roles",
            _roles,
            uuid.uuid4(),
            model=Role,
            stand_in=stand_in,
            field=field,
        )
        == []
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"
)
def test_on_postgresql_a_compiled_statement_is_prepared_once_and_logged_in_full():
    person = make_person(last_name="Prepared")
    other = make_person(last_name="Again")

    def load(pk):
        return compiled.instance(
            "test.prepared",
            lambda pk: Person.objects.filter(pk=pk),
            pk,
            model=Person,
            stand_in=uuid.UUID(int=1),
        )

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ['SELECT "registry_person"."id"%'],
            )
            return cursor.fetchone()[0]

    assert load(person.pk).last_name == "Prepared"
    assert prepared() == 1
    with CaptureQueriesContext(connection) as captured:
        assert load(other.pk).last_name == "Again"
    assert prepared() == 1
    # The statement's text as run, with the value in it, as Django logs any.
    assert other.pk.hex in captured.captured_queries[0]["sql"]


def test_prepared_statements_can_be_turned_off_by_the_database_options(settings):
    options = connection.settings_dict["OPTIONS"]
    before = dict(options)
    options["prepare_threshold"] = None
    try:
        with compiled.cursor(connection) as cursor:
            assert type(cursor.cursor) is type(connection.cursor().cursor)
    finally:
        options.clear()
        options.update(before)


# --- among_rows / among_delete ------------------------------------------


def _role_dates(ids):
    from rekisteri.core import idlist

    return (
        Role.objects.filter(idlist.among("person_id", ids))
        .order_by()
        .values("person_id")
        .annotate(n=Count("pk"), last=Max("start_date"))
        .values_list("person_id", "n", "last")
    )


@pytest.mark.parametrize("count", [1, 3, 17, 40])
def test_among_rows_equal_the_querysets_rows_short_and_long_lists(count):
    org = make_org()
    people = [make_person(emails=[]) for _ in range(count)]
    for i, p in enumerate(people[::2]):
        role_create(
            actor=None,
            person=p,
            organization=org,
            kind="contact",
            start_date=dt.date(2024, 1, 1 + i % 28),
        )
    ids = [p.pk for p in people]
    want = sorted(_role_dates(ids), key=str)
    got = sorted(
        compiled.among_rows("test.role_dates", _role_dates, ids, model=Person),
        key=str,
    )
    assert got == want
    # Converted as the ORM converts them: UUIDs and dates, not their text.
    assert all(isinstance(r[0], uuid.UUID) and isinstance(r[2], dt.date) for r in got)
    # Run again with other ids of the same shape: the same SQL, other rows.
    others = [make_person(emails=[]).pk for _ in range(count)]
    with CaptureQueriesContext(connection) as captured:
        assert (
            compiled.among_rows("test.role_dates", _role_dates, others, model=Person)
            == []
        )
    assert len(captured.captured_queries) == 1


@pytest.mark.parametrize("count", [1, 3, 17])
def test_among_rows_by_integer_keys_of_a_bigint_column(count):
    """The blind index's keys as the ids: PostgreSQL's backend types each
    as a bigint (psycopg's Int8), and the real keys are typed alike."""
    from rekisteri.core import idlist
    from rekisteri.core.models import BlindIndex

    subjects = [uuid.uuid4() for _ in range(count)]
    BlindIndex.objects.bulk_create(
        [BlindIndex(key=2**40 + n, subject_id=s) for n, s in enumerate(subjects)]
        + [BlindIndex(key=-(2**40) - n, subject_id=uuid.uuid4()) for n in range(3)]
    )

    def build(keys):
        return BlindIndex.objects.filter(idlist.among("key", keys)).values_list(
            "subject_id"
        )

    keys = [2**40 + n for n in range(count)]
    got = compiled.among_rows("test.blind_keys", build, keys, model=BlindIndex)
    assert sorted(r[0] for r in got) == sorted(subjects)
    assert (
        compiled.among_rows(
            "test.blind_keys", build, [k + 10**6 for k in keys], model=BlindIndex
        )
        == []
    )


def test_among_rows_with_no_ids_runs_the_queryset_itself():
    assert compiled.among_rows("test.role_dates", _role_dates, [], model=Person) == []


def test_among_rows_refuse_a_queryset_without_the_ids():
    with pytest.raises(ValueError, match="ids"):
        compiled.among_rows(
            "test.no_ids",
            lambda ids: Role.objects.values_list("pk"),
            [uuid.uuid4()],
            model=Person,
        )


@pytest.mark.parametrize("count", [2, 20])
def test_among_delete_deletes_only_the_rows_of_the_ids(count):
    from rekisteri.core import idlist
    from rekisteri.core.models import BlindIndex

    people = [make_person(emails=[f"del{i}-{count}@example.fi"]) for i in range(count)]
    keep = make_person(emails=[f"keep-{count}@example.fi"])
    doomed = [p.pk for p in people]
    before = BlindIndex.objects.filter(subject_id=keep.pk).count()
    assert before > 0

    def build(ids):
        return BlindIndex.objects.filter(idlist.among("subject_id", ids))

    gone = compiled.among_delete("test.blind", build, doomed, model=BlindIndex)
    assert gone > 0
    assert not BlindIndex.objects.filter(subject_id__in=doomed).exists()
    assert BlindIndex.objects.filter(subject_id=keep.pk).count() == before
    assert compiled.among_delete("test.blind", build, doomed, model=BlindIndex) == 0


@pytest.mark.parametrize("count", [1, 20])
def test_among_instances_are_the_querysets_with_only_the_fields_asked(count):
    from rekisteri.core import idlist

    people = [make_person(emails=[f"inst{i}-{count}@example.fi"]) for i in range(count)]
    ids = [p.pk for p in people]

    def build(keys):
        return PersonEmail.objects.filter(idlist.among("person_id", keys)).order_by(
            "person_id"
        )

    got = compiled.among_instances(
        "test.emails.only",
        build,
        ids,
        model=PersonEmail,
        fields=("email", "id", "person_id"),  # in any order
    )
    want = list(build(ids))
    assert [(r.pk, r.person_id, r.email) for r in got] == [
        (r.pk, r.person_id, r.email) for r in want
    ]
    assert all(isinstance(r.email, str) and "@" in r.email for r in got)
    assert {"is_primary", "email_digest"} <= got[0].get_deferred_fields()
