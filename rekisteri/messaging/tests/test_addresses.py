"""The persons' own addresses, read for the message history's erasure."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from rekisteri.core import keyring
from rekisteri.messaging import erasure
from rekisteri.messaging.models import MessageParticipant
from rekisteri.registry.models import PersonEmail, PersonPhone
from rekisteri.registry.services import person_shred
from rekisteri.testing import make_person


@pytest.mark.django_db
def test_addresses_are_read_as_values_and_opened_as_the_attribute_would():
    anna = make_person(emails=["Anna@Example.fi"], phones=["+358401234567"])
    ben = make_person(emails=["ben@example.fi", "ben.b@example.fi"])
    gone = make_person(emails=["gone@example.fi"])
    person_shred(actor=None, person=gone, reason="test")
    with keyring.ensure_scope():
        found = erasure.person_addresses_many([anna, ben, gone])
    expected = {
        p.pk: {str(e.email) for e in PersonEmail.objects.filter(person=p)}
        | {str(n.number) for n in PersonPhone.objects.filter(person=p)}
        for p in (anna, ben)
    }
    assert found[anna.pk] == expected[anna.pk]
    assert len(found[anna.pk]) == 2
    assert found[ben.pk] == {"ben@example.fi", "ben.b@example.fi"}
    # An erased person's addresses read as placeholders: none to match.
    assert found[gone.pk] == set()


def test_a_column_not_sealed_under_its_person_s_key_is_refused():
    assert erasure._owned_by_person(PersonEmail, "email").name == "email"
    with pytest.raises(ImproperlyConfigured):
        erasure._owned_by_person(MessageParticipant, "address")
