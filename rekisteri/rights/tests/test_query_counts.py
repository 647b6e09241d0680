"""The export and the erasure plan read with a fixed number of queries: a
longer message history and more invoices add rows, not round trips
(docs/rights.md, Access export; docs/benchmarks.md, Rights engine)."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.keystore import keys
from rekisteri.messaging import services as messaging
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.models import Message, Thread
from rekisteri.messaging.services import AttachmentIn, ParticipantIn
from rekisteri.rights import engine, erasure, services
from rekisteri.rights.schema import EXPORT_SCHEMA
from rekisteri.testing import make_person
from rekisteri.testing.billing import make_invoice

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def _grow(customer, n: int) -> None:
    """``n`` more of everything that grows with a customer's history: own
    messages with an attachment, the organization's messages the person
    took part in, invoices where they are the billing contact."""
    for i in range(n):
        at = START + dt.timedelta(hours=i)
        messaging.message_create(
            actor=None,
            person=customer.person,
            channel="phone",
            direction="in",
            occurred_at=at,
            subject=f"Soitto {i}",
            body=f"Puhelu {i}",
            attachments=[AttachmentIn(f"liite{i}.txt", b"sis")],
        )
        with keys.ensure_scope():
            messaging.message_store(
                actor=None,
                organization=customer.org,
                person=None,
                channel=Channel.EMAIL,
                direction=Direction.INBOUND,
                occurred_at=at,
                subject=f"Tilaus {i}",
                body="Terveisin Anna",
                headers="From: Anna Aalto <anna@asiakas.fi>",
                participants=[
                    ParticipantIn(
                        role=ParticipantRole.FROM,
                        person=customer.person,
                        address="anna@asiakas.fi",
                        display_name="Anna Aalto",
                    )
                ],
            )
        make_invoice(
            organization=customer.org,
            contact=customer.person,
            invoice_date=dt.date(2026, 2, 1) + dt.timedelta(days=i),
        )


def _queries(fn) -> int:
    fn()  # the first call fills the process's caches (catalogue, shapes)
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_export_reads_with_a_fixed_number_of_queries(customer):
    def export():
        return services.export_person(actor=customer.officer, person=customer.person)

    before = _queries(export)
    items = len(export()["items"])
    _grow(customer, 5)
    grown = export()
    assert len(grown["items"]) > items + 15
    jsonschema.validate(grown, EXPORT_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert _queries(export) == before


def test_the_plan_reads_with_a_fixed_number_of_queries(customer):
    def plan():
        return erasure.erasure_plan(actor=customer.officer, person=customer.person)

    before = _queries(plan)
    _grow(customer, 5)
    assert _queries(plan) == before


def test_locate_reads_only_the_kinds_of_row_the_person_has(db):
    """One query asks which kinds of row exist; only those are read (each
    kind asked for is a round trip, and most people have few kinds)."""
    lone = make_person(first_name="Lone", last_name="Ly", emails=[])
    engine.locate(lone)
    with CaptureQueriesContext(connection) as captured:
        scope = engine.locate(lone)
    read = {
        q["sql"].split(" FROM ", 1)[1].split()[0].strip('"')
        for q in captured.captured_queries
        if " FROM " in q["sql"] and " UNION " not in q["sql"]
    }
    engine_tables = {plan.model._meta.db_table for plan in engine.model_plans()}
    assert read & engine_tables == {"registry_person"}
    assert {located.label for located in scope.rows} == {"registry.Person"}


def test_an_own_message_whose_key_is_gone_reads_as_erased(customer):
    """The message history is read without model instances; a value whose
    key was shredded still reads as the erased placeholder does."""
    keys.shred(customer.person.pk, "crm", reason="test")
    export = services.export_person(actor=None, person=customer.person)
    own = next(
        i
        for i in export["items"]
        if i["model"] == "messaging.Message" and i["id"] == str(customer.own.pk)
    )
    subject = next(v for v in own["values"] if v["field"] == "subject")
    assert subject["value"] is None and subject["erased"] is True
    assert own["context"]["keyed_to"] == "person"


def test_an_erasure_asks_the_restriction_and_the_holds_once(customer):
    """The erasure's write services each ask the enforcement point (and the
    key shred the holds) again; inside the erasure's transaction, with the
    person locked, a clear answer is remembered (core.decisions), so each
    is one statement. A person's own messages and threads go without being
    read (core.rawdelete)."""
    _grow(customer, 2)
    with CaptureQueriesContext(connection) as captured:
        erasure.erasure_execute(
            actor=customer.officer, person=customer.person, reason="test"
        )
    sql = [q["sql"] for q in captured.captured_queries]
    restriction = (
        'FROM "restrictions_restriction" '
        'WHERE ("restrictions_restriction"."lifted_at" IS NULL'
    )
    assert sum(restriction in s for s in sql) == 1
    assert sum('FROM "billing_collectioncase"' in s for s in sql) == 1
    # The matrix is asked from ids alone: no value of a row is read for it.
    assert not any(
        s.startswith(
            'SELECT "registry_personemail"."id", "registry_personemail"."person_id", '
            '"registry_personemail"."email", '
        )
        for s in sql
    )
    assert not any(
        s.startswith('SELECT "messaging_message"."id", "messaging_message"."thread_id"')
        for s in sql
    )
    assert not Message.objects.filter(person=customer.person).exists()
    assert not Thread.objects.filter(person=customer.person).exists()
