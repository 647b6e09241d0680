"""An address in any spelling is one address in the register: stored in its
canonical form, found by search, refused as a duplicate (docs/security.md,
One form of an address)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from rekisteri.core.errors import ValidationFailed
from rekisteri.registry.models import PersonEmail, email_digest
from rekisteri.registry.selectors import search
from rekisteri.registry.services import email_owners, person_update
from rekisteri.testing import make_person, make_staff

pytestmark = pytest.mark.django_db

SPELLINGS = [
    "matti@pörssi.fi",
    "MATTI@xn--prssi-jua.fi",
    "Matti@XN--PRSSI-JUA.FI",
    "matti@po\u0308rssi.fi",  # decomposed ö
    "MATTI@PÖRSSI.FI",
    "matti@\uff50örssi.fi",  # a full-width p
]


@pytest.mark.parametrize("typed", SPELLINGS)
def test_a_person_is_found_by_every_spelling_of_the_address(typed):
    person = make_person(emails=[typed])
    (stored,) = person.emails.all()
    assert stored.email == "matti@pörssi.fi"
    assert stored.email_digest == email_digest("matti@pörssi.fi")
    staff = make_staff()
    for query in SPELLINGS:
        assert search(user=staff, q=query).persons == [person], query
        assert email_owners(stored.email) == {person.pk}


@pytest.mark.parametrize("second", SPELLINGS[1:])
def test_a_second_spelling_of_an_address_is_refused_as_taken(second):
    first = make_person(emails=["matti@pörssi.fi"])
    with pytest.raises(ValidationFailed) as exc:
        make_person(emails=[second])
    assert exc.value.fields["emails"][0][0] == "email_taken"
    other = make_person(emails=["toinen@example.fi"])
    with pytest.raises(ValidationFailed) as exc:
        person_update(actor=None, person=other, emails=[second])
    assert exc.value.fields["emails"][0][0] == "email_taken"
    # The same person keeps the address under any spelling: no change.
    person_update(actor=None, person=first, emails=[second])
    assert [e.email for e in first.emails.all()] == ["matti@pörssi.fi"]


def test_the_database_refuses_a_second_spelling_past_the_service():
    make_person(emails=["matti@xn--prssi-jua.fi"])
    other = make_person(emails=["muu@example.fi"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonEmail.objects.create(person=other, email="MATTI@po\u0308rssi.fi")


def test_a_domain_with_sharp_s_is_its_own_domain_and_is_found():
    """IDNA 2008 keeps ß (straße.de is not strasse.de); the blind index
    folds it to ss, and the query folds it alike."""
    strasse = make_person(emails=["anna@strasse.de"])
    strasse_sz = make_person(emails=["anna@xn--strae-oqa.de"])
    (stored,) = strasse_sz.emails.all()
    assert stored.email == "anna@straße.de"
    staff = make_staff()
    assert search(user=staff, q="ANNA@STRAßE.DE").persons == [strasse_sz]
    assert search(user=staff, q="anna@xn--strae-oqa.de").persons == [strasse_sz]
    assert search(user=staff, q="anna@strasse.de").persons == [strasse]


def test_a_search_s_audit_digest_is_one_for_every_spelling_of_an_address():
    from rekisteri.registry.auditing import query_digest

    spellings = [
        "matti@pörssi.fi",
        " MATTI@XN--PRSSI-JUA.FI ",
        "matti@po\u0308rssi.fi",
    ]
    assert len({query_digest(s) for s in spellings}) == 1
    assert query_digest("matti@pörssi.fi") != query_digest("matti@porssi.fi")
    # Other queries as before: trimmed and case-folded.
    assert query_digest(" Meikäläinen") == query_digest("MEIKÄLÄINEN ")
