"""The batch erasure (erasure_execute_many) is the single erasure, many at a
time: the same rows left, the same receipts, the same refusals
(docs/rights.md, Erasure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.audit.models import AuditEvent
from rekisteri.contracts.models import ContractParty
from rekisteri.contracts.services import (
    contract_create,
    contract_party_add,
    product_create,
)
from rekisteri.core import holds
from rekisteri.core.errors import Conflict
from rekisteri.keystore import keys
from rekisteri.keystore.models import DataKey, ErasureEntry
from rekisteri.messaging import services as messaging
from rekisteri.messaging.choices import Channel, Direction, ParticipantRole
from rekisteri.messaging.models import Message, MessageParticipant, Thread
from rekisteri.messaging.services import AttachmentIn, ParticipantIn
from rekisteri.registry.models import PersonEmail, PersonPhone, Role
from rekisteri.registry.services import role_create
from rekisteri.restrictions import services as restrictions
from rekisteri.rights import erasure, services
from rekisteri.rights.models import ErasureReceipt
from rekisteri.testing import make_org, make_person
from rekisteri.testing.billing import make_invoice

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class World:
    org: Any
    people: list[Any]
    shared: Any


def build(tag: str) -> World:
    """An organization and three people: one with a bit of everything, two
    who share a message with her."""
    org = make_org(name=f"Asiakas {tag} Oy")
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "00100",
        "Espoo",
    )
    org.save()
    anna = make_person(
        first_name="Anna",
        last_name=f"Aalto{tag}",
        emails=[f"anna.{tag}@asiakas.fi"],
        phones=["040 123 4567"],
        street="Annankatu 1",
        postal_code="00100",
        city="Helsinki",
    )
    ben = make_person(
        first_name="Ben", last_name=f"Berg{tag}", emails=[f"ben.{tag}@asiakas.fi"]
    )
    cay = make_person(first_name="Cay", last_name=f"Carl{tag}")
    for p in (anna, ben, cay):
        role_create(
            actor=None,
            person=p,
            organization=org,
            kind="contact",
            start_date=dt.date(2025, 1, 1),
            title="Ostaja",
        )
    role_create(
        actor=None,
        person=anna,
        organization=org,
        kind="billing_contact",
        start_date=dt.date(2025, 1, 1),
    )
    make_invoice(organization=org, contact=anna, invoice_date=dt.date(2026, 1, 15))
    contract = contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code=f"P{tag}", name="CRM"),
        start_date=dt.date(2025, 1, 1),
    )
    contract_party_add(actor=None, contract=contract, person=anna, kind="signatory")
    with keys.ensure_scope():
        shared = messaging.message_store(
            actor=None,
            organization=org,
            person=None,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            occurred_at=NOW,
            subject="Sopimus",
            body="Terveisin",
            headers=(
                f"From: Anna Aalto{tag} <anna.{tag}@asiakas.fi>\n"
                f"To: Ben Berg{tag} <ben.{tag}@asiakas.fi>\nCc: Cay Carl{tag}"
            ),
            participants=[
                ParticipantIn(
                    role=ParticipantRole.FROM,
                    person=anna,
                    address=f"anna.{tag}@asiakas.fi",
                    display_name=f"Anna Aalto{tag}",
                ),
                ParticipantIn(
                    role=ParticipantRole.TO,
                    person=None,  # unmatched: found by Ben's address
                    address=f"ben.{tag}@asiakas.fi",
                ),
                ParticipantIn(role=ParticipantRole.CC, person=cay, address="Cay"),
            ],
        )
    messaging.message_create(
        actor=None,
        person=anna,
        channel="phone",
        direction="in",
        occurred_at=NOW,
        subject="Soitto",
        body="Anna soitti",
        attachments=[AttachmentIn("muistio.txt", b"muistiinpano")],
    )
    return World(org, [anna, ben, cay], shared)


def left(person: Any) -> dict[str, int]:
    """What remains of a person's rows, kind by kind."""
    return {
        "roles": Role.objects.filter(person=person).count(),
        "parties": ContractParty.objects.filter(person=person).count(),
        "emails": PersonEmail.objects.filter(person=person).count(),
        "phones": PersonPhone.objects.filter(person=person).count(),
        "participants": MessageParticipant.objects.filter(person=person).count(),
        "own_messages": Message.objects.filter(person=person).count(),
        "threads": Thread.objects.filter(person=person).count(),
    }


def comparable(receipt: dict[str, Any]) -> dict[str, Any]:
    return {k: receipt[k] for k in ("counts", "kept", "already_erased", "case_ref")}


@pytest.mark.django_db
def test_a_batch_erases_as_the_single_erasures_do():
    one_by_one = build("a")
    batch = build("b")
    singles = [
        erasure.erasure_execute(actor=None, person=p, reason="r", case_ref="REF-1")
        for p in one_by_one.people
    ]
    done = erasure.erasure_execute_many(
        actor=None, persons=batch.people, reason="r", case_ref="REF-1"
    )
    assert not done.skipped
    for single, p_single, p_batch in zip(
        singles, one_by_one.people, batch.people, strict=True
    ):
        assert comparable(done.receipts[p_batch.pk]) == comparable(single)
        assert left(p_batch) == left(p_single)
        assert keys.is_destroyed(p_batch.pk, "crm")
        export = services.export_person(actor=None, person=p_batch)
        assert export["erasure"]["erased"] is True
    assert ErasureReceipt.objects.count() == 6
    for world, tag in ((one_by_one, "a"), (batch, "b")):
        shared = Message.objects.get(pk=world.shared.pk)
        with keys.ensure_scope():
            headers = str(shared.headers)
        for gone in (f"anna.{tag}@", f"ben.{tag}@", f"Aalto{tag}", f"Carl{tag}"):
            assert gone not in headers
        assert not MessageParticipant.objects.filter(message=shared).exists()
    # One ledger entry per person, as a single shred leaves.
    assert (
        ErasureEntry.objects.using("keys")
        .filter(subject_id__in=[p.pk for p in batch.people])
        .count()
        == 3
    )


@pytest.mark.django_db
def test_a_batch_takes_a_fixed_number_of_queries():
    small = build("s")
    big = [build(tag) for tag in "xyz"]
    with CaptureQueriesContext(connection) as one:
        erasure.erasure_execute_many(actor=None, persons=small.people, reason="r")
    with CaptureQueriesContext(connection) as three:
        erasure.erasure_execute_many(
            actor=None, persons=[p for w in big for p in w.people], reason="r"
        )
    # Three times the persons: not three times the queries (the per-row
    # signal work of the deleted rows and per-message header writes aside).
    assert len(three) < 1.6 * len(one), (len(one), len(three))


@pytest.mark.django_db
def test_held_and_restricted_persons_are_skipped_with_their_reasons():
    world = build("h")
    anna, ben, cay = world.people
    erased_before = make_person(first_name="Eero", last_name="Ennen")
    first = erasure.erasure_execute(actor=None, person=erased_before, reason="r")
    restrictions.restriction_place(actor=None, person=ben, reason="Kiista")
    holds.register(
        "test.batch",
        lambda pid: [holds.Hold("open_case", "An open case.")] if pid == cay.pk else [],
    )
    try:
        done = erasure.erasure_execute_many(
            actor=None, persons=[anna, ben, cay, erased_before], reason="r"
        )
    finally:
        holds.unregister("test.batch")
    assert set(done.receipts) == {anna.pk, erased_before.pk}
    assert done.receipts[anna.pk]["already_erased"] is False
    assert done.receipts[erased_before.pk]["already_erased"] is True
    assert done.receipts[erased_before.pk]["receipt"] == first["receipt"]
    assert done.skipped[ben.pk].code == "restricted"
    assert done.skipped[cay.pk].code == "legal_hold"
    assert "An open case." in done.skipped[cay.pk].message
    assert [h.code for h in done.holds[cay.pk]] == ["open_case"]
    assert keys.is_destroyed(anna.pk, "crm")
    for kept in (ben, cay):
        assert not keys.is_destroyed(kept.pk, "crm")
        assert Role.objects.filter(person=kept).exists()
        assert not ErasureReceipt.objects.filter(subject_id=kept.pk).exists()
    denied = AuditEvent.objects.filter(
        action="rights.erase", outcome="denied", subject_id=cay.pk
    )
    assert [e.details["holds"] for e in denied] == [["open_case"]]
    # The single erasure raises what the batch reports.
    with pytest.raises(Conflict) as exc:
        erasure.erasure_execute(actor=None, person=ben, reason="r")
    assert exc.value.code == "restricted"


@pytest.mark.django_db
def test_a_key_store_shred_of_many_leaves_what_single_shreds_leave():
    live, never, gone = (make_person(first_name=n, last_name="K") for n in "ABC")
    keys.shred(gone.pk, "crm", reason="before")
    never_id = never.pk
    DataKey.objects.using("keys").filter(subject_id=never_id).delete()
    destroyed = keys.shred_many([live.pk, never_id, gone.pk], "crm", reason="batch")
    assert destroyed == {live.pk}
    for pid in (live.pk, never_id, gone.pk):
        assert keys.is_destroyed(pid, "crm")
    entries = ErasureEntry.objects.using("keys").filter(reason="batch")
    assert entries.count() == 3


@pytest.mark.django_db
def test_a_batch_runs_with_the_cyclic_collector_paused(monkeypatch):
    """Its objects are freed by reference counting; the collector runs
    again once the batch is written, and after a failure too."""
    import gc

    world = build("g")
    seen: list[bool] = []
    real = erasure._execute_many

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(erasure, "_execute_many", spy)
    assert gc.isenabled()
    erasure.erasure_execute_many(actor=None, persons=world.people, reason="r")
    assert seen == [False]
    assert gc.isenabled()

    def fail(*args, **kwargs):
        seen.append(gc.isenabled())
        raise RuntimeError("boom")

    monkeypatch.setattr(erasure, "_execute_many", fail)
    with pytest.raises(RuntimeError):
        erasure.erasure_execute_many(actor=None, persons=[make_person()], reason="r")
    assert seen == [False, False]
    assert gc.isenabled()
