"""The generated notice: the seed's facts and more, in three languages."""

from __future__ import annotations

import datetime as dt

import pytest

from rekisteri.privacy import notice, services
from rekisteri.privacy.facts import catalogue_categories, system_facts
from rekisteri.privacy.vocabulary import category_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    services.profile_load_seed(actor=None)
    return services.notice_publish(actor=None)


SEED_FACTS_FI = [
    # Controller and contact, exactly as the seed gives them.
    "LeadDesk Solutions Oy",
    "Konetie 20",
    "90620 OULU",
    "+358 40 3012 300",
    "solutions@leaddesk.com",
    "Tero Lepistö",
    "Director, LeadDesk Solutions Oy",
    "+358 50 404 1346",
    "tero.lepisto@leaddesk.com",
    # Purposes and basis.
    "Asiakas- ja sopimussuhteen hoitaminen",
    "Asiakaspalvelu",
    "Laskutus",
    "Perintä",
    "Myynti",
    "sopimus (GDPR 6 artiklan 1 kohdan b alakohta)",
    "ei käytetä suoramarkkinointiin",
    # Categories (those the register holds today).
    "Nimi",
    "Osoite",
    "Puhelinnumero",
    "Sähköpostiosoite",
    "Asiakasnumero",
    "Sopimussuhteeseen liittyvät tiedot, sopimuksen alkamis- ja päättymispäivä",
    "Laskutukseen ja perintään liittyvät tiedot",
    "Asiakassuhteen hoitoon ja asiakasyhteydenottoihin liittyvä viestihistoria",
    # Sources.
    "Rekisteröidyn itse ilmoittamat tiedot",
    "Asiakasyrityksen ilmoittamat yhteyshenkilön tai loppukäyttäjän tiedot",
    "Suomen Asiakastieto",
    "Fonecta",
    # No disclosure, no transfers.
    "ei säännönmukaisesti luovuteta ulkopuolisille yrityksille",
    "ei siirretä eikä luovuteta Euroopan unionin tai Euroopan talousalueen",
    # Retention.
    "niin kauan, kuin asiakassopimus ja -suhde on voimassa",
    # Security principles.
    "salausmenetelmät, varmuuskopiointi",
    "palomuurit ja pääsynhallinta",
    "henkilökohtaisella käyttäjätunnuksella",
    "lukituissa tiloissa",
    "paperisilppurilla",
    "koulutus ja perehdytys",
]

FI_HEADINGS = [
    "Rekisterinpitäjä",
    "Yhteyshenkilö rekisteriä koskevissa asioissa",
    "Rekisterin nimi",
    "Henkilötietojen käsittelyn tarkoitus ja oikeusperuste",
    "Rekisterin tietosisältö",
    "Säännönmukaiset tietolähteet",
    "Tietojen säilytysaika",
    "Tietojen säännönmukaiset luovutukset",
    "Tietojen siirto EU:n tai ETA:n ulkopuolelle",
    "Rekisteröidyn oikeudet",
    "Oikeus tehdä valitus tietosuojavaltuutetulle",
    "Rekisterin suojauksen periaatteet",
]


def test_the_finnish_notice_holds_every_fact_of_the_seed(published):
    text = published.markdown["fi"].replace("\\", "")
    missing = [fact for fact in SEED_FACTS_FI if fact not in text]
    assert not missing
    for heading in FI_HEADINGS:
        assert f"## {heading}" in text


def test_the_finnish_notice_also_holds_what_the_seed_leaves_out(published):
    text = published.markdown["fi"]
    for right in ("15 artikla", "16 artikla", "17 artikla", "18 artikla",
                  "20 artikla", "21 artikla"):  # fmt: skip
        assert right in text
    assert "tietosuojavaltuutetun toimistolle" in text
    assert "## Henkilötietojen antamisen vaatimus" in text
    assert "## Automaattinen päätöksenteko ja profilointi" in text


def test_every_catalogue_category_is_in_every_language(published):
    for lang in ("fi", "sv", "en"):
        for key in catalogue_categories():
            assert category_label(key, lang) in published.markdown[lang]


def test_swedish_and_english_are_complete(published):
    sv, en = published.markdown["sv"], published.markdown["en"]
    assert sv.startswith("# Dataskyddsbeskrivning")
    assert "## Den registrerades rättigheter" in sv
    assert "dataombudsmannens byrå" in sv
    assert en.startswith("# Privacy notice")
    assert "## Right to complain to the Data Protection Ombudsman" in en
    assert "LeadDesk Solutions Oy" in sv and "LeadDesk Solutions Oy" in en


def test_a_processor_outside_the_eea_with_scc_is_named_in_transfers():
    services.profile_load_seed(actor=None)
    services.party_create(
        actor=None,
        data={
            "name": "Support Desk Inc",
            "role": "processor",
            "service": "Ticketing",
            "country": "US",
            "data_categories": ["user.contact.email"],
            "agreement_date": dt.date(2025, 1, 1),
            "transfer_mechanism": "scc",
        },
    )
    doc = notice.to_markdown(notice.build(system_facts(), "fi"))
    transfers = doc.split("## Tietojen siirto EU:n tai ETA:n ulkopuolelle")[1]
    transfers = transfers.split("## ")[0]
    assert "Support Desk Inc" in transfers
    assert "Yhdysvallat (US)" in transfers
    assert "vakiosopimuslausekkeet" in transfers
    assert "ei siirretä" not in transfers


def test_typed_text_cannot_inject_markup():
    services.profile_load_seed(actor=None)
    from rekisteri.privacy.fixtures import SEED_TEXTS

    texts = dict(SEED_TEXTS["en"])
    texts["register_name"] = "<script>alert(1)</script> # [x](javascript:1)"
    services.profile_texts_update(actor=None, language="en", texts=texts)
    doc = notice.build(system_facts(), "en")
    html = notice.to_html(doc)
    md = notice.to_markdown(doc)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in md
    assert "\\[x\\]" in md


def test_published_html_and_markdown_agree(published):
    for lang in ("fi", "sv", "en"):
        assert "Tero Lepistö" in published.html[lang]
        assert published.html[lang].count("<h2>") == published.markdown[lang].count(
            "\n## "
        )


def test_a_collection_agency_of_billing_is_a_named_recipient():
    from rekisteri.billing.models import CollectionAgency

    services.profile_load_seed(actor=None)
    CollectionAgency.objects.create(
        name="Perintä Pohjola Oy", business_id="0737546-2", country="FI"
    )
    doc = notice.to_markdown(notice.build(system_facts(), "fi"))
    recipients = doc.split("## Tietojen säännönmukaiset luovutukset")[1]
    recipients = recipients.split("\n## ")[0]
    assert "Vastaanottaja: Perintä Pohjola Oy" in recipients
    assert "ei säännönmukaisesti luovuteta" not in recipients
    # Inside the EEA: still no transfers.
    assert "ei siirretä" in doc
