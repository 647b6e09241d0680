"""Reads from the customer register.

Every selector takes the user and returns only what that user may see; an
object outside their scope raises :class:`NotFound`, indistinguishable from a
missing one. Search never puts the query into a URL or a log line. The
protection layer later swaps the plain search keys for blind indexes behind
these functions; callers do not change.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONArray

from rekisteri.access.selectors import person_scope
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core import blindindex, compiled, formats, idlist, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.conf import setting
from rekisteri.core.crypto import blind
from rekisteri.core.errors import Forbidden, NotFound
from rekisteri.core.ids import as_uuid
from rekisteri.core.jsonrows import JSONRows, row_columns, row_instance, rows_of
from rekisteri.core.models import BlindIndex
from rekisteri.core.paging import Page
from rekisteri.registry import extensions, sealing
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
)


def _require_view(user: Any) -> None:
    if not has_perm(user, Perm.REGISTRY_VIEW):
        raise Forbidden()


_MAX_CHAR = chr(0x10FFFF)


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """``[prefix, upper)`` covering every string that starts with ``prefix``
    under code-point order (see SearchKeyField).

    ``upper`` increments the last character that has a successor (trailing
    U+10FFFF characters have none). When no character has one, the prefix is
    all U+10FFFF and ``upper`` is None: there is no upper bound.
    """
    stem = prefix.rstrip(_MAX_CHAR)
    if not stem:
        return prefix, None
    return prefix, stem[:-1] + chr(ord(stem[-1]) + 1)


def prefix_q(field_name: str, prefix: str) -> Q:
    """A range filter on ``field_name`` for keys starting with ``prefix``."""
    lo, hi = prefix_range(prefix)
    q = Q(**{f"{field_name}__gte": lo})
    if hi is not None:
        q &= Q(**{f"{field_name}__lt": hi})
    return q


# --------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------


def organization_queryset(user: Any) -> QuerySet[Organization]:
    _require_view(user)
    return Organization.objects.all()


def organization_list(
    *,
    user: Any,
    status: str | None = None,
    sole_trader: bool | None = None,
    name_prefix: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> Page:
    """Organizations by name, ``limit`` at a time after the cursor row.

    The cursor is the id of the last row shown, not its name: the name of a
    sole trader is personal data and must not travel in a URL.
    """
    limit = min(limit or setting("REKISTERI_PAGE_SIZE"), 200)
    qs = organization_queryset(user)
    if status in OrganizationStatus.values:
        qs = qs.filter(status=status)
    if sole_trader is not None:
        qs = qs.filter(sole_trader=sole_trader)
    if name_prefix:
        key = formats.search_key(name_prefix)
        if key:
            # A sole trader's name is sealed: its blind index finds it
            # (registry/sealing.py); it is listed under its pseudonym's key.
            with keyring.ensure_scope():
                sealed = sealing.matching_names(name_prefix)
            qs = qs.filter(prefix_q("name_key", key) | Q(pk__in=sealed))
    if after:
        anchor = (
            Organization.objects.filter(pk=as_uuid(after))
            .values_list("name_key", "id")
            .first()
        )
        if anchor is None:
            raise NotFound()
        qs = qs.filter(
            Q(name_key__gt=anchor[0]) | Q(name_key=anchor[0], id__gt=anchor[1])
        )
    rows = list(qs.order_by("name_key", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    sealing.prefetch_keys(rows)  # into the request's key scope, if one is open
    return Page(rows, str(rows[-1].id) if more and rows else None)


def organization_get(*, user: Any, organization_id: Any) -> Organization:
    try:
        return organization_queryset(user).get(pk=as_uuid(organization_id))
    except Organization.DoesNotExist:
        raise NotFound() from None


def organization_roles(*, user: Any, organization: Organization) -> list[Role]:
    """Roles at an organization with their persons, current ones first."""
    _require_view(user)
    roles = (
        Role.objects.filter(organization=organization, person__in=person_queryset(user))
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "person__emails", queryset=PersonEmail.objects.order_by("-is_primary")
            ),
            Prefetch(
                "person__phones", queryset=PersonPhone.objects.order_by("-is_primary")
            ),
        )
        .order_by("end_date", "kind")
    )
    rows = list(roles)
    with keyring.ensure_scope():
        keyring.prefetch({r.person_id for r in rows}, KeyClass.CRM)
        # Names are encrypted: sorted here, after decryption.
        rows.sort(key=lambda r: (not r.is_current, r.person.sort_key, r.kind))
    return rows


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def person_queryset(user: Any) -> QuerySet[Person]:
    """The persons ``user`` may see: everyone, or for a role the matrix
    scopes (billing), those who hold or held a role of the given kinds."""
    _require_view(user)
    kinds = person_scope(user)
    if kinds is None:
        return Person.objects.all()
    return Person.objects.filter(
        pk__in=Role.objects.filter(kind__in=sorted(kinds)).values("person_id")
    )


_SOURCE = ("provenance__source", "provenance__import_batch")


# The person page reads the person's emails and phones in the person's own
# query, each with its provenance, the provenance's source and import batch
# (and the batch's source, which names it): whole rows as JSON, sealed
# values hex-encoded and still sealed (docs/benchmarks.md, the person page).
_CONTACT_ROWS = {"emails": "registry_email_rows", "phones": "registry_phone_rows"}
_PROVENANCE_CHAIN = (
    (Provenance, "provenance__"),
    (DataSource, "provenance__source__"),
    (ImportBatch, "provenance__import_batch__"),
    (DataSource, "provenance__import_batch__source__"),
)


def _contact_rows(model: Any) -> Subquery:
    columns = row_columns(model)
    for related, prefix in _PROVENANCE_CHAIN:
        columns += row_columns(related, prefix)
    return Subquery(
        model.objects.filter(person_id=OuterRef("pk"))
        .order_by()
        .values("person_id")
        .annotate(rows=JSONRows(JSONArray(*columns)))
        .values("rows")[:1]
    )


def _contacts_from_rows(person: Person) -> None:
    """The emails and phones of the person's own query as if prefetched
    with their provenance: ``person.emails.all()`` reads them, in the
    models' order (primary first, then oldest), with no query."""
    db = person._state.db
    for name, model in (("emails", PersonEmail), ("phones", PersonPhone)):
        rows = []
        for values in rows_of(person.__dict__.pop(_CONTACT_ROWS[name])):
            row, rest = row_instance(model, values, db)
            provenance, rest = row_instance(Provenance, rest, db)
            source, rest = row_instance(DataSource, rest, db)
            batch, rest = row_instance(ImportBatch, rest, db)
            batch_source, _ = row_instance(DataSource, rest, db)
            if batch is not None:
                ImportBatch.source.field.set_cached_value(batch, batch_source)
            if provenance is not None:
                Provenance.source.field.set_cached_value(provenance, source)
                Provenance.import_batch.field.set_cached_value(provenance, batch)
            model.provenance.field.set_cached_value(row, provenance)
            model.person.field.set_cached_value(row, person)
            rows.append(row)
        rows.sort(key=lambda r: (not r.is_primary, r.created_at, str(r.pk)))
        _as_prefetched(person, name, rows)


def _as_prefetched(person: Person, name: str, rows: list[Any]) -> None:
    """``person.<name>.all()`` reads ``rows``, with no query: as
    prefetch_related would leave them (django.db.models.query,
    prefetch_one_level).

    The queryset is the one the related manager would give, its filter on
    the person deferred until something filters or reads it anew (as the
    related manager defers it, ``QuerySet._deferred_filter``), made from the
    default manager without a related manager per person: for a page of
    twenty search results that cost 0.6 ms, this about 0.1 ms.
    registry/tests/test_search_speed.py holds that a further filter still
    keeps to the person.
    """
    field = Person._meta.get_field(name).field
    manager = field.model._default_manager.db_manager(person._state.db)
    queryset = manager.get_queryset()
    queryset._deferred_filter = (False, (), {field.name: person})
    queryset._known_related_objects = {field: {person.pk: person}}
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(person, "_prefetched_objects_cache"):
        person._prefetched_objects_cache = {}
    person._prefetched_objects_cache[name] = queryset


def _section_annotations() -> dict[str, Any]:
    if router.db_for_read(Person) != DEFAULT_DB_ALIAS:
        return {}
    return extensions.person_annotations()


# The stand-in id of the person page's compiled statements: no row has it
# (rekisteri/core/compiled.py).
_NO_PERSON = uuid.UUID(int=1)


def _person_page_query(kinds: frozenset[str] | None, pk: Any) -> QuerySet[Person]:
    people = Person.objects.all()
    if kinds is not None:
        people = people.filter(
            pk__in=Role.objects.filter(kind__in=sorted(kinds)).values("person_id")
        )
    return (
        # An import batch is shown by its source's name (ImportBatch.__str__).
        people.select_related(
            "name_provenance__source",
            "name_provenance__import_batch__source",
            "address_provenance__source",
            "address_provenance__import_batch__source",
        )
        .annotate(
            **{
                _CONTACT_ROWS[name]: _contact_rows(model)
                for name, model in (("emails", PersonEmail), ("phones", PersonPhone))
            }
        )
        # The sections' flags and rows (registry/extensions.py), in the
        # person's own query — on the primary only: some are read where
        # they are written (rekisteri/core/dbrouter.py, PRIMARY_APPS), and
        # on a replica the sections read them themselves.
        .annotate(**_section_annotations())
        .filter(pk=pk)
        .order_by()
    )


def _person_roles_query(person_id: Any) -> QuerySet[Role]:
    # Each role shows where it came from (its own provenance), loaded in the
    # same query; the emails' and phones' come with their rows
    # (_contacts_from_rows).
    return (
        Role.objects.filter(person_id=person_id)
        .select_related("organization", *_SOURCE, "provenance__import_batch__source")
        .order_by("end_date", "organization__name_key")
    )


def person_get(*, user: Any, person_id: Any) -> Person:
    """A person with emails, phones and roles (with organizations) loaded.

    Both statements are compiled once per process (rekisteri/core/compiled.py):
    building and compiling them cost the page more than running them. The
    person's statement varies only with the viewer's person scope and the
    registered sections' annotations, which its key names."""
    _require_view(user)
    kinds = person_scope(user)
    pk = as_uuid(person_id)
    key = ("person_page", kinds, extensions.person_annotations_key())
    found = compiled.instances(
        key,
        lambda stand_in: _person_page_query(kinds, stand_in),
        pk,
        model=Person,
        stand_in=_NO_PERSON,
    )
    if not found:
        raise NotFound()
    (person,) = found
    roles = compiled.instances(
        "person_page.roles",
        _person_roles_query,
        pk,
        model=Role,
        stand_in=_NO_PERSON,
        field=Role._meta.get_field("person"),
    )
    for role in roles:
        Role.person.field.set_cached_value(role, person)
    _as_prefetched(person, "roles", roles)
    _contacts_from_rows(person)
    return person


def person_list(
    *, user: Any, after: str | None = None, limit: int | None = None
) -> Page:
    """Persons, newest first, keyset-paginated by id cursor.

    Names are encrypted, so the database cannot order by them; finding a
    person by name is what search is for.
    """
    limit = min(limit or setting("REKISTERI_PAGE_SIZE"), 200)
    qs = person_queryset(user)
    if after:
        anchor = (
            Person.objects.filter(pk=as_uuid(after))
            .values_list("created_at", "id")
            .first()
        )
        if anchor is None:
            raise NotFound()
        created, pk = anchor
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    rows = list(
        qs.order_by("-created_at", "-id").prefetch_related("emails")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more and rows else None)


def role_get(*, user: Any, role_id: Any) -> Role:
    """A role whose person and organization the user may both see."""
    role = (
        Role.objects.select_related("person", "organization")
        .filter(
            pk=as_uuid(role_id),
            person__in=person_queryset(user),
            organization__in=organization_queryset(user),
        )
        .first()
    )
    if role is None:
        raise NotFound()
    return role


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


class SearchKind:
    EMAIL = "email"
    PHONE = "phone"
    CUSTOMER_NUMBER = "customer_number"
    BUSINESS_ID = "business_id"
    NAME = "name"
    EMPTY = "empty"


@dataclass
class SearchResults:
    kind: str
    organizations: list[Organization] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    # A name search found more persons than it shows.
    more_persons: bool = False

    @property
    def count(self) -> int:
        return len(self.organizations) + len(self.persons)


# ASCII digits only (re.ASCII): other scripts' digits are no identifier.
_BUSINESS_ID_RE = re.compile(r"^\d{6,7}-?\d$", re.ASCII)
_DIGITS_RE = re.compile(r"^\d{4,20}$", re.ASCII)


def classify_query(q: str) -> str:
    q = q.strip()
    if not q:
        return SearchKind.EMPTY
    if "@" in q:
        return SearchKind.EMAIL
    if _BUSINESS_ID_RE.match(q) and "-" in q:
        return SearchKind.BUSINESS_ID
    if _DIGITS_RE.match(q) and formats.is_valid_reference(q):
        return SearchKind.CUSTOMER_NUMBER
    if re.fullmatch(r"[+\d][\d\s()-]{5,}", q, re.ASCII):
        return SearchKind.PHONE
    return SearchKind.NAME


# How many subjects a name search reads from the blind index per name field.
# Every query word of three or more letters is matched in the index itself,
# so nearly every candidate is a real match (digest collisions are rare at
# 24 bits) and a page needs little more than its own length. Words shorter
# than that are not indexed as prefixes and can only be checked after
# decryption, so such a query reads a wider window.
NAME_WINDOW = 2
NAME_CANDIDATES = 200
_NAME_FIELDS = ("last_name", "first_name")


@dataclass
class _NameQuery:
    """Index keys for a name search: one word drives, the others must match."""

    driver: str
    indexed: list[str]
    filtered_only: bool

    @classmethod
    def of(cls, tokens: list[str]) -> _NameQuery:
        long = [t[: blind.MAX_TOKEN] for t in tokens if len(t) >= blind.MIN_PREFIX]
        if long:
            # The longest word usually has the fewest subjects to walk.
            driver = max(long, key=len)
            return cls(driver, long, filtered_only=len(long) < len(tokens))
        # Only short words: they are indexed whole (a name such as "Li").
        short = [t[: blind.MAX_TOKEN] for t in tokens]
        return cls(short[0], short, filtered_only=False)

    def key(self, field_name: str, term: str) -> int:
        return blindindex.query_key(Person, field_name, term)

    def others(self) -> list[list[int]]:
        rest = list(self.indexed)
        rest.remove(self.driver)
        return [[self.key(f, t) for f in _NAME_FIELDS] for t in dict.fromkeys(rest)]


def _persons_by_name(tokens: list[str], limit: int) -> tuple[list[Person], bool]:
    """Persons with a name word starting with each token, and whether more exist.

    The index answers the words of three or more letters together: the
    longest one is looked up among last names, then among first names
    unless more than a page matched by last name, and each subject must
    also have the other words in either name. Candidates
    are decrypted, checked against every token (shorter ones included) and
    sorted, last-name matches first. The database cannot order encrypted
    names, so a page is the first matches the index yields, sorted; ``more``
    says that typing more of the name would narrow the list.
    """
    query = _NameQuery.of(tokens)
    window = NAME_CANDIDATES if query.filtered_only else limit * NAME_WINDOW
    others = query.others()
    lead = query.driver
    candidates: dict[uuid.UUID, Person] = {}
    checked = 0  # candidates decrypted and checked so far
    matches: list[Person] = []
    capped = False

    def check() -> None:
        nonlocal checked
        fresh = list(candidates.values())[checked:]
        checked = len(candidates)
        keyring.prefetch([p.pk for p in fresh], KeyClass.CRM)
        for person in fresh:
            words = _name_words(person)
            if all(any(w.startswith(t) for w in words) for t in tokens):
                matches.append(person)

    for field_name in _NAME_FIELDS:
        found = _name_candidates(query.key(field_name, query.driver), others, window)
        for person in found:
            candidates.setdefault(person.pk, person)
        capped = capped or len(found) >= window
        if len(candidates) >= window:
            break  # enough last-name matches: first names would rank lower
        if field_name == "last_name" and len(candidates) > limit:
            # Every subject with a matching last name is here (the index
            # was not capped); if more than a page of them match, the page
            # is theirs and first-name matches, which rank below them, need
            # not be read.
            check()
            if sum(_starts_last(p, lead) for p in matches) > limit:
                break
    if not candidates:
        return [], False
    check()
    matches.sort(key=lambda p: (not _starts_last(p, lead), p.sort_key, str(p.id)))
    page = matches[:limit]
    _prefetch_emails(page)
    return page, capped or len(matches) > limit


def _name_candidates(driver: int, others: list[list[int]], window: int) -> list[Person]:
    """Up to ``window`` persons with an index row for ``driver`` and one of
    each group of ``others``, with only the name columns that confirm and
    rank them. The statement is compiled once per process for each shape of
    the query (how many keys in each group, the window; core/compiled.py):
    the keys are its only varying parameters."""
    groups = [sorted(set(group)) for group in others]
    keys = [driver, *(k for group in groups for k in group)]
    shape = tuple(len(group) for group in groups)

    def build(ids: list[Any]) -> Any:
        rest, split = ids[1:], []
        for n in shape:
            split.append(rest[:n])
            rest = rest[n:]
        # Fixed SQL text from blindindex; keys and the limit are parameters.
        subquery = RawSQL(  # noqa: S611
            *blindindex.matching_all_sql(ids[0], split, window)
        )
        return Person.objects.filter(pk__in=subquery)

    fields = ("id", "first_name", "last_name")
    if len(keys) > idlist.SHORT:
        # A query of more than eight words: its keys would be bound as one
        # array, which the subquery's text does not take. Built as it is.
        return list(build(keys).only(*fields))
    return compiled.among_instances(
        ("registry.search.names", window, shape),
        build,
        keys,
        model=Person,
        fields=fields,
    )


def _organizations_with(
    orgs: QuerySet[Organization], field_name: str, value: str, limit: int
) -> list[Organization]:
    """``orgs.filter(<field_name>=value)[:limit]`` (a customer number, a
    business ID's digest), compiled once per process (core/compiled.py)
    when ``orgs`` is every organization; a queryset that filters is read
    through the ORM as it is."""
    if orgs.query.where:
        return list(orgs.filter(**{field_name: value})[:limit])
    return compiled.among_instances(
        ("registry.search.organizations_with", field_name, limit),
        lambda values: Organization.objects.filter(idlist.among(field_name, values))[
            :limit
        ],
        [value],
        model=Organization,
    )


def _organizations_by_name(
    orgs: QuerySet[Organization], q: str, limit: int
) -> list[Organization]:
    """The first ``limit`` of ``orgs`` in name order whose name starts with
    ``q``: companies by their name key's range, sole traders through their
    sealed name's blind index (registry/sealing.py).

    ``orgs`` is every organization for every role that may search
    (``organization_queryset``); then the range is read with a statement
    compiled once per process (core/compiled.py), its bounds the only
    parameters, the sole traders only until a page of them is confirmed,
    and the two merged here. A queryset that filters goes through the ORM as
    it is, with every sole trader that matches."""
    key = formats.search_key(q)
    if orgs.query.where:
        sealed = sealing.matching_names(q)
        return list(
            orgs.filter(prefix_q("name_key", key) | Q(pk__in=sealed)).order_by(
                "name_key", "id"
            )[:limit]
        )
    lo, hi = prefix_range(key)
    bounds = [lo] if hi is None else [lo, hi]

    def by_prefix(values: list[Any]) -> QuerySet[Organization]:
        within = Q(name_key__gte=values[0])
        if len(values) > 1:
            within &= Q(name_key__lt=values[1])
        return Organization.objects.filter(within).order_by("name_key", "id")[:limit]

    found = {
        org.pk: org
        for org in compiled.among_instances(
            ("registry.search.organizations", limit, len(bounds)),
            by_prefix,
            bounds,
            model=Organization,
        )
    }
    # A sole trader later than the first ``limit`` of them in name order
    # cannot be among the first ``limit`` of the two together.
    for org in sealing.first_matching(q, limit):
        found.setdefault(org.pk, org)
    # In the database's order, by the name key as its column was loaded (a
    # sole trader's holds its pseudonym's); reading the attribute would
    # open a sole trader's document for nothing.
    return sorted(found.values(), key=lambda o: (o.__dict__["name_key"], o.pk))[:limit]


def _name_words(person: Person) -> list[str]:
    words: list[str] = []
    for part in (person.first_name, person.last_name):
        for word in formats.search_key(part).split():
            words.append(word)
            words.extend(w for w in word.split("-") if w)
    return words


def _starts_last(person: Person, token: str) -> bool:
    return any(
        w.startswith(token) for w in formats.search_key(person.last_name).split()
    )


def _persons_by_exact(
    relation: str, field_name: str, value: str, limit: int
) -> list[Person]:
    """Persons with an email or phone equal to ``value`` (normalised).

    The persons come straight through the blind index (its key names the
    field, so only emails or only phones match); the key store gives their
    keys; then their emails (for an email search, the rows that confirm the
    match and the ones shown) or their phones and the page's emails. Each
    statement is compiled once per process (core/compiled.py): building them
    cost the ORM more than running them. An email search is two statements
    on the main database, a phone search three.
    """
    model = Person._meta.get_field(relation).related_model
    key = blindindex.query_key(model, field_name, value)
    persons = compiled.among_instances(
        "registry.search.exact",
        lambda keys: Person.objects.filter(
            pk__in=BlindIndex.objects.filter(idlist.among("key", keys)).values(
                "subject_id"
            )
        ),
        [key],
        model=Person,
    )
    if not persons:
        return []
    keyring.prefetch([p.pk for p in persons], KeyClass.CRM)
    if relation == "emails":
        _prefetch_emails(persons)
        rows = [email for p in persons for email in p.emails.all()]
    else:
        rows = compiled.among_instances(
            ("registry.search.exact_rows", relation),
            lambda ids: model.objects.filter(idlist.among("person_id", ids)),
            [p.pk for p in persons],
            model=model,
        )
    by_pk = {p.pk: p for p in persons}
    owners = list(
        {
            row.person_id: by_pk[row.person_id]
            for row in rows
            if getattr(row, field_name) == value
        }.values()
    )
    owners.sort(key=lambda p: (p.sort_key, str(p.pk)))
    page = owners[:limit]
    if relation != "emails":
        _prefetch_emails(page)
    return page


_RESULT_EMAIL_FIELDS = ("id", "person_id", "email", "is_primary", "created_at")


def _prefetch_emails(persons: list[Person]) -> None:
    """``person.emails.all()`` of a page of results, read as
    ``prefetch_related_objects(persons, "emails")`` leaves them, with one
    statement compiled once per process instead of a query built per call."""
    by_person: dict[Any, list[PersonEmail]] = {p.pk: [] for p in persons}
    for chunk in idlist.chunks(list(by_person)):
        for email in compiled.among_instances(
            "registry.search.emails",
            lambda ids: PersonEmail.objects.filter(idlist.among("person_id", ids)),
            chunk,
            model=PersonEmail,
            # What a result shows (the address, and which is primary) and
            # what orders them; the rest is deferred, as only() leaves it.
            fields=_RESULT_EMAIL_FIELDS,
        ):
            by_person[email.person_id].append(email)
    for person in persons:
        emails = by_person[person.pk]
        for email in emails:
            PersonEmail.person.field.set_cached_value(email, person)
        _as_prefetched(person, "emails", emails)


def search(*, user: Any, q: str, limit: int = 20) -> SearchResults:
    """Global search: customer number, business ID, email, phone or name prefix.

    Runs in a key scope (the request's, or its own) and returns persons with
    their names and emails already decrypted, so showing them needs no more
    key-store round trips.
    """
    with keyring.ensure_scope():
        results = _search(user=user, q=q, limit=limit)
        if results.persons and person_scope(user) is not None:
            allowed = set(
                person_queryset(user)
                .filter(pk__in=[p.pk for p in results.persons])
                .values_list("pk", flat=True)
            )
            results.persons = [p for p in results.persons if p.pk in allowed]
        for person in results.persons:
            _ = (person.first_name, person.last_name)
            for email in person.emails.all():
                _ = email.email
    return results


def _search(*, user: Any, q: str, limit: int) -> SearchResults:
    _require_view(user)
    q = (q or "").strip()[:200]
    kind = classify_query(q)
    results = SearchResults(kind=kind)
    orgs = organization_queryset(user)
    if kind == SearchKind.EMPTY:
        return results
    if kind == SearchKind.EMAIL:
        try:
            email = formats.normalise_email(q)
        except formats.FormatError:
            return results
        results.persons = _persons_by_exact("emails", "email", email, limit)
        return results
    if kind == SearchKind.BUSINESS_ID:
        try:
            business_id = formats.normalise_business_id(q)
        except formats.FormatError:
            return results
        results.organizations = _organizations_with(
            orgs, sealing.DIGEST, sealing.digest(business_id), limit
        )
        return results
    if kind == SearchKind.CUSTOMER_NUMBER:
        results.organizations = _organizations_with(orgs, "customer_number", q, limit)
        if results.organizations:
            return results
        kind = SearchKind.PHONE  # a long digit string may be a phone number
    if kind == SearchKind.PHONE and _BUSINESS_ID_RE.match(q):
        # Seven or eight digits may be a business ID typed without its hyphen.
        try:
            business_id = formats.normalise_business_id(q)
        except formats.FormatError:
            pass
        else:
            found = _organizations_with(
                orgs, sealing.DIGEST, sealing.digest(business_id), limit
            )
            if found:
                results.kind = SearchKind.BUSINESS_ID
                results.organizations = found
                return results
    if kind == SearchKind.PHONE:
        results.kind = SearchKind.PHONE
        try:
            number = formats.normalise_phone(q)
        except formats.FormatError:
            return results
        results.persons = _persons_by_exact("phones", "number", number, limit)
        return results
    tokens = [formats.search_key(t) for t in q.split() if formats.search_key(t)]
    if not tokens:
        return results
    # A sole trader's name is sealed: its blind index finds it
    # (registry/sealing.py).
    results.organizations = _organizations_by_name(orgs, q, limit)
    results.persons, results.more_persons = _persons_by_name(tokens, limit)
    return results
