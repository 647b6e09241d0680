"""Name, street, city and trade pools for the demo register, and demo
business IDs: built once per process from Faker's data, combined with a
seeded random generator (calling Faker per row would be the bottleneck)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rekisteri.core import formats
from rekisteri.registry.choices import Language, RoleKind

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
