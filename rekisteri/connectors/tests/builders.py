"""Companies in the PRH / YTJ v3 shape, for tests.

Built to match the recorded answer in ``data/prh`` key for key (the same
nesting, code sets and value types), so what the tests feed the importer is
what the API sends. ``data/prh/companies_page_100.json`` was written by
``page(100)`` and is kept as a recorded page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rekisteri.core.formats import ytunnus_check_digit

DATA = Path(__file__).parent / "data" / "prh"

CITIES = [
    ("HELSINKI", "HELSINGFORS", "091", "00100"),
    ("ESPOO", "ESBO", "049", "02150"),
    ("TAMPERE", "TAMMERFORS", "837", "33100"),
    ("TURKU", "ÅBO", "853", "20100"),
    ("OULU", "ULEÅBORG", "564", "90100"),
]
STREETS = ["Mannerheimintie", "Keilaniementie", "Hämeenkatu", "Aurakatu", "Kirkkokatu"]
LINES = [
    (
        "62010",
        "Ohjelmistojen suunnittelu ja valmistus",
        "Computer programming activities",
    ),
    ("46510", "Tietokoneiden ja ohjelmistojen tukkukauppa", "Wholesale of computers"),
    ("70220", "Muu liikkeenjohdon konsultointi", "Business consultancy"),
    ("43210", "Sähköasennus", "Electrical installation"),
]


def business_id(n: int) -> str:
    """The n-th valid business ID from 2000000 upwards."""
    base = 2_000_000 + n
    while True:
        body = f"{base:07d}"
        check = ytunnus_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
        base += 1_000_000


def _descriptions(fi: str, sv: str, en: str) -> list[dict]:
    return [
        {"languageCode": "1", "description": fi},
        {"languageCode": "2", "description": sv},
        {"languageCode": "3", "description": en},
    ]


def _address(kind: int, n: int, *, box: str = "") -> dict:
    city_fi, city_sv, municipality, post_code = CITIES[n % len(CITIES)]
    out = {
        "type": kind,
        "street": "" if box else STREETS[n % len(STREETS)],
        "postCode": post_code,
        "postOffices": [
            {"city": city_sv, "languageCode": "2", "municipalityCode": municipality},
            {"city": city_fi, "languageCode": "1", "municipalityCode": municipality},
        ],
        "buildingNumber": "" if box else str(1 + n % 40),
        "entrance": "",
        "apartmentNumber": "",
        "apartmentIdSuffix": "",
        "co": "",
        "registrationDate": "2019-03-01",
        "source": "0",
    }
    if kind == 2:
        out["postOfficeBox"] = box
    return out


def company(
    n: int,
    *,
    name: str | None = None,
    situations: list[dict] | None = None,
    end_date: str | None = None,
    form: str = "16",
    previous_name: str | None = None,
    postal_box: str = "",
    last_modified: str = "2024-11-15 14:02:08",
) -> dict[str, Any]:
    """One company; ``n`` picks its business ID, city, street and line."""
    bid = business_id(n)
    code, fi, en = LINES[n % len(LINES)]
    names = [
        {
            "name": name or f"Testiyhtiö {n} Oy",
            "type": "1",
            "registrationDate": "2016-01-28",
            "version": 1,
            "source": "1",
        }
    ]
    if previous_name:
        names.append(
            {
                "name": previous_name,
                "type": "1",
                "registrationDate": "2005-05-02",
                "endDate": "2016-01-28",
                "version": 2,
                "source": "1",
            }
        )
    form_names = {
        "16": ("Osakeyhtiö", "Aktiebolag", "Limited company"),
        "26": (
            "Yksityinen elinkeinonharjoittaja",
            "Enskild näringsidkare",
            "Private trader",
        ),
    }[form]
    out: dict[str, Any] = {
        "businessId": {"value": bid, "registrationDate": "2005-05-02", "source": "3"},
        "euId": {"value": f"FIFPRO.{bid}", "source": "1"},
        "names": names,
        "mainBusinessLine": {
            "type": code,
            "descriptions": _descriptions(fi, fi, en),
            "typeCodeSet": "TOIMI4",
            "registrationDate": "2007-12-31",
            "source": "2",
        },
        "website": {"url": "", "registrationDate": "2018-09-13", "source": "0"},
        "companyForms": [
            {
                "type": form,
                "descriptions": _descriptions(*form_names),
                "registrationDate": "2005-05-02",
                "version": 1,
                "source": "1",
            }
        ],
        "companySituations": situations or [],
        "registeredEntries": [
            {
                "type": "1",
                "descriptions": _descriptions(
                    "Rekisterissä", "Registrerad", "Registered"
                ),
                "registrationDate": "2005-05-02",
                "register": "1",
                "authority": "2",
            }
        ],
        "addresses": [_address(1, n), _address(2, n, box=postal_box)],
        "tradeRegisterStatus": "1",
        "status": "2",
        "registrationDate": "2005-05-02",
        "lastModified": last_modified,
    }
    if end_date:
        out["endDate"] = end_date
    return out


def situation(kind: str, start: str = "2024-03-01", end: str | None = None) -> dict:
    out = {"type": kind, "registrationDate": start, "source": "1"}
    if end:
        out["endDate"] = end
    return out


# Positions in the 100-company page, and what each is.
DISSOLVED = (3, 17, 42, 66, 91)
BANKRUPT = (8, 25, 57, 88)
LIQUIDATED = (12, 49, 73)
REORGANISING = (30,)
REORGANISATION_OVER = (31,)
SOLE_TRADERS = (5, 55)


def page(count: int = 100, *, start: int = 0) -> dict[str, Any]:
    companies = []
    for i in range(count):
        n = start + i
        kw: dict[str, Any] = {}
        if i in DISSOLVED:
            kw["end_date"] = "2023-06-30"
        if i in BANKRUPT:
            kw["situations"] = [situation("KONK")]
        if i in LIQUIDATED:
            kw["situations"] = [situation("SELTILA")]
        if i in REORGANISING:
            kw["situations"] = [situation("SANE")]
        if i in REORGANISATION_OVER:
            kw["situations"] = [situation("SANE", "2020-01-01", "2021-01-01")]
        if i in SOLE_TRADERS:
            kw["form"] = "26"
            kw["name"] = f"Toiminimi Testaaja {n}"
        if i % 10 == 4:
            kw["previous_name"] = f"Vanha Nimi {n} Oy"
        if i % 20 == 7:
            kw["postal_box"] = str(100 + i)
        companies.append(company(n, **kw))
    return {"totalResults": count, "companies": companies}


def write_page_100() -> Path:
    path = DATA / "companies_page_100.json"
    path.write_text(json.dumps(page(100), ensure_ascii=False, indent=1) + "\n")
    return path


if __name__ == "__main__":
    print(write_page_100())
