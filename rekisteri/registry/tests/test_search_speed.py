"""The header search's compiled statements (docs/benchmarks.md): what they
return is what the ORM's queries return, the page's emails are read as
``prefetch_related`` leaves them, and a search makes a fixed number of
statements."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from rekisteri.core import keyring
from rekisteri.core.formats import search_key
from rekisteri.registry import sealing, selectors
from rekisteri.registry.models import Organization
from rekisteri.registry.selectors import prefix_q, search
from rekisteri.testing import business_id as make_business_id
from rekisteri.testing import make_org, make_person

from .test_selectors import reader

db = pytest.mark.django_db


@db
def test_a_results_emails_are_read_once_and_a_further_filter_keeps_to_the_person():
    user = reader()
    make_person(
        first_name="Outi",
        last_name="Lahtinen",
        emails=["outi@example.fi", "outi.lahtinen@example.fi"],
    )
    make_person(
        first_name="Olli",
        last_name="Lahtela",
        emails=["olli@example.fi", "olli.lahtela@example.fi"],
    )
    persons = search(user=user, q="laht").persons
    assert len(persons) == 2
    with CaptureQueriesContext(connection) as captured:
        shown = {p.first_name: [e.email for e in p.emails.all()] for p in persons}
    assert len(captured) == 0
    assert shown == {
        "Outi": ["outi@example.fi", "outi.lahtinen@example.fi"],
        "Olli": ["olli@example.fi", "olli.lahtela@example.fi"],
    }
    for person in persons:
        # Filtered anew: the deferred filter on the person is applied.
        others = list(person.emails.filter(is_primary=False))
        assert [e.person_id for e in others] == [person.pk]
        assert others[0].person is person  # known, not read again
        assert person.emails.count() == 2


@db
def test_an_exact_search_makes_its_fixed_statements():
    user = reader()
    for n in range(3):
        make_person(
            first_name="Aino",
            last_name=f"Aalto{n}",
            emails=[f"a{n}@x.fi"],
            phones=[f"+35840123456{n}"],
        )
    search(user=user, q="a0@x.fi")  # compiles
    with (
        CaptureQueriesContext(connection) as main,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        persons = search(user=user, q="A1@X.FI").persons
        assert [e.email for e in persons[0].emails.all()] == ["a1@x.fi"]
    assert [p.last_name for p in persons] == ["Aalto1"]
    # The persons through the index, their emails (which confirm the match
    # and are shown), and the reader's person scope; one read of the key
    # store.
    assert len(main) == 3, [q["sql"] for q in main]
    assert len(keys) == 1
    # A phone: the persons, their phones, the page's emails, the scope.
    with (
        CaptureQueriesContext(connection) as main,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        persons = search(user=user, q="040 123 4562").persons
    assert [p.last_name for p in persons] == ["Aalto2"]
    assert len(main) == 4, [q["sql"] for q in main]
    assert len(keys) == 1
    # An address that only a digest collision could share finds no one.
    assert search(user=user, q="a9@x.fi").persons == []


@db
def test_a_name_search_makes_its_fixed_statements():
    user = reader()
    for n in range(30):
        make_person(first_name="Eino", last_name=f"Korpela{n}")
    make_org(name="Korpelan Kone Oy")
    search(user=user, q="korp")
    with (
        CaptureQueriesContext(connection) as main,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        result = search(user=user, q="korp")
    assert len(result.persons) == 20 and result.more_persons
    assert [o.name for o in result.organizations] == ["Korpelan Kone Oy"]
    # Sole traders' index rows; organizations by prefix; persons by last
    # name (thirty, more than a page: first names would rank below them and
    # are not read); their emails; the person scope. The key store once,
    # for the persons.
    assert len(main) == 5, [q["sql"] for q in main]
    assert len(keys) == 1


@db
def test_a_page_of_sole_traders_is_one_statement():
    user = reader()
    traders = {
        make_org(
            name=f"Korpela Toiminimi {n}",
            business_id=make_business_id(4_000_000 + n * 7),
            sole_trader=True,
        ).pk
        for n in range(25)
    }
    make_person(first_name="Eino", last_name="Korpela")
    search(user=user, q="korp")
    with (
        CaptureQueriesContext(connection) as main,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        result = search(user=user, q="korp", limit=20)
    # Twenty of the twenty-five, opened and confirmed: the page is full.
    assert len(result.organizations) == 20
    assert {o.pk for o in result.organizations} <= traders
    assert [p.last_name for p in result.persons] == ["Korpela"]
    # The sole traders' page (their index rows in its subquery); companies
    # by prefix; persons by last name; first names (a page is not full);
    # their emails; the person scope. The key store for the sole traders
    # and for the persons.
    assert len(main) == 6, [q["sql"] for q in main]
    assert len(keys) == 2
    # Past the first page: the next rows of the same candidates.
    with keyring.ensure_scope():
        first = sealing.first_matching("korp", 10)
        more = list(sealing._matching("korp", 10))
    assert [o.pk for o in more[:10]] == [o.pk for o in first]
    assert {o.pk for o in more} == traders


@db
def test_first_names_are_read_when_a_page_is_not_full_of_last_names():
    user = reader()
    for n in range(15):
        make_person(first_name="Eino", last_name=f"Korpela{n}")
    for n in range(10):
        make_person(first_name="Korpi", last_name=f"Aho{n}")
    search(user=user, q="korp")
    with (
        CaptureQueriesContext(connection) as main,
        CaptureQueriesContext(connections["keys"]) as keys,
    ):
        result = search(user=user, q="korp")
    names = [p.last_name for p in result.persons]
    assert len(names) == 20 and result.more_persons
    assert all(n.startswith("Korpela") for n in names[:15])
    assert all(n.startswith("Aho") for n in names[15:])
    # Sole traders' index rows; organizations; last names; first names;
    # emails; person scope. The key store once, after both.
    assert len(main) == 6, [q["sql"] for q in main]
    assert len(keys) == 1

    # More than a page of last names: first names are not read, and the
    # page is what reading them too would give.
    for n in range(15, 25):
        make_person(first_name="Eino", last_name=f"Korpela{n}")
    with CaptureQueriesContext(connection) as main:
        result = search(user=user, q="korp")
    assert [p.last_name for p in result.persons] == sorted(
        (f"Korpela{n}" for n in range(25)), key=lambda n: n.lower()
    )[:20]
    assert result.more_persons
    assert len(main) == 5


def _by_orm(key, sealed, limit):
    return list(
        Organization.objects.filter(
            prefix_q("name_key", key) | Q(pk__in=sealed)
        ).order_by("name_key", "id")[:limit]
    )


@db
def test_organizations_by_name_are_the_orms_page():
    reader()
    for n in range(12):
        make_org(name=f"Alfa {n % 4} Oy")
        make_org(name=f"Beta {n} Oy")
    traders = [
        make_org(
            # Named against their customer numbers' order: the page is in
            # the name key column's order, which holds the pseudonym's.
            name=f"Alfa Toiminimi {4 - n}",
            business_id=make_business_id(2_000_000 + n * 7),
            sole_trader=True,
        )
        for n in range(5)
    ]
    every = Organization.objects.all()
    with keyring.ensure_scope():
        for text in ("alfa", "alfa 1", "alfa toim", "b", "beta 1", "gamma", "a"):
            sealed = sealing.matching_names(text)
            if text.startswith("alfa") and "1" not in text:
                assert set(sealed) == {t.pk for t in traders}
            for limit in (1, 3, 5, 20, 50):
                want = _by_orm(search_key(text), sealed, limit)
                got = selectors._organizations_by_name(every, text, limit)
                assert [o.pk for o in got] == [o.pk for o in want], (text, limit)
                # The sole traders of a page: the first of those that match,
                # in name order.
                first = sealing.first_matching(text, limit)
                assert [o.pk for o in first] == [
                    o.pk for o in _by_orm("\uffff", sealed, limit)
                ]
        # A filtered queryset is read as it is, through the ORM.
        scoped = Organization.objects.filter(sole_trader=False)
        got = selectors._organizations_by_name(scoped, "alfa", 50)
    assert got and all(not o.sole_trader for o in got)


@db
def test_a_query_of_many_words_is_answered():
    user = reader()
    make_person(first_name="Aaro Beeta Ceeta", last_name="Deeta")
    words = "aaro beeta ceeta deeta eeta feeta geeta heeta iita"
    assert search(user=user, q=words).persons == []
    assert [p.last_name for p in search(user=user, q=words[:22]).persons] == ["Deeta"]


@db
def test_an_organization_by_number_or_business_id_is_one_statement():
    user = reader()
    org = make_org(business_id=make_business_id(3_000_007))
    trader = make_org(
        name="Tmi Testi", business_id=make_business_id(3_000_014), sole_trader=True
    )
    search(user=user, q=org.customer_number)  # compiles
    search(user=user, q=org.business_id)
    for q, want in (
        (org.customer_number, org),
        (org.business_id, org),
        (org.business_id.replace("-", ""), org),
        (trader.business_id, trader),
    ):
        with CaptureQueriesContext(connection) as main:
            found = search(user=user, q=q).organizations
        assert [o.pk for o in found] == [want.pk], q
        assert len(main) == 1, [x["sql"] for x in main]
    # Through the ORM when the queryset filters: the same rows.
    scoped = Organization.objects.filter(sole_trader=False)
    assert selectors._organizations_with(
        scoped, "customer_number", org.customer_number, 20
    ) == [org]
    assert (
        selectors._organizations_with(
            scoped, sealing.DIGEST, sealing.digest(trader.business_id), 20
        )
        == []
    )
