"""The demo register's rows: organizations, persons, emails, phones, roles
and provenance as plain tuples in each table's column order, valid by
construction."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection
from django.utils import timezone

from rekisteri.core import formats
from rekisteri.demo.pools import (
    BRAND_WORDS,
    MOBILE_PREFIXES,
    MOBILE_WEIGHTS,
    ROLE_KIND_WEIGHTS,
    ROLE_KINDS,
    TITLES,
    TRADES,
    City,
    ascii_slug,
    demo_business_id,
    pools,
)
from rekisteri.registry.choices import Language
from rekisteri.registry.models import (
    email_digest,
)

T = TypeVar("T")

# Version-4 UUIDs made from the seeded RNG, as 32 hex digits.
# A version-7 UUID (RFC 9562), as rekisteri.core.ids makes for register rows:
# 48 bits of milliseconds, then 80 bits of which the version nibble and the
# variant bits are fixed and the rest come from the seeded generator.
UUID7_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 80) - 1)
UUID7_SET = (0x7 << 76) | (0x2 << 62)


ORG_REGISTRY_COLUMNS = (
    "registered_names",
    "company_form",
    "company_form_name",
    "industry_code",
    "industry_code_set",
    "industry_name",
    "trade_register_status",
    "registered_entries",
    "registry_situation",
    "registry_end_date",
    "registry_modified_at",
    "registry_checked_at",
)
ORG_REGISTRY_EMPTY = ("[]", "", "", "", "", "", "", "[]", "", None, None, None)

# Column order of the tuples the generator yields.
ORG_COLUMNS = (
    "id",
    "customer_number",
    "name",
    "name_key",
    "business_id",
    "vat_number",
    "status",
    "sole_trader",
    "no_marketing",
    "postal_street",
    "postal_postal_code",
    "postal_city",
    "postal_country",
    "visiting_street",
    "visiting_postal_code",
    "visiting_city",
    "visiting_country",
    "provenance_id",
    "created_at",
    "updated_at",
    # What a trade register says: empty until a registry connector reads it.
    *ORG_REGISTRY_COLUMNS,
    # Filled by the writer: a sole trader's sealed values (with the
    # columns' stand-ins) and the business ID's digest (registry/sealing.py).
    "sole_trader_sealed",
    "business_id_digest",
)
PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "preferred_language",
    "street",
    "postal_code",
    "city",
    "country",
    "name_provenance_id",
    "address_provenance_id",
    "created_at",
    "updated_at",
)
EMAIL_COLUMNS = (
    "id",
    "person_id",
    "email",
    "is_primary",
    "provenance_id",
    "created_at",
    "email_digest",
)
PHONE_COLUMNS = (
    "id",
    "person_id",
    "number",
    "kind",
    "is_primary",
    "provenance_id",
    "created_at",
)
ROLE_COLUMNS = (
    "id",
    "person_id",
    "organization_id",
    "kind",
    "title",
    "start_date",
    "end_date",
    "provenance_id",
    "created_at",
    "updated_at",
)
CUSTOMER_NUMBER = ORG_COLUMNS.index("customer_number")
BUSINESS_ID = ORG_COLUMNS.index("business_id")
VAT_NUMBER = ORG_COLUMNS.index("vat_number")
EMAIL = EMAIL_COLUMNS.index("email")


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgRef:
    """What a person's rows need of an organization (id as 32 hex digits)."""

    id: str
    domain: str
    former: bool


@dataclass(frozen=True)
class Progress:
    """Counts after a batch; no personal data, so it may be printed."""

    batch: int
    batches: int
    organizations: int
    persons: int
    rows: int
    seconds: float

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class SeedResult:
    """What a run created."""

    import_batch_id: uuid.UUID
    organizations: int
    persons: int
    emails: int
    phones: int
    roles: int
    seconds: float
    blind_index: int = 0

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0

    @property
    def rows(self) -> int:
        return (
            self.organizations + self.persons + self.emails + self.phones + self.roles
        )


@dataclass
class Rows:
    """One batch of rows as tuples, in the column orders above."""

    organizations: list[tuple] = field(default_factory=list)
    persons: list[tuple] = field(default_factory=list)
    emails: list[tuple] = field(default_factory=list)
    phones: list[tuple] = field(default_factory=list)
    roles: list[tuple] = field(default_factory=list)


def _expand(values: Sequence[str], weights: Sequence[int]) -> tuple:
    """Repeat each value by its weight so a uniform pick is a weighted one."""
    return tuple(v for v, w in zip(values, weights, strict=True) for _ in range(w))


class Generator:
    """Rows for one run; holds the seeded RNG and the pools, never the rows.

    This is the hot loop of seeding, so it picks with ``seq[int(random() *
    len(seq))]`` rather than ``random.choice``/``choices``/``randint``, which
    cost several Python calls each; the distributions are the same.
    """

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.random = rng.random
        self.getrandbits = rng.getrandbits
        self.pools = pools()
        self.today = today
        self.cities = _expand(self.pools.cities, self.pools.city_weights)
        self.role_kinds = _expand([str(k) for k in ROLE_KINDS], ROLE_KIND_WEIGHTS)
        self.mobile_prefixes = _expand(MOBILE_PREFIXES, MOBILE_WEIGHTS)
        self.titles = {str(k): v for k, v in TITLES.items()}
        # Bound here, in the caller's thread: the producer thread must not
        # look up a database connection of its own.
        self.date = connection.ops.adapt_datefield_value
        self.adapt_datetime = connection.ops.adapt_datetimefield_value

    # -- small pieces ------------------------------------------------------

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def new_id(self) -> str:
        """A time-ordered row id (32 hex digits): rows made together sit
        together in the indexes on their keys."""
        bits = (self.getrandbits(80) & UUID7_CLEAR) | UUID7_SET
        return f"{(time.time_ns() // 1_000_000) << 80 | bits:032x}"

    def postcode(self, city: City) -> str:
        # Street-address postcodes end in zero; the ones in between are
        # post-office boxes and special codes.
        return f"{self.between(city.low // 10, city.high // 10) * 10:05d}"

    def street(self, *, apartment: bool = False) -> str:
        text = f"{self.pick(self.pools.streets)} {self.between(1, 120)}"
        if apartment and self.random() < 0.6:
            text += f" {self.pick('ABCDEF')} {self.between(1, 60)}"
        return text

    def mobile(self) -> str:
        prefix = self.pick(self.mobile_prefixes)
        return f"+358{prefix}{int(self.random() * 10_000_000):07d}"

    def language(self) -> str:
        r = self.random()
        return "fi" if r < 0.85 else "sv" if r < 0.95 else "en"

    def role_dates(self, ended: bool) -> tuple[object, object]:
        """Start and end (None for an open role) in the database's form."""
        if not ended:
            start = self.today - dt.timedelta(days=self.between(0, 3650))
            return self.date(start), None
        start = self.today - dt.timedelta(days=self.between(30, 3650))
        span = (self.today - start).days
        end = start + dt.timedelta(days=self.between(1, span))
        return self.date(start), self.date(end)

    # -- organizations -----------------------------------------------------

    def organization_name(self, sole_trader: bool) -> tuple[str, str]:
        """(name, domain for its people's email addresses)."""
        pick, r = self.pick, self.random
        fi = self.pools.names[Language.FI]
        last = pick(fi.last)
        trade = pick(TRADES)
        if sole_trader:
            first = pick(fi.first_male if r() < 0.5 else fi.first_female)
            if r() < 0.6:
                name = f"Tmi {first.text} {last.text}"
            else:
                name = f"{trade} {first.text[0]}. {last.text}"
            return name, f"{first.slug}{last.slug}.fi"
        shape = r()
        if shape < 0.35:
            stem = f"{last.text} {trade}"
        elif shape < 0.6:
            stem = f"{pick(BRAND_WORDS)} {trade}"
        elif shape < 0.75:
            stem = f"{trade}-{last.text}"
        elif shape < 0.9:
            stem = f"{last.text} & {pick(fi.last).text}"
        else:
            stem = f"{pick(BRAND_WORDS)} {last.text}"
        f = r()
        form = "Oy" if f < 0.78 else "Ky" if f < 0.9 else "Oy Ab" if f < 0.96 else "Ay"
        return f"{stem} {form}", f"{ascii_slug(stem)}.fi"

    def organization(
        self, index: int, provenance: str, now: object
    ) -> tuple[tuple, OrgRef]:
        """An organization row; the writer fills in the customer number."""
        r = self.random
        sole_trader = r() < 0.1
        name, domain = self.organization_name(sole_trader)
        s = r()
        status = "customer" if s < 0.55 else "prospect" if s < 0.85 else "former"
        # Some prospects are known only by name so far.
        has_id = not (status == "prospect" and r() < 0.1)
        business_id = demo_business_id(index) if has_id else None
        vat_number = (
            formats.vat_number_from_business_id(business_id) if business_id else ""
        )
        city = self.pick(self.cities)
        postcode = self.postcode(city)
        street = self.street()
        postal_street = f"PL {self.between(1, 999)}" if r() < 0.15 else street
        visiting = r() < 0.6
        pk = self.new_id()
        row = (
            pk,
            None,  # customer number: reserved by the writer, in its transaction
            name,
            formats.search_key(name),
            business_id,
            vat_number,
            status,
            sole_trader,
            False,  # no_marketing
            postal_street,
            postcode,
            city.upper,
            "FI",
            street if visiting else "",
            postcode if visiting else "",
            city.upper if visiting else "",
            "FI",
            provenance,
            now,
            now,
            *ORG_REGISTRY_EMPTY,
            None,  # sole_trader_sealed
            None,  # business_id_digest
        )
        return row, OrgRef(pk, domain, status == "former")

    # -- batches -----------------------------------------------------------

    def batch(
        self,
        number: int,
        org_indexes: range,
        person_indexes: range,
        window: deque[OrgRef],
    ) -> Batch:
        obtained_at = timezone.now()
        provenance = self.new_id()
        now = self.adapt_datetime(obtained_at)
        rows = Rows()
        refs: list[OrgRef] = []
        for index in org_indexes:
            row, ref = self.organization(index, provenance, now)
            rows.organizations.append(row)
            refs.append(ref)
        window.extend(refs)
        # Persons of a batch work at its organizations (or recent ones).
        choices: Sequence[OrgRef] = refs or list(window)
        for index in person_indexes:
            self.person(rows, index, choices, provenance, now)
        return Batch(number, provenance, obtained_at, rows)

    # -- persons -----------------------------------------------------------

    def person(
        self,
        rows: Rows,
        index: int,
        orgs: Sequence[OrgRef],
        provenance: str,
        now: object,
    ) -> None:
        """Append a person and their emails, phones and roles to ``rows``."""
        pick, r, new_id = self.pick, self.random, self.new_id
        language = self.language()
        pool = self.pools.names[language]
        first = pick(pool.first_female if r() < 0.5 else pool.first_male)
        last = pick(pool.last)
        pk = new_id()
        if r() < 0.2:
            city = pick(self.cities)
            address = (self.street(apartment=True), self.postcode(city), city.upper)
            address_provenance = provenance
        else:
            address, address_provenance = ("", "", ""), None
        rows.persons.append(
            (
                pk,
                first.text,
                last.text,
                language,
                *address,
                "FI",
                provenance,
                address_provenance,
                now,
                now,
            )
        )

        domains: list[str] = []
        if orgs:
            main = pick(orgs)
            targets = [main]
            if r() < 0.35:
                # A second role: another hat at the same company, or a
                # second company (a consultant, a board member).
                targets.append(main if r() < 0.5 else pick(orgs))
            taken: set[tuple[str, str]] = set()
            for org in targets:
                kind = pick(self.role_kinds)
                if (org.id, kind) in taken:
                    continue  # one role of a kind per company is enough
                taken.add((org.id, kind))
                start, end = self.role_dates(r() < (0.7 if org.former else 0.12))
                title = pick(self.titles[kind]) if r() < 0.7 else ""
                rows.roles.append(
                    (
                        new_id(),
                        pk,
                        org.id,
                        kind,
                        title,
                        start,
                        end,
                        provenance,
                        now,
                        now,
                    )
                )
                if org.domain not in domains:
                    domains.append(org.domain)
        if not domains:
            domains.append(FALLBACK_DOMAIN)

        # The index is globally unique and the two local-part shapes differ
        # (two dots or none; names have no digits), so no two persons share
        # an address and a person never gets the same one twice.
        email = f"{first.slug}.{last.slug}.{index}@{domains[0]}"
        rows.emails.append(
            (new_id(), pk, email, True, provenance, now, email_digest(email))
        )
        if r() < 0.4:
            email = f"{first.slug[0]}{last.slug}{index}@{domains[-1]}"
            rows.emails.append(
                (new_id(), pk, email, False, provenance, now, email_digest(email))
            )
        mobile = self.mobile()
        rows.phones.append((new_id(), pk, mobile, "mobile", True, provenance, now))
        if r() < 0.35:
            second = self.mobile()
            if second != mobile:
                rows.phones.append(
                    (new_id(), pk, second, "work", False, provenance, now)
                )


FALLBACK_DOMAIN = "esimerkki.fi"


@dataclass
class Batch:
    """Generated rows of one batch, waiting for their customer numbers."""

    number: int
    provenance_id: str
    obtained_at: dt.datetime
    rows: Rows
    sealed: SealedRows | None = None


@dataclass
class SealedRows:
    """A batch's personal rows sealed, with their keys and index entries.

    Emails keep their plaintext and per-row index entries beside them: an
    address already in the register is dropped, with its entries, before
    writing.
    """

    key_rows: list[tuple]
    persons: list[tuple]
    emails: list[tuple]
    email_plain: list[str]
    email_index: list[list[tuple[int, str]]]
    phones: list[tuple]
    roles: list[tuple]
    index: list[tuple[int, str]]
