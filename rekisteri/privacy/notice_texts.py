"""The fixed texts of the generated notice in Finnish, Swedish and English.

Each constant is a ``(fi, sv, en)`` tuple; :func:`t` picks one. Written here
rather than through gettext so the three notices are always complete.
"""

from __future__ import annotations

from rekisteri.privacy.vocabulary import LANGS

Tr = tuple[str, str, str]  # (fi, sv, en)


def t(texts: Tr, language: str) -> str:
    return texts[LANGS.index(language)]


TITLE: Tr = ("Tietosuojaseloste", "Dataskyddsbeskrivning", "Privacy notice")
SUBTITLE: Tr = (
    "EU:n yleisen tietosuoja-asetuksen (2016/679) 13 ja 14 artikla",
    "Artiklarna 13 och 14 i EU:s allmänna dataskyddsförordning (2016/679)",
    "Articles 13 and 14 of the EU General Data Protection Regulation (2016/679)",
)
H: dict[str, Tr] = {
    "controller": ("Rekisterinpitäjä", "Personuppgiftsansvarig", "Controller"),
    "contact": (
        "Yhteyshenkilö rekisteriä koskevissa asioissa",
        "Kontaktperson i ärenden som gäller registret",
        "Contact person for matters concerning the register",
    ),
    "dpo": ("Tietosuojavastaava", "Dataskyddsombud", "Data protection officer"),
    "register": ("Rekisterin nimi", "Registrets namn", "Name of the register"),
    "purposes": (
        "Henkilötietojen käsittelyn tarkoitus ja oikeusperuste",
        "Ändamålen med och den rättsliga grunden för behandlingen",
        "Purposes and legal basis of the processing",
    ),
    "legitimate": (
        "Oikeutetut edut",
        "Berättigade intressen",
        "Legitimate interests",
    ),
    "subjects": ("Rekisteröityjen ryhmät", "Registrerade", "Data subjects"),
    "content": (
        "Rekisterin tietosisältö",
        "Registrets datainnehåll",
        "Personal data in the register",
    ),
    "sources": (
        "Säännönmukaiset tietolähteet",
        "Regelbundna uppgiftskällor",
        "Regular sources of data",
    ),
    "retention": (
        "Tietojen säilytysaika",
        "Lagringstid",
        "How long the data is kept",
    ),
    "recipients": (
        "Tietojen säännönmukaiset luovutukset ja vastaanottajat",
        "Regelbundna utlämnanden och mottagare",
        "Regular disclosures and recipients",
    ),
    "transfers": (
        "Tietojen siirto EU:n tai ETA:n ulkopuolelle",
        "Överföring till länder utanför EU eller EES",
        "Transfers outside the EU or EEA",
    ),
    "rights": (
        "Rekisteröidyn oikeudet",
        "Den registrerades rättigheter",
        "Your rights",
    ),
    "complaint": (
        "Oikeus tehdä valitus tietosuojavaltuutetulle",
        "Rätt att lämna in klagomål till dataombudsmannen",
        "Right to complain to the Data Protection Ombudsman",
    ),
    "provision": (
        "Henkilötietojen antamisen vaatimus",
        "Krav på att lämna personuppgifter",
        "Whether you must provide the data",
    ),
    "automated": (
        "Automaattinen päätöksenteko ja profilointi",
        "Automatiserat beslutsfattande och profilering",
        "Automated decision-making and profiling",
    ),
    "security": (
        "Rekisterin suojauksen periaatteet",
        "Principerna för skyddet av registret",
        "How the register is protected",
    ),
    "links": (
        "Lisätietoja tietosuojasta",
        "Mer information om dataskydd",
        "More about data protection",
    ),
}

PHONE: Tr = ("Puhelin", "Telefon", "Phone")
EMAIL: Tr = ("Sähköposti", "E-post", "Email")
BUSINESS_ID: Tr = ("Y-tunnus", "FO-nummer", "Business ID")
BASIS_WORD: Tr = ("oikeusperuste", "rättslig grund", "legal basis")
TECHNICAL: Tr = ("Tekniset toimet", "Tekniska åtgärder", "Technical measures")
ORGANISATIONAL: Tr = (
    "Organisatoriset toimet",
    "Organisatoriska åtgärder",
    "Organisational measures",
)
NO_DISCLOSURE: Tr = (
    "Tietoja ei säännönmukaisesti luovuteta ulkopuolisille yrityksille tai "
    "tahoille. Tietoja voidaan luovuttaa viranomaisille lain niin vaatiessa.",
    "Uppgifterna lämnas inte regelbundet ut till utomstående företag eller "
    "organisationer. Uppgifter kan lämnas ut till myndigheter när lagen kräver det.",
    "The data is not regularly disclosed to outside companies or organisations. "
    "It may be disclosed to authorities where the law requires it.",
)
RECIPIENTS_INTRO: Tr = (
    "Tietoja luovutetaan seuraaville vastaanottajille:",
    "Uppgifter lämnas ut till följande mottagare:",
    "Data is disclosed to the following recipients:",
)
PROCESSORS_INTRO: Tr = (
    "Käytämme seuraavia henkilötietojen käsittelijöitä, jotka käsittelevät "
    "tietoja lukuunmme kirjallisen sopimuksen (28 artikla) perusteella:",
    "Vi anlitar följande personuppgiftsbiträden, som behandlar uppgifterna för "
    "vår räkning enligt skriftligt avtal (artikel 28):",
    "We use the following processors, who process the data on our behalf under "
    "a written agreement (Art. 28):",
)
NO_TRANSFERS: Tr = (
    "Tietoja ei siirretä eikä luovuteta Euroopan unionin tai Euroopan "
    "talousalueen ulkopuolelle.",
    "Uppgifterna överförs inte och lämnas inte ut till länder utanför Europeiska "
    "unionen eller Europeiska ekonomiska samarbetsområdet.",
    "The data is not transferred or disclosed outside the European Union or the "
    "European Economic Area.",
)
TRANSFERS_INTRO: Tr = (
    "Tietoja siirretään EU:n tai ETA:n ulkopuolelle seuraavasti; kunkin "
    "siirron suojatoimi on mainittu:",
    "Uppgifter överförs till länder utanför EU eller EES enligt följande, med "
    "skyddsåtgärden för varje överföring:",
    "Data is transferred outside the EU or EEA as follows, each with its safeguard:",
)
HOSTING: Tr = (
    "Rekisterin tiedot säilytetään palvelimilla maassa: {country}.",
    "Registrets uppgifter lagras på servrar i: {country}.",
    "The register's data is stored on servers in: {country}.",
)
RIGHTS_INTRO: Tr = (
    "Sinulla on EU:n yleisen tietosuoja-asetuksen mukaan seuraavat oikeudet. "
    "Pyynnöt voi osoittaa yllä mainitulle yhteyshenkilölle; vastaamme "
    "kuukauden kuluessa.",
    "Du har följande rättigheter enligt EU:s dataskyddsförordning. Begäranden "
    "kan riktas till kontaktpersonen ovan; vi svarar inom en månad.",
    "Under the GDPR you have the following rights. Send requests to the contact "
    "person above; we answer within one month.",
)
RIGHT_TEXTS: dict[str, Tr] = {
    "access": (
        "Oikeus saada pääsy tietoihin: saat tietää, mitä tietoja sinusta "
        "käsitellään, ja jäljennöksen niistä (15 artikla).",
        "Rätt till tillgång: du får veta vilka uppgifter om dig som behandlas och "
        "en kopia av dem (artikel 15).",
        "Right of access: to know what data about you is processed and to get a "
        "copy (Art. 15).",
    ),
    "rectification": (
        "Oikeus tietojen oikaisemiseen: virheelliset tiedot korjataan ja "
        "puutteelliset täydennetään (16 artikla).",
        "Rätt till rättelse: felaktiga uppgifter rättas och ofullständiga "
        "kompletteras (artikel 16).",
        "Right to rectification: wrong data is corrected and incomplete data "
        "completed (Art. 16).",
    ),
    "erasure": (
        "Oikeus tietojen poistamiseen, kun tietoja ei enää tarvita tai "
        "käsittelylle ei ole perustetta, ellei laki edellytä säilyttämistä "
        "(17 artikla).",
        "Rätt till radering när uppgifterna inte längre behövs eller saknar "
        "grund, om inte lagen kräver att de sparas (artikel 17).",
        "Right to erasure when the data is no longer needed or has no basis, "
        "unless the law requires keeping it (Art. 17).",
    ),
    "restriction": (
        "Oikeus käsittelyn rajoittamiseen esimerkiksi tietojen oikeellisuuden "
        "selvittämisen ajaksi (18 artikla).",
        "Rätt till begränsning av behandlingen, till exempel medan uppgifternas "
        "riktighet utreds (artikel 18).",
        "Right to restriction of processing, for example while the accuracy of "
        "the data is checked (Art. 18).",
    ),
    "objection": (
        "Oikeus vastustaa käsittelyä, joka perustuu oikeutettuun etuun, sekä "
        "suoramarkkinointia (21 artikla).",
        "Rätt att invända mot behandling som grundar sig på berättigat intresse "
        "och mot direktmarknadsföring (artikel 21).",
        "Right to object to processing based on legitimate interest and to "
        "direct marketing (Art. 21).",
    ),
    "portability": (
        "Oikeus siirtää itse antamasi tiedot koneluettavassa muodossa (20 artikla).",
        "Rätt att flytta uppgifter du själv lämnat i maskinläsbar form (artikel 20).",
        "Right to data portability: the data you gave us in a machine-readable "
        "format (Art. 20).",
    ),
}
WITHDRAW: Tr = (
    "Oikeus peruuttaa suostumus milloin tahansa; peruutus ei vaikuta ennen sitä "
    "tehdyn käsittelyn lainmukaisuuteen (7 artiklan 3 kohta).",
    "Rätt att när som helst återkalla samtycke, utan att det påverkar "
    "behandlingen före återkallelsen (artikel 7.3).",
    "Right to withdraw consent at any time, without affecting processing before "
    "the withdrawal (Art. 7(3)).",
)
COMPLAINT: Tr = (
    "Sinulla on oikeus tehdä valitus valvontaviranomaiselle, Suomessa "
    "tietosuojavaltuutetun toimistolle (https://tietosuoja.fi), jos katsot, "
    "että henkilötietojesi käsittely rikkoo tietosuoja-asetusta (77 artikla).",
    "Du har rätt att lämna in klagomål till tillsynsmyndigheten, i Finland "
    "dataombudsmannens byrå (https://tietosuoja.fi/sv), om du anser att "
    "behandlingen av dina personuppgifter strider mot dataskyddsförordningen "
    "(artikel 77).",
    "You have the right to lodge a complaint with the supervisory authority, in "
    "Finland the Office of the Data Protection Ombudsman "
    "(https://tietosuoja.fi/en), if you think the processing of your personal "
    "data breaks the GDPR (Art. 77).",
)
VERSION: Tr = (
    "Versio {n}, julkaistu {date}.",
    "Version {n}, publicerad {date}.",
    "Version {n}, published {date}.",
)
DRAFT: Tr = (
    "Luonnos, ei julkaistu.",
    "Utkast, inte publicerat.",
    "Draft, not published.",
)
AREAS_INTRO: Tr = (
    "Keräämme ja käsittelemme asiakkaistamme seuraavia tietoja:",
    "Vi samlar in och behandlar följande uppgifter om våra kunder:",
    "We collect and process the following data about our customers:",
)
CATEGORIES_INTRO: Tr = (
    "Tietoryhmät yksityiskohtaisesti:",
    "Uppgiftskategorier i detalj:",
    "Data categories in detail:",
)
