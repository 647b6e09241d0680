"""Real PRH v3 answers (data/prh/SOURCES.md) → organization values.

``nicodemuz_page1.json`` is the first page of a ``GET /companies`` search
as PRH sent it (totalResults 791955, 100 companies from 0100002-9 on):
66 of them have ended, one is bankrupt, one is an association outside the
trade register. The values below are read off the file."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import json

import pytest

from rekisteri.connectors import services
from rekisteri.connectors.prh.files import iter_companies
from rekisteri.connectors.prh.mapping import map_company
from rekisteri.connectors.tests import builders
from rekisteri.registry.models import Organization
from rekisteri.registry.sealing import business_id_q

PAGE_FILE = builders.DATA / "nicodemuz_page1.json"
PAGE = json.loads(PAGE_FILE.read_text(encoding="utf-8"))
BY_ID = {c["businessId"]["value"]: c for c in PAGE["companies"]}
TODAY = dt.date(2026, 12, 1)


def _mapped(business_id: str):
    return map_company(BY_ID[business_id], today=TODAY)


def _address(values: dict, prefix: str) -> tuple | None:
    if f"{prefix}_street" not in values:
        return None
    return tuple(
        values[f"{prefix}_{k}"] for k in ("street", "postal_code", "city", "country")
    )


def test_the_page_is_read_from_the_file_and_every_company_maps():
    companies = list(iter_companies(PAGE_FILE))
    assert PAGE["totalResults"] == 791955
    assert len(companies) == 100
    mapped = [map_company(c, today=TODAY) for c in companies]  # none refused
    assert mapped[0].business_id == "0100002-9"
    assert mapped[-1].business_id == "0100401-1"
    situations = collections.Counter(m.values["registry_situation"] for m in mapped)
    assert situations == {"dissolved": 66, "": 33, "bankruptcy": 1}
    # Every key of the page is one the mapping knows.
    assert all(m.unknown_keys == [] for m in mapped)
    assert not any(m.sole_trader for m in mapped)


# business id: name, form, form name, industry (code, set), trade register
# status, situation, end date, visiting, postal.
EXPECTED = {
    # Ended with its only name, form and registered entry; no address left.
    "0100002-9": (
        "Artjärven Metalli Oy",
        ("16", "Osakeyhtiö"),
        ("29120", "TOIMI2", "Pumppujen ja kompressorien valmistus"),
        "4",
        "dissolved",
        dt.date(2005, 12, 19),
        None,
        None,
    ),
    # Form 16 ended 2020-06-28 (version 2), form 10 since 2020-06-29.
    "0100004-5": (
        "Artjärven Kauppakeskus Oy",
        ("10", "Keskinäinen kiinteistöosakeyhtiö"),
        ("68209", "TOIMI3", "Muiden kiinteistöjen vuokraus ja hallinta"),
        "1",
        "",
        None,
        None,
        ("Laukkakatu 6", "15830", "LAHTI", "FI"),
    ),
    # An association: not in the trade register (status 3).
    "0100009-6": (
        "Artjärven Kotiseutuyhdistys r.y.",
        ("6", "Aatteellinen yhdistys"),
        ("94999", "TOIMI3", "Muualla luokittelemattomat muut järjestöt"),
        "3",
        "",
        None,
        None,
        ("c/o Ari Anttila, Anttilantie 412", "16260", "HIETANA", "FI"),
    ),
    # Bankrupt (KONK since 2025-03-19), renamed 2025-01-30; the visiting
    # address has no building number; the English line reads "CafÚs".
    "0100076-6": (
        "kahvitupa Kaj ja Rita Oy",
        ("16", "Osakeyhtiö"),
        ("56102", "TOIMI3", "Kahvila-ravintolat"),
        "1",
        "bankruptcy",
        None,
        ("Bellinmäki", "02740", "ESPOO", "FI"),
        ("Kytösavuntie 11", "02880", "VEIKKOLA", "FI"),
    ),
    # Both trade names end the day the company did; no mainBusinessLine.
    "0100157-4": (
        "Kommandiittiyhtiö Keif",
        ("13", "Kommandiittiyhtiö"),
        ("", "", ""),
        "4",
        "dissolved",
        dt.date(1999, 12, 13),
        None,
        None,
    ),
    # Ended, yet PRH keeps its postal address (TESJOKI, sv TESSJÖ).
    "0100153-1": (
        "Jorason Oy",
        ("16", "Osakeyhtiö"),
        ("25730", "TOIMI3", "Työkalujen valmistus"),
        "4",
        "dissolved",
        dt.date(2024, 6, 24),
        None,
        ("Katajatie 4", "07955", "TESJOKI", "FI"),
    ),
    # A partnership (avoin yhtiö) ended 2024-02-21.
    "0100213-9": (
        "Meikkileikki, Lavinkosket",
        ("5", "Avoin yhtiö"),
        ("96021", "TOIMI3", "Parturit ja kampaamot"),
        "4",
        "dissolved",
        dt.date(2024, 2, 21),
        None,
        None,
    ),
    # Housing company turned mutual real estate company; a post office box.
    "0100343-0": (
        "Kiinteistö Oy Espoon Aallonrivi",
        ("10", "Keskinäinen kiinteistöosakeyhtiö"),
        ("68202", "TOIMI3", "Asuntojen ja asuinkiinteistöjen hallinta"),
        "1",
        "",
        None,
        ("Panuntie 4", "00610", "HELSINKI", "FI"),
        ("PL 401", "00601", "HELSINKI", "FI"),
    ),
    # Auxiliary names (type 3) and translations (type 4) beside the trade
    # name; an address without entrance or apartment keys at all.
    "0100346-5": (
        "Oy Linde Gas Ab",
        ("16", "Osakeyhtiö"),
        ("20110", "TOIMI3", "Teollisuuskaasujen valmistus"),
        "1",
        "",
        None,
        None,
        ("Itsehallintokuja 6", "02600", "ESPOO", "FI"),
    ),
    # c/o on both addresses; an entrance of "lt.".
    "0100352-9": (
        "Alfacos Ltd Oy",
        ("16", "Osakeyhtiö"),
        ("46190", "TOIMI3", "Yleisagentuuritoiminta"),
        "1",
        "",
        None,
        ("c/o Alfacos Ltd Oy, Melkonkatu 19 A 17", "00210", "HELSINKI", "FI"),
        ("c/o Alfacos Ltd Oy, Sturenkatu 26 lt. 36", "00510", "HELSINKI", "FI"),
    ),
}


@pytest.mark.parametrize("business_id", list(EXPECTED))
def test_a_real_company_maps_onto_the_values_read_off_the_file(business_id):
    name, form, line, trs, situation, end, visiting, postal = EXPECTED[business_id]
    m = _mapped(business_id)
    v = m.values
    assert m.business_id == business_id
    assert v["name"] == name
    assert (v["company_form"], v["company_form_name"]) == form
    assert (v["industry_code"], v["industry_code_set"], v["industry_name"]) == line
    assert v["trade_register_status"] == trs
    assert v["registry_situation"] == situation
    assert v["registry_end_date"] == end
    assert _address(v, "visiting") == visiting
    assert _address(v, "postal") == postal
    assert m.sole_trader is False


def test_former_names_are_history_not_the_name():
    history = {
        (n["name"], n["type"], n["version"], n["registration_date"], n["end_date"])
        for n in _mapped("0100004-5").values["registered_names"]
    }
    assert history == {
        ("Artjärven Kauppakeskus Oy", "1", 1, "1993-03-31", ""),
        ("Osakeyhtiö Repolankatu 1", "1", 2, "1937-04-26", "1993-03-30"),
    }
    linde = _mapped("0100346-5").values["registered_names"]
    assert {n["type"] for n in linde} == {"1", "3", "4"}
    assert ("Oy Aga Ab", "2020-01-21") in {(n["name"], n["end_date"]) for n in linde}
    # The same name registered twice: the one in force.
    assert _mapped("0100360-9").values["name"] == "Amoila Oy"


def test_last_modified_is_finnish_time_with_or_without_it():
    # "2024-11-15 17:58:59" in winter time (UTC+2).
    assert _mapped("0100004-5").last_modified == dt.datetime(
        2024, 11, 15, 15, 58, 59, tzinfo=dt.UTC
    )
    # 29 of the page's companies send no lastModified.
    assert _mapped("0100002-9").last_modified is None


def test_an_ended_company_keeps_the_form_it_had_last():
    # PRH ends every form of an ended company with it (66 of 66 on this
    # page); its form was lost, and with it what kind of company it was.
    ended = [c for c in PAGE["companies"] if c.get("endDate")]
    assert len(ended) == 66
    for company in ended:
        assert all(f.get("endDate") for f in company["companyForms"])
        last = min(company["companyForms"], key=lambda f: f["version"])
        values = map_company(company, today=TODAY).values
        assert values["company_form"] == last["type"], company["businessId"]


def test_an_ended_private_trader_is_still_a_sole_trader():
    # 0100213-9 as it is, its ended form a private trader's (26): the
    # trader's name is personal data however long ago the business ended.
    company = copy.deepcopy(BY_ID["0100213-9"])
    company["companyForms"][0]["type"] = "26"
    m = map_company(company, today=TODAY)
    assert m.values["registry_situation"] == "dissolved"
    assert m.values["company_form"] == "26"
    assert m.sole_trader is True


@pytest.mark.django_db
def test_the_real_page_imports_whole():
    report = services.prh_import_file(actor=None, path=PAGE_FILE, create=True)
    assert (report.seen, report.created, report.failed, report.flagged) == (
        100,
        100,
        0,
        67,
    )
    ended = Organization.objects.get(business_id_q(["0100002-9"]))
    assert (ended.registry_situation, ended.company_form) == ("dissolved", "16")
    assert ended.registry_end_date == dt.date(2005, 12, 19)
    assert not Organization.objects.filter(sole_trader=True).exists()


@pytest.mark.django_db
def test_an_ended_private_trader_is_imported_as_a_sole_trader(tmp_path):
    # 0100213-9 as a private trader, as above: its name and business ID are a person's
    # data, kept as a sole trader's.
    company = copy.deepcopy(BY_ID["0100213-9"])
    company["companyForms"][0]["type"] = "26"
    path = tmp_path / "trader.json"
    path.write_text(json.dumps({"totalResults": 1, "companies": [company]}))
    report = services.prh_import_file(actor=None, path=path, create=True)
    assert (report.created, report.failed) == (1, 0)
    trader = Organization.objects.get(business_id_q(["0100213-9"]))
    assert trader.sole_trader is True
    assert (trader.name, trader.registry_situation) == (
        "Meikkileikki, Lavinkosket",
        "dissolved",
    )
