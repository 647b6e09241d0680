"""Names of the catalogue's vocabulary in the three notice languages.

The generated notice is written per language here rather than through
gettext, so the Finnish, Swedish and English notices are all complete
whatever the UI catalogues hold. A category key not listed falls back to its
nearest listed parent (``user.contact.address.street`` → address).
"""

from __future__ import annotations

Labels = dict[str, tuple[str, str, str]]  # key → (fi, sv, en)
LANGS = ("fi", "sv", "en")

CATEGORY_LABELS: Labels = {
    "user": ("Henkilötiedot", "Personuppgifter", "Personal data"),
    "user.name": ("Nimi", "Namn", "Name"),
    "user.contact": ("Yhteystiedot", "Kontaktuppgifter", "Contact details"),
    "user.contact.address": ("Osoite", "Adress", "Address"),
    "user.contact.email": ("Sähköpostiosoite", "E-postadress", "Email address"),
    "user.contact.phone_number": ("Puhelinnumero", "Telefonnummer", "Phone number"),
    "user.unique_id": (
        "Asiakasnumero ja muut tunnisteet",
        "Kundnummer och andra identifierare",
        "Customer number and other identifiers",
    ),
    "user.workplace": (
        "Rooli asiakasyrityksessä ja sen alkamis- ja päättymispäivä",
        "Roll hos kundföretaget med start- och slutdatum",
        "Role at the customer company with its start and end dates",
    ),
    "user.job_title": ("Tehtävänimike", "Befattning", "Job title"),
    "user.demographic.language": ("Asiointikieli", "Språk", "Preferred language"),
    "user.demographic": (
        "Demografiset tiedot",
        "Demografiska uppgifter",
        "Demographic data",
    ),
    "user.financial": (
        "Laskutukseen ja perintään liittyvät tiedot",
        "Uppgifter om fakturering och indrivning",
        "Invoicing and debt-collection data",
    ),
    "user.payment": ("Maksutiedot", "Betalningsuppgifter", "Payment data"),
    "user.contract": (
        "Sopimussuhteeseen liittyvät tiedot",
        "Uppgifter om avtalsförhållandet",
        "Contract data",
    ),
    "user.communication": (
        "Asiakassuhteen hoitoon ja yhteydenottoihin liittyvä viestihistoria",
        "Meddelandehistorik om kundrelationen och kontakter",
        "Message history of the customer relationship and contacts",
    ),
    "user.behavior.purchase_history": (
        "Sopimussuhteeseen liittyvät tiedot, sopimuksen alkamis- ja päättymispäivä",
        "Uppgifter om avtalsförhållandet, avtalets start- och slutdatum",
        "Contract data, the contract's start and end dates",
    ),
    "user.content.private": (
        "Asiakassuhteen hoitoon liittyvät vapaamuotoiset tekstit",
        "Fritext som registrerats i kundrelationen",
        "Free text recorded in the customer relationship",
    ),
    "user.content": (
        "Viestien, tukipyyntöjen ja muistiinpanojen sisältö",
        "Innehållet i meddelanden, supportärenden och anteckningar",
        "Content of messages, support tickets and notes",
    ),
    "user.financial.bank_account": (
        "Pankkitilin tiedot",
        "Bankkontouppgifter",
        "Bank account details",
    ),
    "user.location": ("Sijaintitiedot", "Platsuppgifter", "Location data"),
    "user.government_id": (
        "Viranomaisen antamat tunnisteet",
        "Myndighetsutfärdade identifierare",
        "Government-issued identifiers",
    ),
    "user.social": (
        "Sosiaalisen median tiedot",
        "Uppgifter från sociala medier",
        "Social media data",
    ),
    "user.telemetry": ("Käyttötelemetria", "Användningstelemetri", "Usage telemetry"),
    "user.account": ("Käyttäjätili", "Användarkonto", "User account"),
    "user.authorization": (
        "Tunnistautumistiedot",
        "Autentiseringsuppgifter",
        "Authentication data",
    ),
    "user.behavior": ("Käyttötiedot", "Användningsuppgifter", "Usage data"),
    "user.device": ("Laitetiedot", "Enhetsuppgifter", "Device data"),
    "user.privacy_preferences": (
        "Suostumukset ja kiellot",
        "Samtycken och förbud",
        "Consents and objections",
    ),
}

# What each app's personal data is, in the words the seed notice uses. An
# app appears in the notice when the catalogue has customer data in it.
AREA_LABELS: Labels = {
    "registry": (
        "Asiakkaan, tuki- ja ylläpitopalvelunkäyttäjän tai yhteyshenkilön nimi, "
        "osoite, puhelinnumero, sähköpostiosoite ja asiakasnumero",
        "Namn, adress, telefonnummer, e-postadress och kundnummer för kunden, "
        "support- och underhållsanvändare eller kontaktpersonen",
        "Name, address, phone number, email address and customer number of the "
        "customer, support and maintenance users and contact persons",
    ),
    "contracts": (
        "Sopimussuhteeseen liittyvät tiedot, sopimuksen alkamis- ja päättymispäivä",
        "Uppgifter om avtalsförhållandet, avtalets start- och slutdatum",
        "Contract data, the contract's start and end dates",
    ),
    "billing": (
        "Laskutukseen ja perintään liittyvät tiedot",
        "Uppgifter om fakturering och indrivning",
        "Invoicing and debt-collection data",
    ),
    "messaging": (
        "Asiakassuhteen hoitoon ja asiakasyhteydenottoihin liittyvä viestihistoria",
        "Meddelandehistorik om kundrelationen och kundkontakter",
        "Message history of the customer relationship and customer contacts",
    ),
}

PURPOSE_LABELS: Labels = {
    "customer_relationship": (
        "Asiakas- ja sopimussuhteen hoitaminen",
        "Hantering av kund- och avtalsförhållandet",
        "Managing the customer and contract relationship",
    ),
    "customer_service": ("Asiakaspalvelu", "Kundtjänst", "Customer service"),
    "invoicing": ("Laskutus", "Fakturering", "Invoicing"),
    "collection": ("Perintä", "Indrivning", "Debt collection"),
    "sales": ("Myynti", "Försäljning", "Sales"),
    "marketing": ("Markkinointi", "Marknadsföring", "Marketing"),
    "security": (
        "Tietoturva ja pääsynhallinta",
        "Informationssäkerhet och åtkomstkontroll",
        "Security and access control",
    ),
}

BASIS_LABELS: Labels = {
    "contract": (
        "sopimus (GDPR 6 artiklan 1 kohdan b alakohta)",
        "avtal (artikel 6.1 b i GDPR)",
        "contract (GDPR Art. 6(1)(b))",
    ),
    "legal_obligation": (
        "lakisääteinen velvoite (6 artiklan 1 kohdan c alakohta)",
        "rättslig förpliktelse (artikel 6.1 c)",
        "legal obligation (Art. 6(1)(c))",
    ),
    "legitimate_interest": (
        "oikeutettu etu (6 artiklan 1 kohdan f alakohta)",
        "berättigat intresse (artikel 6.1 f)",
        "legitimate interest (Art. 6(1)(f))",
    ),
    "consent": (
        "suostumus (6 artiklan 1 kohdan a alakohta)",
        "samtycke (artikel 6.1 a)",
        "consent (Art. 6(1)(a))",
    ),
}

RETENTION_LABELS: Labels = {
    "relationship": (
        "Asiakassuhteen ajan: viimeisen sopimuksen tai roolin päättymisestä "
        "kohtuullisen siirtymäajan jälkeen tiedot poistetaan",
        "Under kundrelationen: uppgifterna raderas inom en skälig tid efter "
        "att det sista avtalet eller den sista rollen upphört",
        "For the customer relationship: deleted a reasonable grace period "
        "after the last contract or role ends",
    ),
    "bookkeeping_voucher": (
        "Kirjanpitolain mukaan 6 vuotta sen kalenterivuoden lopusta, jonka "
        "aikana tilikausi päättyi (kirjanpitolaki 2:10)",
        "Enligt bokföringslagen 6 år från utgången av det kalenderår under "
        "vilket räkenskapsperioden avslutades",
        "Under the Accounting Act, 6 years from the end of the calendar year "
        "in which the financial year ended (Accounting Act 2:10)",
    ),
    "bookkeeping_book": (
        "Kirjanpitolain mukaan 10 vuotta tilikauden päättymisestä",
        "Enligt bokföringslagen 10 år från räkenskapsperiodens utgång",
        "Under the Accounting Act, 10 years from the end of the financial year",
    ),
    "marketing": (
        "Markkinoinnin osalta niin kauan kuin se on ajankohtaista: viimeisestä "
        "yhteydenotosta määräajan jälkeen tiedot poistetaan",
        "För marknadsföring så länge det är aktuellt: raderas en viss tid "
        "efter den senaste kontakten",
        "For marketing while it is relevant: deleted a set period after the "
        "last interaction",
    ),
    "privacy_case": (
        "Tietosuojapyynnön käsittelyn päättymisestä määräajan",
        "En viss tid efter att dataskyddsärendet avslutats",
        "A set period after the privacy request is closed",
    ),
    "audit": (
        "Lokitiedot määräajan tietoturvan ja käsittelyn osoittamista varten",
        "Loggar en viss tid för säkerhet och ansvarsskyldighet",
        "Logs for a set period for security and accountability",
    ),
    "unverified_request": (
        "Vahvistamattomat pyynnöt muutaman päivän",
        "Obekräftade begäranden några dagar",
        "Unverified requests for a few days",
    ),
    "staff_account": (
        "Työsuhteen ajan ja käyttöoikeuksien tarkastusjakson",
        "Under anställningen och perioden för behörighetsgranskning",
        "Employment plus the access-review period",
    ),
}

SOURCE_LABELS: Labels = {
    "data_subject": (
        "Rekisteröidyn itse ilmoittamat tiedot",
        "Uppgifter som den registrerade själv lämnat",
        "Data the data subject gives us",
    ),
    "customer_company": (
        "Asiakasyrityksen ilmoittamat yhteyshenkilön tai loppukäyttäjän tiedot",
        "Kontaktpersonens eller slutanvändarens uppgifter från kundföretaget",
        "Contact person and end-user data from the customer company",
    ),
    "staff": (
        "Henkilökuntamme kirjaamat asiakassuhteen tiedot",
        "Uppgifter som vår personal registrerar om kundrelationen",
        "Data our staff record about the customer relationship",
    ),
}

ROLE_LABELS: Labels = {
    "processor": ("Henkilötietojen käsittelijä", "Personuppgiftsbiträde", "Processor"),
    "recipient": ("Vastaanottaja", "Mottagare", "Recipient"),
    "joint_controller": (
        "Yhteisrekisterinpitäjä",
        "Gemensamt personuppgiftsansvarig",
        "Joint controller",
    ),
}

MECHANISM_LABELS: Labels = {
    "none": ("ei siirtoperustetta", "ingen överföringsgrund", "no mechanism"),
    "adequacy": (
        "Euroopan komission tietosuojan riittävyyttä koskeva päätös (45 artikla)",
        "kommissionens beslut om adekvat skyddsnivå (artikel 45)",
        "European Commission adequacy decision (Art. 45)",
    ),
    "scc": (
        "Euroopan komission vakiosopimuslausekkeet (46 artiklan 2 kohdan c alakohta)",
        "kommissionens standardavtalsklausuler (artikel 46.2 c)",
        "European Commission standard contractual clauses (Art. 46(2)(c))",
    ),
}

SUBJECT_LABELS: Labels = {
    "customer": (
        "Asiakasyritysten yhteyshenkilöt, tuki- ja ylläpitopalvelun käyttäjät, "
        "loppukäyttäjät ja laskutusyhteyshenkilöt sekä yksityiselinkeinonharjoittajat",
        "Kontaktpersoner, support- och underhållsanvändare, slutanvändare och "
        "faktureringskontakter hos kundföretag samt enskilda näringsidkare",
        "Contact persons, support and maintenance users, end users and billing "
        "contacts of customer companies, and sole traders",
    ),
    "employee": (
        "Rekisterinpitäjän henkilökunta (käyttäjätilit ja lokit)",
        "Den personuppgiftsansvariges personal (konton och loggar)",
        "The controller's staff (accounts and logs)",
    ),
}


def label(table: Labels, key: str, language: str) -> str:
    """The ``language`` label of ``key``; dotted keys fall back to a parent."""
    index = LANGS.index(language)
    probe = key
    while probe:
        if probe in table:
            return table[probe][index]
        probe = probe.rpartition(".")[0]
    return key


def category_label(key: str, language: str) -> str:
    return label(CATEGORY_LABELS, key, language)


COUNTRY_LABELS: Labels = {
    "FI": ("Suomi", "Finland", "Finland"),
    "SE": ("Ruotsi", "Sverige", "Sweden"),
    "EE": ("Viro", "Estland", "Estonia"),
    "DE": ("Saksa", "Tyskland", "Germany"),
    "IE": ("Irlanti", "Irland", "Ireland"),
    "NL": ("Alankomaat", "Nederländerna", "the Netherlands"),
    "NO": ("Norja", "Norge", "Norway"),
    "DK": ("Tanska", "Danmark", "Denmark"),
    "FR": ("Ranska", "Frankrike", "France"),
    "US": ("Yhdysvallat", "USA", "the United States"),
    "GB": ("Yhdistynyt kuningaskunta", "Storbritannien", "the United Kingdom"),
    "CH": ("Sveitsi", "Schweiz", "Switzerland"),
    "CA": ("Kanada", "Kanada", "Canada"),
    "JP": ("Japani", "Japan", "Japan"),
    "IN": ("Intia", "Indien", "India"),
}


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` with its ISO code: "Ruotsi (SE)"."""
    code = code.upper()
    names = COUNTRY_LABELS.get(code)
    return f"{names[LANGS.index(language)]} ({code})" if names else code
