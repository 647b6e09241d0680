"""Demo data: a Finnish-looking customer register generated at speed.

The generator skips the per-row validation of
:mod:`rekisteri.registry.services` and writes plain tuples straight to the
tables, so everything it produces must be valid by construction: business
IDs carry their check digit, postcodes are five digits, phones are E.164
Finnish mobiles, emails are lowercase ASCII and globally unique, and the
search keys are computed with the same :func:`rekisteri.core.formats.search_key`
the services use. The tests run every generated row back through the
normalisers and the model validation to prove it.

It streams: each batch (a slice of the organizations and the persons who
work for them) is generated, written and dropped, so memory stays flat from
a thousand persons to millions; on SQLite several batches share a commit
(``SQLITE_COMMIT_PERSONS``). A producer thread
generates the next batch while the database writes the current one. Names,
streets and cities come from pools built once from Faker's Finnish, Swedish
and English data and combined with a seeded :class:`random.Random`; calling
Faker per row would be the bottleneck.

Uniqueness across runs comes from two counters in the ``Sequence`` table
(``demo_organization`` and ``demo_person``): every run reserves its index
ranges up front, so a re-run, even a concurrent one, never repeats a business
ID or an email address. Values entered by staff that happen to collide are
looked up per batch and left out rather than failing the batch.
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import random
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, transaction
from django.utils import timezone

from rekisteri.core import blindindex, formats, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.envelope import Place, seal_with
from rekisteri.core.crypto.fields import EncryptedTextField
from rekisteri.core.models import BlindIndex
from rekisteri.registry.choices import Language, RoleKind
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Provenance,
    Role,
    SearchKeyField,
    email_digest,
)
from rekisteri.registry.services import customer_numbers, email_owners, sequence_next

T = TypeVar("T")

DEFAULT_BATCH = 5000
DEFAULT_SOURCE = "customer_company"
# Persons get roles at organizations of their own batch; a small window of
# recent organizations covers batches that create few or none.
ORG_WINDOW = 200
# The 6-digit part of a business ID is a permutation of the organization
# index; past this many demo organizations the IDs would repeat, and the
# collision check leaves the business ID empty instead.
BUSINESS_ID_SPACE = 1_000_000
_BUSINESS_ID_STRIDE = 7919  # prime, coprime with 10**6: a bijection mod 10**6

# Post offices with the range of their street-address postcodes, weighted
# roughly by population so the register looks like a Finnish one.
CITIES: tuple[tuple[str, int, int, int], ...] = (
    ("Helsinki", 100, 990, 30),
    ("Espoo", 2100, 2980, 13),
    ("Tampere", 33100, 33960, 11),
    ("Vantaa", 1300, 1770, 10),
    ("Oulu", 90100, 90940, 9),
    ("Turku", 20100, 20960, 9),
    ("Jyväskylä", 40100, 40950, 7),
    ("Lahti", 15100, 15900, 6),
    ("Kuopio", 70100, 70900, 6),
    ("Pori", 28100, 28900, 4),
    ("Kouvola", 45100, 45910, 4),
    ("Joensuu", 80100, 80230, 4),
    ("Lappeenranta", 53100, 53950, 4),
    ("Hämeenlinna", 13100, 13900, 3),
    ("Vaasa", 65100, 65800, 3),
    ("Seinäjoki", 60100, 60800, 3),
    ("Rovaniemi", 96100, 96900, 3),
    ("Mikkeli", 50100, 50970, 3),
    ("Kotka", 48100, 48910, 2),
    ("Salo", 24100, 24920, 2),
    ("Porvoo", 6100, 6850, 2),
    ("Kokkola", 67100, 67900, 2),
    ("Hyvinkää", 5800, 5880, 2),
    ("Lohja", 8100, 8700, 2),
    ("Järvenpää", 4400, 4480, 2),
    ("Rauma", 26100, 26950, 2),
    ("Kajaani", 87100, 87950, 1),
    ("Savonlinna", 57100, 57810, 1),
)

TRADES = (
    "Rakennus",
    "Sähkö",
    "Kuljetus",
    "Konepaja",
    "Tilitoimisto",
    "Metalli",
    "Puu",
    "Logistiikka",
    "IT",
    "Kiinteistöpalvelu",
    "LVI",
    "Maalaus",
    "Autokorjaamo",
    "Konsultointi",
    "Tekniikka",
    "Energia",
    "Data",
    "Media",
    "Muotoilu",
    "Kone",
    "Siivous",
    "Ohjelmisto",
    "Vesihuolto",
    "Terveyspalvelu",
    "Catering",
    "Kauppa",
    "Lakitoimisto",
    "Insinööritoimisto",
    "Arkkitehtitoimisto",
    "Mainostoimisto",
)
BRAND_WORDS = (
    "Nordic",
    "Arctic",
    "Polar",
    "Aurora",
    "Kaleva",
    "Pohjola",
    "Sampo",
    "Tapio",
    "Ilmari",
    "Revontuli",
    "Saimaa",
    "Lappi",
    "Karelia",
    "Botnia",
    "Suomen",
    "Itämeren",
    "Pohjanmaan",
    "Hämeen",
)
TITLES: dict[str, tuple[str, ...]] = {
    RoleKind.CONTACT: (
        "Toimitusjohtaja",
        "Myyntipäällikkö",
        "Hankintapäällikkö",
        "Projektipäällikkö",
        "Tuotepäällikkö",
        "Hallintojohtaja",
    ),
    RoleKind.SUPPORT_USER: (
        "IT-päällikkö",
        "Järjestelmäasiantuntija",
        "Pääkäyttäjä",
        "IT-tukihenkilö",
        "Tietohallintojohtaja",
    ),
    RoleKind.END_USER: (
        "Asiantuntija",
        "Suunnittelija",
        "Sihteeri",
        "Myyjä",
        "Asiakaspalvelija",
        "Insinööri",
        "Kirjanpitäjä",
        "Työnjohtaja",
    ),
    RoleKind.BILLING_CONTACT: (
        "Talouspäällikkö",
        "Kirjanpitäjä",
        "Reskontranhoitaja",
        "Controller",
        "Talousassistentti",
    ),
}
ROLE_KINDS = (
    RoleKind.CONTACT,
    RoleKind.END_USER,
    RoleKind.SUPPORT_USER,
    RoleKind.BILLING_CONTACT,
)
ROLE_KIND_WEIGHTS = (35, 35, 20, 10)
MOBILE_PREFIXES = ("40", "50", "44")
MOBILE_WEIGHTS = (45, 35, 20)

_ASCII_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ü": "u", "ß": "ss"})


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters and digits of ``text`` (ä→a, ö→o, å→a).

    Finnish convention for email addresses drops the umlauts rather than
    spelling them out; other accents fall away with NFKD.
    """
    folded = text.lower().translate(_ASCII_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


# --------------------------------------------------------------------------
# Pools, built once per process
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A name with its search key and email form computed once."""

    text: str
    key: str
    slug: str


@dataclass(frozen=True, slots=True)
class City:
    """A post office (in capitals, as stored) and its postcode range."""

    name: str
    upper: str
    low: int
    high: int


@dataclass(frozen=True)
class NamePool:
    first_male: tuple[Name, ...]
    first_female: tuple[Name, ...]
    last: tuple[Name, ...]


@dataclass(frozen=True)
class Pools:
    names: dict[str, NamePool]  # by preferred language
    streets: tuple[str, ...]
    cities: tuple[City, ...]
    city_weights: tuple[int, ...]


def _weighted(entries: Iterable[str] | dict[str, float], size: int) -> list[str]:
    """Expand Faker's weighted name lists to a list sampled uniformly.

    ``random.choice`` on a pre-expanded list is several times faster than
    ``random.choices`` with weights, and common names stay common.
    """
    if not isinstance(entries, dict):
        return list(dict.fromkeys(entries))
    total = sum(entries.values())
    out: list[str] = []
    for name, weight in entries.items():
        out.extend([name] * max(1, round(weight / total * size)))
    return out


def _names(entries: Iterable[str] | dict[str, float]) -> tuple[Name, ...]:
    made: dict[str, Name] = {}
    result = []
    for text in _weighted(entries, 4000):
        if text not in made:
            made[text] = Name(text, formats.search_key(text), ascii_slug(text))
        if made[text].slug:
            result.append(made[text])
    return tuple(result)


@cache
def pools() -> Pools:
    """Name, street and city pools from Faker's locale data (built once)."""
    from faker.providers.address.fi_FI import Provider as FiAddress
    from faker.providers.person.en_GB import Provider as EnPerson
    from faker.providers.person.fi_FI import Provider as FiPerson
    from faker.providers.person.sv_SE import Provider as SvPerson

    def pool(provider: type) -> NamePool:
        return NamePool(
            _names(provider.first_names_male),
            _names(provider.first_names_female),
            _names(provider.last_names),
        )

    streets = tuple(
        prefix.strip() + (" " if prefix.endswith(" ") else "") + suffix
        for prefix in FiAddress.street_prefixes
        for suffix in FiAddress.street_suffixes
    )
    cities = tuple(City(n, n.upper(), lo, hi) for n, lo, hi, _ in CITIES)
    return Pools(
        names={
            Language.FI: pool(FiPerson),
            Language.SV: pool(SvPerson),
            Language.EN: pool(EnPerson),
        },
        streets=streets,
        cities=cities,
        city_weights=tuple(w for *_, w in CITIES),
    )


# --------------------------------------------------------------------------
# Business IDs
# --------------------------------------------------------------------------


def demo_business_id(index: int) -> str:
    """A valid Y-tunnus that is unique for ``index`` below BUSINESS_ID_SPACE.

    The last six body digits are a permutation of the index, which makes them
    unique; the leading digit (0–3, like real IDs) is free. Every weight is
    invertible mod 11, so of the four leading digits at most one gives the
    forbidden remainder 1 and a valid choice always exists.
    """
    tail = (index * _BUSINESS_ID_STRIDE + 104_729) % BUSINESS_ID_SPACE
    first = index % 4
    for step in range(4):
        body = f"{(first + step) % 4}{tail:06d}"
        check = formats.ytunnus_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
    raise AssertionError("unreachable: one of four leading digits is valid")


# --------------------------------------------------------------------------
# Writing rows
# --------------------------------------------------------------------------

# Field types whose values the generator gives in the database's own form:
# text and booleans as they are, ids as 32 hex digits (what SQLite stores and
# PostgreSQL accepts), dates and timestamps through the backend's
# adapt_*_value. Exact types only: a subclass may store something else.
_PLAIN_COLUMNS: tuple[type, ...] = (
    models.CharField,
    models.EmailField,
    models.SlugField,
    models.BooleanField,
    models.PositiveIntegerField,
    models.UUIDField,
    models.DateTimeField,
    models.DateField,
    # JSON columns are given as JSON text, which SQLite stores as it is and
    # PostgreSQL's COPY parses into jsonb.
    models.JSONField,
    SearchKeyField,
)


class _Table:
    """``INSERT`` (``COPY`` on PostgreSQL) of plain tuples into one table.

    ``bulk_create`` spends most of its time building model instances and
    compiling SQL per value, which caps seeding near a thousand persons a
    second. This writer sends tuples in the column order given.

    Plain columns go as they are. Encrypted columns are sealed here exactly as
    ``EncryptedTextField.pre_save`` would (same envelope, same place binding,
    the subject's data key, which the caller creates in bulk), and the terms of
    blind-indexed columns are returned for the index. Any other kind of field
    is refused rather than stored in a form the application cannot read.
    """

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if set(attnames) != set(fields):
            # A new model field must be generated here too, or rows would
            # silently get NULL or fail the insert.
            missing = sorted(set(fields) - set(attnames))
            unknown = sorted(set(attnames) - set(fields))
            raise ImproperlyConfigured(
                f"demo seeder: {model.__name__} columns out of date: missing "
                f"{missing}, unknown {unknown}"
            )
        self.fields = [fields[name] for name in attnames]
        self.table_name = model._meta.db_table
        self.sealed = [
            (i, f, attnames.index(_subject_attname(f)))
            for i, f in enumerate(self.fields)
            if isinstance(f, EncryptedTextField)
        ]
        for f in self.fields:
            if not _plain(f) and not isinstance(f, EncryptedTextField):
                raise ImproperlyConfigured(
                    f"demo seeder: {model.__name__}.{f.name} is a "
                    f"{type(f).__name__}, not a plain column it can write "
                    "directly; generate it through the ORM instead"
                )
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Table and column names come from model metadata; values are
        # always passed as parameters.
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def seal(
        self, rows: list[tuple], ciphers: dict[tuple[str, str], tuple[int, AESGCM]]
    ) -> tuple[list[tuple], list[list[tuple[int, str]]]]:
        """Rows with their encrypted columns sealed, and per row the
        blind-index entries (key, subject as 32 hex digits) of its indexed
        columns. ``ciphers`` holds the subjects' new data keys, by (subject
        as 32 hex digits, key class). Touches no database, so the producer
        thread can run it while the writer waits on the previous batch."""
        if not self.sealed:
            return rows, [[] for _ in rows]
        index_key = keyring.provider().index_key()
        labels = {f.name: blindindex.label_of(f) for _, f, _ in self.sealed}
        out, index = [], []
        for row in rows:
            values = list(row)
            entries: list[tuple[int, str]] = []
            h = row[0]
            row_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            for i, f, subject_i in self.sealed:
                value = row[i]
                if value is None:
                    continue
                key_class = f.classification.key_class
                place = Place(self.table_name, f.column, row_id, key_class)
                values[i] = _seal_value(ciphers, row[subject_i], place, value)
                if f.blind:
                    found = blindindex.keys_for_label(
                        labels[f.name], f.blind, value, index_key=index_key
                    )
                    entries.extend((k, row[subject_i]) for k in set(found))
            out.append(tuple(values))
            index.append(entries)
        return out, index

    def insert(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, rows)
        return len(rows)


def _seal_value(
    ciphers: dict[tuple[str, str], tuple[int, AESGCM]],
    subject: str,
    place: Place,
    value: str,
) -> bytes:
    """One value sealed as ``EncryptedTextField.pre_save`` would, under the
    subject's new key for the place's key class."""
    cipher = ciphers.get((subject, place.key_class))
    if cipher is None:
        raise ImproperlyConfigured(
            f"demo seeder: no new {place.key_class} key for the subject of "
            f"{place.table}.{place.field}"
        )
    return seal_with(cipher[1], cipher[0], place, value)


def _subject_attname(f: EncryptedTextField) -> str:
    subject = f.classification.subject
    return "id" if subject == "self" else f"{subject}_id"


def _insert_blind_index(entries: list[tuple[int, str]]) -> int:
    """Write blind-index rows (key, subject as 32 hex digits)."""
    if not entries:
        return 0
    table = connection.ops.quote_name(BlindIndex._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {table} (key, subject_id) FROM STDIN"
            ) as copy:
                for entry in entries:
                    copy.write_row(entry)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (key, subject_id) VALUES (%s, %s)",  # noqa: S608
                entries,
            )
    return len(entries)


def _plain(f: models.Field) -> bool:
    if f.is_relation:
        return type(f) is models.ForeignKey and _plain(f.target_field)
    return type(f) in _PLAIN_COLUMNS


# Version-4 UUIDs made from the seeded RNG, as 32 hex digits.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


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
_CUSTOMER_NUMBER = ORG_COLUMNS.index("customer_number")
_BUSINESS_ID = ORG_COLUMNS.index("business_id")
_VAT_NUMBER = ORG_COLUMNS.index("vat_number")
_EMAIL = EMAIL_COLUMNS.index("email")


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
class _Rows:
    """One batch of rows as tuples, in the column orders above."""

    organizations: list[tuple] = field(default_factory=list)
    persons: list[tuple] = field(default_factory=list)
    emails: list[tuple] = field(default_factory=list)
    phones: list[tuple] = field(default_factory=list)
    roles: list[tuple] = field(default_factory=list)


def _expand(values: Sequence[str], weights: Sequence[int]) -> tuple:
    """Repeat each value by its weight so a uniform pick is a weighted one."""
    return tuple(v for v, w in zip(values, weights, strict=True) for _ in range(w))


class _Generator:
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
        return f"{(self.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"

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
        )
        return row, OrgRef(pk, domain, status == "former")

    # -- batches -----------------------------------------------------------

    def batch(
        self,
        number: int,
        org_indexes: range,
        person_indexes: range,
        window: deque[OrgRef],
    ) -> _Batch:
        obtained_at = timezone.now()
        provenance = self.new_id()
        now = self.adapt_datetime(obtained_at)
        rows = _Rows()
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
        return _Batch(number, provenance, obtained_at, rows)

    # -- persons -----------------------------------------------------------

    def person(
        self,
        rows: _Rows,
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


# Persons per commit on SQLite. Random keys spread each batch's rows over
# most pages of a dozen indexes, and SQLite writes every page a transaction
# dirtied to the write-ahead log at its commit: committing 5,000 persons at a
# time rewrites the same index pages again and again as the register grows.
# Batches stay 5,000 persons (Python's memory does not grow); only commits
# are rarer. Measured at 300,000 persons: 3,155 persons/s committing every
# batch, 3,948 every 50,000 persons, 4,084 with the 1 GiB page cache below.
SQLITE_COMMIT_PERSONS = 50_000


def _commit_persons(wanted: int | None) -> int:
    if wanted is not None:
        if wanted < 1:
            raise ValueError("persons per commit must be at least 1")
        return wanted
    if connection.vendor == "sqlite":
        return SQLITE_COMMIT_PERSONS
    return 1  # PostgreSQL: a commit per batch costs little


def _batches(organizations: int, persons: int, size: int) -> Iterator[tuple]:
    """(org_from, org_to, person_from, person_to) per batch.

    Organizations are spread over the batches in proportion so each batch
    holds a slice of companies and the people who work for them; neither
    kind of row exceeds ``size`` in one batch.
    """
    total = max(organizations, persons)
    count = math.ceil(total / size) if total else 0
    for b in range(count):
        lo, hi = b * size, min((b + 1) * size, total)
        yield (
            organizations * lo // total,
            organizations * hi // total,
            persons * lo // total,
            persons * hi // total,
        )


def _existing_orgs(limit: int) -> list[OrgRef]:
    """Organizations already in the register, for a persons-only run."""
    rows = Organization.objects.order_by("-created_at").values_list(
        "id", "name", "status"
    )[:limit]
    return [
        OrgRef(pk.hex, f"{ascii_slug(name) or 'yritys'}.fi", status == "former")
        for pk, name, status in rows
    ]


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def seed(
    *,
    organizations: int,
    persons: int,
    batch_size: int = DEFAULT_BATCH,
    seed: int = 1,
    source: str = DEFAULT_SOURCE,
    progress: Callable[[Progress], None] | None = None,
    commit_persons: int | None = None,
) -> SeedResult:
    """Add ``organizations`` and ``persons`` demo rows to the register.

    One ImportBatch records the run; each batch of rows shares one Provenance
    row, because its values were obtained together. Batches are committed
    together, about ``commit_persons`` persons at a time (default: see
    :func:`_commit_persons`); ``progress`` is called after each commit, and a
    failure rolls back only the batches since the last one. Raises ValueError
    on a negative count, a zero batch size or an unknown data source.
    """
    if organizations < 0 or persons < 0:
        raise ValueError("counts must not be negative")
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    per_commit = max(1, math.ceil(_commit_persons(commit_persons) / batch_size))
    data_source = DataSource.objects.filter(code=source, is_active=True).first()
    if data_source is None:
        raise ValueError(f"unknown data source {source!r}")

    started = time.perf_counter()
    with transaction.atomic():
        org_base = (
            sequence_next("demo_organization", start=1, count=organizations)
            if organizations
            else 0
        )
        person_base = (
            sequence_next("demo_person", start=1, count=persons) if persons else 0
        )
        import_batch = ImportBatch.objects.create(
            source=data_source, description=f"Demo data (seed {seed})"
        )
    # The counters make each run differ from the last one, while the same
    # seed on the same register state reproduces it.
    gen = _Generator(
        random.Random(f"{seed}:{org_base}:{person_base}"), timezone.localdate()
    )
    window: deque[OrgRef] = deque(maxlen=ORG_WINDOW)
    if persons and not organizations:
        window.extend(_existing_orgs(ORG_WINDOW))
    spans = [
        (
            range(org_base + o_from, org_base + o_to),
            range(person_base + p_from, person_base + p_to),
        )
        for o_from, o_to, p_from, p_to in _batches(organizations, persons, batch_size)
    ]
    tables = _Tables()
    totals = dict(
        organizations=0, persons=0, emails=0, phones=0, roles=0, blind_index=0
    )

    keyring.provider()  # loaded here: a key error surfaces before any thread starts
    producer = _Producer(
        gen,
        spans,
        window,
        tables,
        seal=_SEAL_IN_PRODUCER.get(connection.vendor, False),
    )
    producer.start()
    try:
        with _sqlite_bulk_settings(), ExitStack() as open_transaction:
            pending = 0
            for batch in producer:
                if not pending:
                    open_transaction.enter_context(transaction.atomic())
                written = _write_batch(
                    tables,
                    batch,
                    data_source=data_source,
                    import_batch=import_batch,
                )
                for key, value in written.items():
                    totals[key] += value
                pending += 1
                if pending < per_commit and batch.number < len(spans):
                    continue
                open_transaction.close()  # commit
                pending = 0
                if progress is not None:
                    progress(
                        Progress(
                            batch=batch.number,
                            batches=len(spans),
                            organizations=totals["organizations"],
                            persons=totals["persons"],
                            rows=sum(totals.values()),
                            seconds=time.perf_counter() - started,
                        )
                    )
    finally:
        producer.close()

    ImportBatch.objects.filter(pk=import_batch.pk).update(
        finished_at=timezone.now(),
        row_count=totals["organizations"] + totals["persons"],
    )
    return SeedResult(
        import_batch_id=import_batch.pk,
        seconds=time.perf_counter() - started,
        **totals,
    )


@dataclass
class _Batch:
    """Generated rows of one batch, waiting for their customer numbers."""

    number: int
    provenance_id: str
    obtained_at: dt.datetime
    rows: _Rows
    sealed: _Sealed | None = None


@dataclass
class _Sealed:
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


def _seal_batch(tables: _Tables, rows: _Rows) -> _Sealed:
    """New data keys for the batch's persons, and their rows sealed."""
    subjects = [uuid.UUID(row[0]) for row in rows.persons]
    key_rows, new = keyring.new_keys(
        subjects, KeyClass.CRM, postgres=tables.postgres_keys
    )
    ciphers = {(sid.hex, KeyClass.CRM.value): (1, AESGCM(k)) for sid, k in new.items()}
    persons, person_index = tables.persons.seal(rows.persons, ciphers)
    emails, email_index = tables.emails.seal(rows.emails, ciphers)
    phones, phone_index = tables.phones.seal(rows.phones, ciphers)
    roles, role_index = tables.roles.seal(rows.roles, ciphers)
    return _Sealed(
        key_rows=key_rows,
        persons=persons,
        emails=emails,
        email_plain=[row[_EMAIL] for row in rows.emails],
        email_index=email_index,
        phones=phones,
        roles=roles,
        index=[
            entry
            for per_row in (person_index, phone_index, role_index)
            for entries in per_row
            for entry in entries
        ],
    )


# Where a batch is sealed. PostgreSQL works in its own process while the
# writer waits, so sealing the next batch meanwhile is nearly free. SQLite
# works inside this process and takes the GIL back after every row, so a
# producer busy sealing would make the writer queue for it row by row
# (measured at 100,000 persons: 3,680 persons/s sealing in the writer
# against 3,242 in the producer).
_SEAL_IN_PRODUCER = {"postgresql": True}


class _Producer(threading.Thread):
    """Generates batches one step ahead of the writer, in its own thread.

    SQLite and psycopg release the GIL while the database works, so making
    the next batch overlaps with writing this one; on PostgreSQL that
    includes creating its data keys, sealing it and computing its
    blind-index terms (see ``_SEAL_IN_PRODUCER``). The queue holds
    one finished batch, so at most three exist at a time: memory stays flat.
    The thread never touches the database.
    """

    def __init__(
        self,
        gen: _Generator,
        spans: list[tuple[range, range]],
        window: deque[OrgRef],
        tables: _Tables,
        *,
        seal: bool,
    ) -> None:
        super().__init__(name="seed-demo-generator", daemon=True)
        self.gen = gen
        self.spans = spans
        self.window = window
        self.tables = tables
        self.seal = seal
        self.queue: queue.Queue[_Batch | BaseException | None] = queue.Queue(1)
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            for number, (org_indexes, person_indexes) in enumerate(self.spans, 1):
                batch = self.gen.batch(number, org_indexes, person_indexes, self.window)
                if self.seal:
                    batch.sealed = _seal_batch(self.tables, batch.rows)
                if not self._put(batch):
                    return
            self._put(None)
        except BaseException as exc:  # handed to the writer, which raises it
            self._put(exc)

    def _put(self, item: _Batch | BaseException | None) -> bool:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[_Batch]:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


class _Tables:
    """The writers of one run (built once: they read the models' metadata)."""

    def __init__(self) -> None:
        self.organizations = _Table(Organization, ORG_COLUMNS)
        self.persons = _Table(Person, PERSON_COLUMNS)
        self.emails = _Table(PersonEmail, EMAIL_COLUMNS)
        self.phones = _Table(PersonPhone, PHONE_COLUMNS)
        self.roles = _Table(Role, ROLE_COLUMNS)
        # New data keys go in the key store's own form (UUIDs or hex text).
        self.postgres_keys = connections[keyring.KEYSTORE_DB].vendor == "postgresql"


def _write_batch(
    tables: _Tables,
    batch: _Batch,
    *,
    data_source: DataSource,
    import_batch: ImportBatch,
) -> dict[str, int]:
    """Insert one generated batch; must run inside a transaction."""
    rows = batch.rows
    Provenance.objects.create(
        id=uuid.UUID(batch.provenance_id),
        source=data_source,
        obtained_at=batch.obtained_at,
        import_batch=import_batch,
    )
    numbers = customer_numbers(len(rows.organizations)) if rows.organizations else []
    organizations = _without_taken_business_ids(
        [
            (*row[:_CUSTOMER_NUMBER], number, *row[_CUSTOMER_NUMBER + 1 :])
            for row, number in zip(rows.organizations, numbers, strict=True)
        ]
    )
    sealed = batch.sealed or _seal_batch(tables, rows)
    emails, email_index = _without_taken_emails(sealed)
    # Keys first, committed in the key store: rows never outlive their key.
    keyring.store_new_keys(sealed.key_rows)
    index = sealed.index + [e for entries in email_index for e in entries]
    # Parents before children.
    return dict(
        organizations=tables.organizations.insert(organizations),
        persons=tables.persons.insert(sealed.persons),
        emails=tables.emails.insert(emails),
        phones=tables.phones.insert(sealed.phones),
        roles=tables.roles.insert(sealed.roles),
        blind_index=_insert_blind_index(index),
    )


def _existing(model: type[models.Model], name: str, values: list[str]) -> set[str]:
    """Those of ``values`` that column ``name`` of ``model`` already holds."""
    if not values:
        return set()
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of thousands of client-side bound
        # literals costs more to build and parse than the index lookups.
        quote = connection.ops.quote_name
        column = quote(model._meta.get_field(name).column)
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)",  # noqa: S608
                [values],
            )
            return {row[0] for row in cursor.fetchall()}
    taken: set[str] = set()
    # SQLite builds before 3.32 allow 999 parameters per statement.
    for i in range(0, len(values), 900):
        chunk = values[i : i + 900]
        taken.update(
            model.objects.filter(**{f"{name}__in": chunk}).values_list(name, flat=True)
        )
    return taken


def _without_taken_business_ids(rows: list[tuple]) -> list[tuple]:
    """Drop business IDs already in the register (entered by staff)."""
    ids = [row[_BUSINESS_ID] for row in rows if row[_BUSINESS_ID]]
    taken = _existing(Organization, "business_id", ids)
    if not taken:
        return rows
    out = []
    for row in rows:
        if row[_BUSINESS_ID] in taken:
            values = list(row)
            values[_BUSINESS_ID], values[_VAT_NUMBER] = None, ""
            row = tuple(values)
        out.append(row)
    return out


def _without_taken_emails(
    sealed: _Sealed,
) -> tuple[list[tuple], list[list[tuple[int, str]]]]:
    """The batch's email rows and index entries, less addresses already in
    the register (entered by staff).

    Addresses are encrypted, so they are looked up by blind index; the rare
    hit is confirmed by decryption before a row is dropped.
    """
    wanted = sorted({k for entries in sealed.email_index for k, _ in entries})
    hits: set[int] = set()
    for i in range(0, len(wanted), 900):
        hits.update(
            BlindIndex.objects.filter(key__in=wanted[i : i + 900]).values_list(
                "key", flat=True
            )
        )
    if not hits:
        return sealed.emails, sealed.email_index
    rows, index = [], []
    for row, plain, entries in zip(
        sealed.emails, sealed.email_plain, sealed.email_index, strict=True
    ):
        if any(k in hits for k, _ in entries) and email_owners(plain):
            continue  # confirmed after decryption
        rows.append(row)
        index.append(entries)
    return rows, index


# Connection settings for a bulk load into SQLite, restored afterwards. None
# of them trades durability: synchronous stays as configured.
_SQLITE_BULK_PRAGMAS = {
    # Random UUID keys land all over a dozen indexes; the default 2 MB cache
    # would re-read index pages on nearly every insert, and a commit of
    # 50,000 persons dirties more pages than 256 MiB holds. A bound, not an
    # allocation: SQLite takes pages as it needs them, and only while seeding.
    "cache_size": -1048576,  # 1 GiB
    # Reading pages through a memory map saves a system call per page miss.
    "mmap_size": 4 << 30,
    # Every batch dirties most index pages again; checkpointing every few
    # batches instead of after each one copies each page back once, not
    # once per batch. The log stays bounded by this plus one batch.
    "wal_autocheckpoint": 65536,  # pages: 256 MiB
}


@contextmanager
def _sqlite_bulk_settings() -> Iterator[None]:
    """Tune this connection for seeding, then put the old settings back."""
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in _SQLITE_BULK_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            if row is None:
                continue  # not applicable (an in-memory database has no map)
            previous[name] = row[0]
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


def register_is_empty() -> bool:
    """True when the register holds no organizations and no persons."""
    return not (Organization.objects.exists() or Person.objects.exists())
