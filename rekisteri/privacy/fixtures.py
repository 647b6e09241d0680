"""The controller of the seed notice (tietosuojaseloste.md), as data.

Copied into the project so nothing reads the seed at run time. The Finnish
texts are the seed's own words; the Swedish and English ones translate them.
``provision_requirement`` and ``automated_decisions`` are NOT in the seed:
they state what Rekisteri itself does (it makes no automated decisions) so a
notice can be published; the privacy officer confirms or edits them.
:func:`rekisteri.privacy.services.profile_load_seed` loads this, used by the
demo and by ``manage.py privacy_load_controller`` for a production setup.
"""

from __future__ import annotations

from typing import Any

SEED_CONTROLLER: dict[str, Any] = {
    "controller_name": "LeadDesk Solutions Oy",
    "business_id": "",  # the seed does not give it
    "street": "Konetie 20",
    "postal_code": "90620",
    "city": "OULU",
    "country": "FI",
    "phone": "+358 40 3012 300",
    "email": "solutions@leaddesk.com",
    "contact_name": "Tero Lepistö",
    "contact_title": "Director, LeadDesk Solutions Oy",
    "contact_phone": "+358 50 404 1346",
    "contact_email": "tero.lepisto@leaddesk.com",
    "dpo_name": "",
    "dpo_phone": "",
    "dpo_email": "",
    "authority_links": [
        {
            "label": "Euroopan komissio: tietosuoja",
            "url": "https://ec.europa.eu/info/law/law-topic/data-protection/"
            "data-protection-eu_fi",
        },
        {
            "label": "Tietosuojavaltuutetun toimisto",
            "url": "http://www.tietosuoja.fi/fi/",
        },
    ],
}

SEED_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "register_name": "LeadDesk Solutions Oy:n asiakasrekisteri "
        "(asiakkuudenhallinta)",
        "introduction": (
            "LeadDesk Solutions Oy:n toimittamissa viestintäratkaisuissa ja "
            "asiakkuudenhallinnassa käsitellään henkilötietoja EU:n yleisen "
            "tietosuoja-asetuksen (GDPR) sekä muun vallitsevan lainsäädännön "
            "mukaisesti. Tässä tietosuojaselosteessa kerromme "
            "tietojenkäsittelyn perusteista liittyen LeadDesk Solutions Oy:n "
            "toimintaan rekisterinpitäjänä asiakkuudenhallinnassa."
        ),
        "purpose:customer_relationship": (
            "Henkilötietoja käsitellään asiakas- ja sopimussuhteen "
            "mahdollistamiseksi. Peruste käsittelylle on sopimussuhde."
        ),
        "purpose:marketing": (
            "Rekisteröidyn henkilötietoja ei käytetä suoramarkkinointiin."
        ),
        "retention": (
            "Pääsääntöisesti rekisteröidyn henkilötietoja käsitellään niin "
            "kauan, kuin asiakassopimus ja -suhde on voimassa ja tiedot "
            "pyritään pääsääntöisesti poistamaan kohtuullisessa ajassa "
            "sopimuksen purkautumisen jälkeen. Myynnin ja markkinoinnin osalta "
            "säilytämme tietojasi niin kauan kuin se on palvelujen "
            "markkinoinnin osalta ajankohtaista."
        ),
        "sources_note": (
            "Asiakastietoja voidaan kerätä ja päivittää myös ulkopuolisten "
            "tahojen kautta kuten Suomen Asiakastiedolta, Fonectasta tai "
            "muista vastaavista rekistereistä."
        ),
        "security_technical": (
            "Tietoja säilytetään ja käytetään aina turvallisimpien kulloinkin "
            "tiedossa olevien tiedonsuojausmenetelmien avulla. Tiedot on "
            "suojattu häviämiseltä, tuhoutumiselta ja vahingoittumiselta "
            "asianmukaisilla teknisillä sekä organisatorisilla toimilla. "
            "Teknisiä toimia ovat salausmenetelmät, varmuuskopiointi, "
            "palomuurit ja pääsynhallinta. Tiedot sijaitsevat suljetussa "
            "verkossa, joka on suojattu palomuurilla, ja työntekijöiden täytyy "
            "tunnistautua henkilökohtaisella käyttäjätunnuksella sekä "
            "salasanalla, jotta he pääsevät käsittelemään tietoja."
        ),
        "security_organisational": (
            "Organisatorisia toimia ovat työntekijöiden asianmukainen "
            "roolitus, koulutus ja perehdytys. Rekisteröidyn henkilötietoja "
            "käsitellään aina luottamuksellisesti. Asiakasrekisteriin on "
            "käyttöoikeus vain niillä LeadDesk Solutions Oy:n palveluksessa "
            "olevilla henkilöillä, jotka tarvitsevat rekisterin tietoja "
            "työtehtävissään. Rekisteriin kuuluvia paperisia (manuaalisia) "
            "aineistoja säilytetään lukituissa tiloissa, ja ne hävitetään "
            "asianmukaisella paperisilppurilla. LeadDesk Solutions Oy:n "
            "johdolla on kokonaisvastuu tietosuojan toteutumisesta, ja "
            "henkilöstö on koulutettu ymmärtämään ja toteuttamaan "
            "tietosuojakäytäntöjämme. Edellytämme yhteistyökumppaneilta "
            "riittävät vakuudet siitä, että he noudattavat tarvittavia "
            "tietosuojakäytäntöjä. Kehitämme ja tarkastamme "
            "tietosuojakäytäntöjemme toimivuutta jatkuvasti."
        ),
        "provision_requirement": (
            "Yhteystietojen antaminen on edellytys asiakas- ja sopimussuhteen "
            "hoitamiselle: ilman niitä emme voi toimittaa palvelua, tukea tai "
            "laskuja. Tietojen antaminen ei ole lakisääteinen vaatimus."
        ),
        "automated_decisions": (
            "Emme tee rekisteröityä koskevia automaattisia päätöksiä emmekä "
            "profiloi (22 artikla)."
        ),
    },
    "sv": {
        "register_name": "LeadDesk Solutions Oy:s kundregister "
        "(kundrelationshantering)",
        "introduction": (
            "I de kommunikationslösningar och den kundrelationshantering som "
            "LeadDesk Solutions Oy tillhandahåller behandlas personuppgifter "
            "enligt EU:s allmänna dataskyddsförordning (GDPR) och annan "
            "gällande lagstiftning. I denna dataskyddsbeskrivning berättar vi "
            "om grunderna för behandlingen när LeadDesk Solutions Oy är "
            "personuppgiftsansvarig i kundrelationshanteringen."
        ),
        "purpose:customer_relationship": (
            "Personuppgifter behandlas för att möjliggöra kund- och "
            "avtalsförhållandet. Grunden för behandlingen är avtalet."
        ),
        "purpose:marketing": (
            "Den registrerades personuppgifter används inte för direktmarknadsföring."
        ),
        "retention": (
            "I regel behandlas personuppgifterna så länge kundavtalet och "
            "kundrelationen gäller, och de raderas inom skälig tid efter att "
            "avtalet upphört. För försäljning och marknadsföring sparar vi "
            "uppgifterna så länge det är aktuellt för marknadsföringen av "
            "tjänsterna."
        ),
        "sources_note": (
            "Kunduppgifter kan också samlas in och uppdateras via utomstående "
            "källor som Suomen Asiakastieto, Fonecta eller andra motsvarande "
            "register."
        ),
        "security_technical": (
            "Uppgifterna lagras och används alltid med de säkraste kända "
            "skyddsmetoderna. De skyddas mot förlust, förstöring och skada "
            "med lämpliga tekniska och organisatoriska åtgärder. Tekniska "
            "åtgärder är kryptering, säkerhetskopiering, brandväggar och "
            "åtkomstkontroll. Uppgifterna finns i ett slutet nät skyddat av en "
            "brandvägg, och de anställda måste identifiera sig med personligt "
            "användarnamn och lösenord."
        ),
        "security_organisational": (
            "Organisatoriska åtgärder är lämplig rollfördelning, utbildning "
            "och introduktion av personalen. Personuppgifterna behandlas alltid "
            "konfidentiellt, och endast de anställda som behöver uppgifterna i "
            "sitt arbete har åtkomst. Pappersmaterial förvaras i låsta "
            "utrymmen och förstörs med dokumentförstörare. Ledningen har "
            "helhetsansvaret för dataskyddet, personalen är utbildad och vi "
            "kräver tillräckliga garantier av våra samarbetspartner. Vi "
            "utvecklar och granskar våra dataskyddsrutiner kontinuerligt."
        ),
        "provision_requirement": (
            "Kontaktuppgifterna är en förutsättning för kund- och "
            "avtalsförhållandet: utan dem kan vi inte leverera tjänsten, "
            "support eller fakturor. Det finns inget lagstadgat krav att lämna "
            "uppgifterna."
        ),
        "automated_decisions": (
            "Vi fattar inga automatiserade beslut om den registrerade och "
            "profilerar inte (artikel 22)."
        ),
    },
    "en": {
        "register_name": "LeadDesk Solutions Oy customer register "
        "(customer relationship management)",
        "introduction": (
            "In the communication solutions and customer relationship "
            "management that LeadDesk Solutions Oy provides, personal data is "
            "processed under the EU General Data Protection Regulation (GDPR) "
            "and other applicable law. This privacy notice explains how "
            "LeadDesk Solutions Oy processes personal data as the controller "
            "of its customer relationship management."
        ),
        "purpose:customer_relationship": (
            "Personal data is processed to make the customer and contract "
            "relationship possible. The basis for processing is the contract."
        ),
        "purpose:marketing": (
            "The data subject's personal data is not used for direct marketing."
        ),
        "retention": (
            "As a rule, personal data is processed for as long as the customer "
            "contract and relationship are in force, and it is deleted within a "
            "reasonable time after the contract ends. For sales and marketing "
            "we keep your data for as long as it is relevant to marketing our "
            "services."
        ),
        "sources_note": (
            "Customer data may also be collected and updated from outside "
            "sources such as Suomen Asiakastieto, Fonecta or similar registers."
        ),
        "security_technical": (
            "Data is always stored and used with the most secure protection "
            "methods known at the time, and protected against loss, "
            "destruction and damage by appropriate technical and "
            "organisational measures. Technical measures are encryption, "
            "backups, firewalls and access control. The data is in a closed "
            "network behind a firewall, and staff must authenticate with a "
            "personal user ID and password."
        ),
        "security_organisational": (
            "Organisational measures are appropriate roles, training and "
            "induction of staff. Personal data is always handled "
            "confidentially, and only staff who need the register in their "
            "work have access. Paper material is kept in locked rooms and "
            "destroyed with a paper shredder. Management is responsible for "
            "data protection as a whole, staff are trained, and we require "
            "sufficient guarantees from our partners. We review and improve "
            "our data protection practices continuously."
        ),
        "provision_requirement": (
            "Contact details are a requirement of the customer and contract "
            "relationship: without them we cannot deliver the service, support "
            "or invoices. Providing them is not a statutory requirement."
        ),
        "automated_decisions": (
            "We make no automated decisions about data subjects and do no "
            "profiling (Art. 22)."
        ),
    },
}
