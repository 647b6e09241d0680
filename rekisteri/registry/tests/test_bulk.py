"""The bulk path for list imports writes what the single services write."""

from __future__ import annotations

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.contracts.models import RelationshipEnd
from rekisteri.core import blindindex
from rekisteri.core.errors import Forbidden
from rekisteri.core.models import BlindIndex
from rekisteri.keystore import keys
from rekisteri.registry import bulk, selectors
from rekisteri.registry import services as registry
from rekisteri.registry.models import Person, PersonEmail, PersonPhone, Role
from rekisteri.restrictions import suppression
from rekisteri.restrictions.models import SuppressedContact, SuppressionMatch
from rekisteri.retention import services as retention
from rekisteri.testing import make_org, make_person, make_staff

pytestmark = pytest.mark.django_db


def _contact(org, n: int, **kw) -> bulk.NewContact:
    values = dict(
        first_name=f"Liisa{n}",
        last_name=f"Listanen{n}",
        email=f"liisa{n}@example.fi",
        phone=f"+35840555{n:04d}",
        organization=org,
        title="Ostaja",
    )
    values.update(kw)
    return bulk.NewContact(**values)


def _index_of(person_id) -> set[int]:
    return set(
        BlindIndex.objects.filter(subject_id=person_id).values_list("key", flat=True)
    )


def test_a_batch_reads_back_like_persons_made_one_by_one(
    django_capture_on_commit_callbacks, monkeypatch
):
    recomputed: list = []
    real = retention.recompute_persons
    monkeypatch.setattr(
        retention,
        "recompute_persons",
        lambda ids: recomputed.extend(ids) or real(ids),
    )
    with django_capture_on_commit_callbacks(execute=True):
        # Inside: the organization's own write schedules the one flush.
        org = make_org(name="Lista Oy")
        result = bulk.contacts_create(
            actor=None,
            contacts=[_contact(org, n) for n in range(3)],
            source="fonecta",
        )
    assert sorted(result.created) == [0, 1, 2] and not result.refused
    person = Person.objects.get(pk=result.created[1].pk)
    with keys.ensure_scope():
        assert (person.first_name, person.last_name) == ("Liisa1", "Listanen1")
        assert [e.email for e in person.emails.all()] == ["liisa1@example.fi"]
        assert [p.number for p in person.phones.all()] == ["+358405550001"]
        role = Role.objects.get(person=person)
        assert (role.organization_id, role.kind, role.title) == (
            org.pk,
            "contact",
            "Ostaja",
        )
    assert person.name_provenance.source.code == "fonecta"
    assert PersonEmail.objects.get(person=person).provenance == person.name_provenance
    # The blind index holds exactly what the save signal would write.
    written = _index_of(person.pk)
    for model in (Person, PersonEmail, PersonPhone):
        blindindex._reindex_subject(model, person.pk)
    assert _index_of(person.pk) == written and written
    assert registry.email_owners("liisa1@example.fi") == {person.pk}
    found = selectors.search(user=make_staff(StaffRole.SALES), q="listanen1")
    assert [p.pk for p in found.persons] == [person.pk]
    # The listeners heard of the roles: retention dates and relationship end.
    assert set(recomputed) == {p.pk for p in result.created.values()}
    assert RelationshipEnd.objects.filter(organization=org).exists()
    event = AuditEvent.objects.get(action="person.create", subject_id=person.pk)
    assert "roles" in event.fields and event.details["role"] == str(role.pk)


def test_an_item_that_fails_is_left_out_and_the_others_go_on():
    org = make_org(name="Lista Oy")
    make_person(first_name="Jo", last_name="Olemassa", emails=["liisa1@example.fi"])
    result = bulk.contacts_create(
        actor=None,
        contacts=[
            _contact(org, 0),
            _contact(org, 1),  # the address belongs to someone
            _contact(org, 2, first_name=""),  # the service needs a first name
        ],
        source="fonecta",
    )
    assert sorted(result.created) == [0]
    assert sorted(result.refused) == [1, 2]
    assert Person.objects.count() == 2


def test_the_batch_is_refused_before_anything_is_written():
    org = make_org(name="Lista Oy")
    before = (Person.objects.count(), BlindIndex.objects.count())
    with pytest.raises(Forbidden):
        bulk.contacts_create(
            actor=make_staff(StaffRole.AUDITOR),
            contacts=[_contact(org, 0)],
            source="fonecta",
        )
    assert (Person.objects.count(), BlindIndex.objects.count()) == before


def test_the_suppression_listener_hears_of_the_batch():
    org = make_org(name="Lista Oy")
    SuppressedContact.objects.create(
        kind="email", digest=suppression.digest("email", "liisa1@example.fi")
    )
    result = bulk.contacts_create(
        actor=None, contacts=[_contact(org, n) for n in range(3)], source="fonecta"
    )
    flagged = set(SuppressionMatch.objects.values_list("person_id", flat=True))
    assert flagged == {result.created[1].pk}


def test_owners_of_many_addresses_in_one_go():
    a = make_person(first_name="A", last_name="A", emails=["a@example.fi"])
    make_person(first_name="B", last_name="B", phones=["+358401234567"])
    owners = bulk.email_owners_many(["a@example.fi", "x@example.fi"])
    assert owners == {"a@example.fi": {a.pk}, "x@example.fi": set()}
    phones = bulk.phone_owners_many(["+358401234567"])
    assert len(phones["+358401234567"]) == 1
