"""PRH v3 JSON → organization values."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from rekisteri.connectors.prh.mapping import MappingError, map_company
from rekisteri.connectors.tests import builders

SAMPLE = json.loads(
    (builders.DATA / "prh_v3_companies_businessId_0250345-3.json").read_text()
)["companies"][0]
TODAY = dt.date(2026, 12, 1)


def test_the_recorded_company_maps_onto_every_organization_field():
    m = map_company(SAMPLE, today=TODAY)
    v = m.values
    assert m.business_id == "0250345-3"
    assert v["name"] == "Accountor Group Oy"
    assert v["visiting_street"] == "Keilaniementie 1"
    assert v["visiting_postal_code"] == "02150"
    assert v["visiting_city"] == "ESPOO"  # the Finnish post office, not ESBO
    assert v["postal_street"] == "Keilaniementie 1"
    assert v["industry_code"] == "66190"
    assert v["industry_code_set"] == "TOIMI3"
    assert v["industry_name"].startswith("Muu rahoitusta palveleva")
    assert (v["company_form"], v["company_form_name"]) == ("16", "Osakeyhtiö")
    assert v["trade_register_status"] == "1"
    assert v["registry_situation"] == ""
    assert v["registry_end_date"] is None
    assert [e["register"] for e in v["registered_entries"]] == ["1", "4"]
    # Current and previous names with types and versions.
    names = {
        (n["name"], n["type"], n["version"], n["end_date"])
        for n in v["registered_names"]
    }
    assert ("Calcyteam Oy", "1", 2, "2016-01-28") in names
    assert ("Generis", "3", 1, "") in names
    # lastModified is Finnish local time.
    assert m.last_modified == dt.datetime(2024, 11, 15, 12, 2, 8, tzinfo=dt.UTC)
    assert m.sole_trader is False
    assert m.unknown_keys == []


@pytest.mark.parametrize(
    ("situations", "end_date", "expected"),
    [
        ([builders.situation("KONK")], None, "bankruptcy"),
        ([builders.situation("SELTILA")], None, "liquidation"),
        ([builders.situation("SANE")], None, "reorganisation"),
        ([builders.situation("SANE", "2020-01-01", "2021-01-01")], None, ""),
        ([builders.situation("SANE"), builders.situation("KONK")], None, "bankruptcy"),
        ([builders.situation("KONK")], "2024-01-01", "dissolved"),
        ([{"type": "UUSI", "registrationDate": "2024-01-01"}], None, ""),
    ],
)
def test_situations_worst_first(situations, end_date, expected):
    company = builders.company(1, situations=situations, end_date=end_date)
    assert map_company(company, today=TODAY).values["registry_situation"] == expected


def test_a_sole_trader_and_a_post_office_box():
    m = map_company(builders.company(5, form="26", postal_box="123"), today=TODAY)
    assert m.sole_trader is True
    assert m.values["postal_street"] == "PL 123"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda c: c.pop("businessId"), "missing_business_id"),
        (lambda c: c["businessId"].update(value="0250345-4"), "invalid_business_id"),
        (lambda c: c["businessId"].update(value="2503453"), "invalid_business_id"),
        (lambda c: c.update(names=[]), "missing_name"),
        (lambda c: c.update(names="Accountor"), "bad_shape"),
        (lambda c: c.update(addresses={"type": 1}), "bad_shape"),
        (lambda c: c.update(mainBusinessLine=["66190"]), "bad_shape"),
        (lambda c: c.update(lastModified="yesterday"), "bad_date"),
        (lambda c: c.update(endDate="31.12.2020"), "bad_date"),
        (lambda c: c.update(endDate="9999-12-31"), "date_out_of_range"),
        (lambda c: c.update(endDate="0001-01-01"), "date_out_of_range"),
    ],
)
def test_bad_companies_are_refused_with_a_stable_code(mutate, code):
    company = copy.deepcopy(SAMPLE)
    mutate(company)
    with pytest.raises(MappingError) as exc:
        map_company(company, today=TODAY)
    assert exc.value.code == code
    # The message names the key, never the value.
    assert "Accountor" not in exc.value.message


def test_new_keys_are_ignored_and_named():
    company = copy.deepcopy(SAMPLE)
    company["beneficialOwners"] = []
    company.pop("website")
    m = map_company(company, today=TODAY)
    assert m.unknown_keys == ["beneficialOwners"]
    assert m.values["name"] == "Accountor Group Oy"


def test_missing_optional_parts_leave_fields_empty():
    company = copy.deepcopy(SAMPLE)
    for key in ("addresses", "mainBusinessLine", "companyForms", "registeredEntries"):
        company.pop(key)
    v = map_company(company, today=TODAY).values
    assert "visiting_street" not in v and "postal_city" not in v
    assert v["industry_code"] == "" and v["company_form"] == ""


def _postal(**fields) -> dict:
    out = {
        "type": 2,
        "street": "",
        "buildingNumber": "",
        "entrance": "",
        "apartmentNumber": "",
        "apartmentIdSuffix": "",
        "postOfficeBox": "",
        "co": None,
        "country": None,
        "freeAddressLine": None,
        "postCode": "00100",
        "postOffices": [
            {"city": "HELSINGFORS", "languageCode": "2", "active": True},
            {"city": "HELSINKI", "languageCode": "1", "active": True},
        ],
        "registrationDate": "2024-08-05",
        "source": "0",
    }
    out.update(fields)
    return out


def _postal_values(*addresses: dict) -> dict:
    company = builders.company(1)
    company["addresses"] = list(addresses)
    values = map_company(company, today=TODAY).values
    return {
        k[len("postal_") :]: v for k, v in values.items() if k.startswith("postal_")
    }


@pytest.mark.parametrize(
    "co", ["c/o Anttoni Patana", "C/O Anttoni Patana", "Anttoni Patana"]
)
def test_a_care_of_name_gets_one_prefix(co):
    # PRH sends the c/o name with its prefix or without it (the first is a
    # recorded company's, 3466646-8).
    values = _postal_values(
        _postal(
            co=co,
            street="Mechelininkatu",
            buildingNumber="18",
            entrance="B",
            apartmentNumber="52",
        )
    )
    assert values["street"] == "c/o Anttoni Patana, Mechelininkatu 18 B 52"


def test_the_current_address_is_taken_over_an_ended_one():
    ended = _postal(street="Vanha katu", buildingNumber="1", endDate="2020-01-31")
    current = _postal(street="Uusi katu", buildingNumber="2")
    assert _postal_values(ended, current)["street"] == "Uusi katu 2"
    assert _postal_values(current, ended)["street"] == "Uusi katu 2"
    # One that ends later is still the address today.
    later = _postal(street="Muuttuva katu", buildingNumber="3", endDate="2027-06-30")
    assert _postal_values(ended, later)["street"] == "Muuttuva katu 3"
    # With every one ended, the one registered last.
    older = _postal(
        street="Vanhin katu",
        buildingNumber="9",
        registrationDate="2001-01-01",
        endDate="2010-01-01",
    )
    assert _postal_values(ended, older)["street"] == "Vanha katu 1"


def test_a_foreign_address_in_one_free_line_and_its_country():
    values = _postal_values(
        _postal(
            freeAddressLine="Norgårdsvägen_3_SE-451_75_Uddevalla",
            country="se",
            postCode="",
            postOffices=[],
        )
    )
    assert values == {
        "street": "Norgårdsvägen 3 SE-451 75 Uddevalla",
        "postal_code": "",
        "city": "",
        "country": "SE",
    }


@pytest.mark.parametrize(
    ("country", "expected"),
    [(None, "FI"), ("", "FI"), ("FI", "FI"), ("RUOTSI", "FI"), ("S1", "FI")],
)
def test_a_country_that_is_no_two_letter_code_leaves_finland(country, expected):
    values = _postal_values(_postal(street="Katu", buildingNumber="1", country=country))
    assert values["country"] == expected
