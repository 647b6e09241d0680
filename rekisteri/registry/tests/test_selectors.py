"""Reads from the customer register: scope, not-found, keyset pages, search."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rekisteri.accounts.choices import StaffRole
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.registry import selectors
from rekisteri.registry.choices import OrganizationStatus, RoleKind
from rekisteri.registry.selectors import (
    SearchKind,
    organization_get,
    organization_list,
    organization_roles,
    person_get,
    person_list,
    prefix_range,
    search,
)
from rekisteri.registry.services import role_create, role_end
from rekisteri.testing import make_org, make_person, make_staff

db = pytest.mark.django_db

READERS = [
    StaffRole.SALES,
    StaffRole.CUSTOMER_SERVICE,
    StaffRole.BILLING,
    StaffRole.PRIVACY_OFFICER,
]
NON_READERS = [StaffRole.ADMINISTRATOR, StaffRole.AUDITOR]


def reader():
    # Sees every person (billing sees only billing contacts: test_person_scope).
    return make_staff(StaffRole.CUSTOMER_SERVICE)


def every_read(user, org, person):
    """Each selector once, as ``user``."""
    return [
        lambda: organization_list(user=user),
        lambda: organization_get(user=user, organization_id=org.id),
        lambda: organization_roles(user=user, organization=org),
        lambda: person_list(user=user),
        lambda: person_get(user=user, person_id=person.id),
        lambda: search(user=user, q="matti"),
        lambda: selectors.organization_queryset(user),
        lambda: selectors.person_queryset(user),
    ]


# --------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------


@db
@pytest.mark.parametrize("role", NON_READERS)
def test_roles_without_registry_view_are_forbidden(role):
    user = make_staff(role)
    org, person = make_org(), make_person()
    for read in every_read(user, org, person):
        with pytest.raises(Forbidden):
            read()


@db
def test_anonymous_and_inactive_users_are_forbidden():
    from django.contrib.auth.models import AnonymousUser

    inactive = make_staff(StaffRole.SALES)
    inactive.is_active = False
    inactive.save()
    org, person = make_org(), make_person()
    for user in (None, AnonymousUser(), inactive):
        for read in every_read(user, org, person):
            with pytest.raises(Forbidden):
                read()


@db
@pytest.mark.parametrize("role", READERS)
def test_reading_roles_can_view(role):
    user = make_staff(role)
    org = make_org(name="Näkyvä Oy")
    person = make_person(first_name="Matti", last_name="Näkyvä")
    # Billing sees the persons who are billing contacts (the person scope).
    kind = RoleKind.BILLING_CONTACT if role == StaffRole.BILLING else RoleKind.CONTACT
    role_create(actor=None, person=person, organization=org, kind=kind)
    assert organization_list(user=user).items == [org]
    assert organization_get(user=user, organization_id=str(org.id)) == org
    assert [r.person for r in organization_roles(user=user, organization=org)] == [
        person
    ]
    assert person_list(user=user).items == [person]
    got = person_get(user=user, person_id=person.id)
    assert got == person
    assert [r.organization for r in got.roles.all()] == [org]
    assert search(user=user, q="näkyvä").persons == [person]


# --------------------------------------------------------------------------
# Not found
# --------------------------------------------------------------------------


@db
@pytest.mark.parametrize(
    "bad_id",
    [
        uuid.UUID("4d1f3f0e-6c1b-4c52-9a57-0c3c8a4f2b11"),
        "9b2e0c5a-1f7d-4e8a-b3c6-5d9e2f1a7c40",
        "not-a-uuid",
        "",
        None,
        42,
        "1' OR 1",
    ],
)
def test_unknown_and_malformed_ids_are_not_found(bad_id):
    user = reader()
    make_org()
    make_person()
    with pytest.raises(NotFound):
        organization_get(user=user, organization_id=bad_id)
    with pytest.raises(NotFound):
        person_get(user=user, person_id=bad_id)


@db
def test_person_id_is_not_an_organization_id():
    user = reader()
    person = make_person()
    with pytest.raises(NotFound):
        organization_get(user=user, organization_id=person.id)


@db
@pytest.mark.parametrize("cursor", ["5e7a9c1d-2b3f-4a6e-8d0c-1f2e3a4b5c6d", "garbage"])
def test_unknown_cursor_is_not_found(cursor):
    user = reader()
    make_org()
    make_person()
    with pytest.raises(NotFound):
        organization_list(user=user, after=cursor)
    with pytest.raises(NotFound):
        person_list(user=user, after=cursor)


# --------------------------------------------------------------------------
# Keyset pagination
# --------------------------------------------------------------------------


def pages(fetch, limit: int) -> list[list]:
    result, cursor = [], None
    while True:
        page = fetch(after=cursor, limit=limit)
        result.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return result
        assert len(page.items) == limit


@db
def test_organization_list_pages_through_60_with_a_status_filter():
    user = reader()
    statuses = list(OrganizationStatus)
    orgs = []
    for i in range(60):
        # Repeated names (ties broken by id), mixed case and Finnish letters.
        name = ["Alfa Oy", "alfa oy", "Ääkkönen Ky", "Beta Ab", "Öljy Oy", "Zeta"][
            i % 6
        ] + ("" if i % 4 else f" {i}")
        orgs.append(make_org(name=name, status=statuses[i % 3]))

    expected = sorted(orgs, key=lambda o: (o.name_key, o.id))
    got = pages(lambda **kw: organization_list(user=user, **kw), limit=7)
    flat = [o.id for page in got for o in page]
    assert flat == [o.id for o in expected]
    assert len(got) == 9  # 8 full pages and 4 left over

    for status in statuses:
        want = [o.id for o in expected if o.status == status]
        got = pages(
            lambda status=status, **kw: organization_list(
                user=user, status=status, **kw
            ),
            limit=6,
        )
        flat = [o.id for page in got for o in page]
        assert flat == want
        assert len(set(flat)) == 20


@db
def test_organization_list_filters_and_limits():
    user = reader()
    make_org(name="Virtanen Tmi", sole_trader=True)
    company = make_org(name="Virta Oy")
    make_org(name="Korhonen Oy")
    # A sole trader's name is sealed: found through its blind index and
    # listed under its pseudonym ("[customer number]"), before the names.
    assert [o.name for o in organization_list(user=user, name_prefix="VIRT").items] == [
        "Virtanen Tmi",
        "Virta Oy",
    ]
    assert organization_list(user=user, sole_trader=False, name_prefix="vir").items == [
        company
    ]
    assert len(organization_list(user=user, status="bogus").items) == 3
    page = organization_list(user=user, limit=2)
    assert len(page.items) == 2 and page.next_cursor == str(page.items[-1].id)
    assert organization_list(user=user, limit=3).next_cursor is None


@db
def test_person_list_pages_through_60():
    user = reader()
    lasts = ["Virtanen", "virtanen", "Äijälä", "Korhonen", "Öhman", "Åberg"]
    firsts = ["Matti", "Maija", "Åke"]
    persons = [
        make_person(
            first_name=firsts[i % 3], last_name=lasts[i % 6], emails=[f"p{i}@ex.fi"]
        )
        for i in range(60)
    ]
    # Names are encrypted: the list is newest first, by (created_at, id).
    expected = sorted(persons, key=lambda p: (p.created_at, p.id), reverse=True)
    got = pages(lambda **kw: person_list(user=user, **kw), limit=8)
    flat = [p.id for page in got for p in page]
    assert flat == [p.id for p in expected]
    assert len(set(flat)) == 60


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


@db
def test_search_by_email_is_case_insensitive():
    user = reader()
    person = make_person(emails=["matti.virtanen@example.fi"])
    make_person(emails=["other@example.fi"])
    for q in ["matti.virtanen@example.fi", " Matti.Virtanen@EXAMPLE.fi "]:
        result = search(user=user, q=q)
        assert result.kind == SearchKind.EMAIL
        assert result.persons == [person]
    assert search(user=user, q="matti@").persons == []


@db
@pytest.mark.parametrize(
    "q", ["040 123 4567", "0401234567", "+358 40 123 4567", "+358401234567"]
)
def test_search_by_phone_in_national_and_e164_forms(q):
    user = reader()
    person = make_person(phones=["040-123 4567", "09 123 4567"])
    make_person(phones=["050 123 4567"])
    result = search(user=user, q=q)
    assert result.kind == SearchKind.PHONE
    assert result.persons == [person]


@db
def test_search_by_customer_number():
    user = reader()
    org = make_org()
    make_org()
    result = search(user=user, q=org.customer_number)
    assert result.kind == SearchKind.CUSTOMER_NUMBER
    assert result.organizations == [org]


@db
@pytest.mark.parametrize("q", ["0112038-9", "01120389", " 0112038-9 "])
def test_search_by_business_id_with_and_without_hyphen(q):
    user = reader()
    org = make_org(business_id="0112038-9", name="Nokia Oyj")
    make_org()
    result = search(user=user, q=q)
    assert result.kind == SearchKind.BUSINESS_ID
    assert result.organizations == [org]


@db
def test_search_by_legacy_six_digit_business_id():
    user = reader()
    org = make_org(business_id="0112038-9")
    assert search(user=user, q="112038-9").organizations == [org]


@db
def test_search_by_organization_name_prefix():
    user = reader()
    a = make_org(name="Ääkkönen Ky")
    b = make_org(name="ÄÄNI OY")
    make_org(name="Aalto Oy")
    assert search(user=user, q="ää").organizations == [a, b]
    assert search(user=user, q="ÄÄN").organizations == [b]
    assert search(user=user, q="ääni oy").organizations == [b]
    result = search(user=user, q="aal")
    assert result.kind == SearchKind.NAME
    assert [o.name for o in result.organizations] == ["Aalto Oy"]


@db
def test_search_by_person_names():
    user = reader()
    matti = make_person(first_name="Matti", last_name="Virtanen")
    maija = make_person(first_name="Maija", last_name="Virtala")
    ville = make_person(first_name="Ville", last_name="Mattila")
    make_person(first_name="Kalle", last_name="Korhonen")

    def names(q):
        return [p.full_name for p in search(user=user, q=q).persons]

    assert names("virt") == ["Maija Virtala", "Matti Virtanen"]  # last names
    assert set(names("mat")) == {"Matti Virtanen", "Ville Mattila"}
    # Last-name matches come first, then first-name matches.
    assert names("mat") == [ville.full_name, matti.full_name]
    assert names("maij") == [maija.full_name]  # first name
    assert names("matti vir") == [matti.full_name]  # two tokens
    assert names("virtanen m") == [matti.full_name]
    assert names("MATTI VIR") == [matti.full_name]
    assert names("vir kalle") == []


@db
def test_two_word_search_finds_a_rare_pair_behind_a_common_word(monkeypatch):
    """Every indexed word is matched in the index, not after a capped read.

    With a window of four candidates and thirty Virtanens, reading the
    common word's subjects and filtering them afterwards would usually miss
    the one Matti; the index intersection finds him whatever the order.
    """
    monkeypatch.setattr(selectors, "NAME_WINDOW", 1)
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 4)
    user = reader()
    for i in range(30):
        make_person(first_name=f"Aapo{chr(97 + i % 26)}", last_name="Virtanen")
    matti = make_person(first_name="Matti", last_name="Virtanen")
    for i in range(30):
        make_person(first_name="Matti", last_name=f"Korhonen{chr(97 + i % 26)}")

    def found(q, limit=4):
        return search(user=user, q=q, limit=limit)

    for q in ("virtanen matti", "matti virtanen", "VIRT MATT", "mat virtanen"):
        result = found(q)
        assert result.persons == [matti], q
        assert not result.more_persons, q
    # A common word alone fills the page and says there is more.
    common = found("virtanen")
    assert len(common.persons) == 4
    assert all(p.last_name == "Virtanen" for p in common.persons)
    assert common.more_persons
    # A one-letter word is not indexed as a prefix: it can only be checked
    # after decryption, so such a query reads the wider window.
    monkeypatch.setattr(selectors, "NAME_CANDIDATES", 40)
    assert found("virtanen m").persons == [matti]


@db
def test_name_search_ranks_last_name_matches_first_and_sorts_them():
    user = reader()
    firsts = [make_person(first_name="Matias", last_name=f"Aho{c}") for c in "cba"]
    lasts = [make_person(first_name="Eero", last_name=f"Matikainen{c}") for c in "ba"]
    result = search(user=user, q="mati", limit=4)
    assert result.persons == [lasts[1], lasts[0], firsts[2], firsts[1]]
    assert result.more_persons
    assert not search(user=user, q="mati", limit=5).more_persons


@db
def test_search_names_with_finnish_letters():
    user = reader()
    aijala = make_person(first_name="Åsa", last_name="Äijälä")
    ohman = make_person(first_name="Örjan", last_name="Öhman")
    make_person(first_name="Aino", last_name="Aaltonen")
    assert search(user=user, q="äij").persons == [aijala]
    assert search(user=user, q="ÄIJÄ").persons == [aijala]
    assert search(user=user, q="öhm").persons == [ohman]
    assert search(user=user, q="örj").persons == [ohman]
    assert search(user=user, q="åsa äij").persons == [aijala]
    assert search(user=user, q="aal").persons[0].last_name == "Aaltonen"
    assert aijala not in search(user=user, q="aal").persons
    # Prefixes are indexed from three characters: shorter ones match only a
    # whole short name, which keeps the index small and leaks less.
    assert search(user=user, q="öh").persons == []


@db
def test_search_empty_and_limit():
    user = reader()
    for _ in range(5):
        make_person(last_name="Sama")
    assert search(user=user, q="   ").kind == SearchKind.EMPTY
    assert search(user=user, q="   ").count == 0
    assert len(search(user=user, q="sama", limit=3).persons) == 3


@db
def test_organization_roles_list_current_ones_first():
    user = reader()
    org = make_org()
    old = make_person(last_name="Aalto")
    current = make_person(last_name="Ylinen")
    today = timezone.localdate()
    role = role_create(
        actor=None,
        person=old,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    role_end(actor=None, role=role, end_date=today - dt.timedelta(days=1))
    role_create(actor=None, person=current, organization=org, kind="contact")
    persons = [r.person for r in organization_roles(user=user, organization=org)]
    assert persons == [current, old]  # not alphabetical: current first


# --------------------------------------------------------------------------
# prefix_range
# --------------------------------------------------------------------------


def in_range(lo: str, hi: str | None, s: str) -> bool:
    return lo <= s and (hi is None or s < hi)


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(min_size=1, max_size=6), s=st.text(max_size=8))
@example(prefix="vir", s="virtanen")
@example(prefix="vir", s="vis")
@example(prefix="ä", s="å")
@example(prefix="\U0010ffff", s="\U0010ffff")
@example(prefix="a\U0010ffff", s="a\U0010ffffb")
@example(prefix="a\U0010ffff", s="b")
def test_prefix_range_is_exactly_startswith(prefix, s):
    lo, hi = prefix_range(prefix)
    assert in_range(lo, hi, s) == s.startswith(prefix)
    assert in_range(lo, hi, prefix)
    assert in_range(lo, hi, prefix + s)
