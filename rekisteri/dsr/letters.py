"""Letters to the requester in Finnish, Swedish and English.

Each letter is built from the controller profile (privacy app) and the
case; the texts are the controller's, in the requester's language, not the
staff UI's, so they live here rather than in a gettext catalog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rekisteri.dsr.choices import Kind, Letter
from rekisteri.privacy.selectors import controller_profile

LANGUAGES = ("fi", "sv", "en")

KIND_NAMES: dict[str, dict[str, str]] = {
    "fi": {
        Kind.ACCESS: "tietojen tarkastaminen (15 artikla)",
        Kind.PORTABILITY: "tietojen siirtäminen (20 artikla)",
        Kind.RECTIFICATION: "tietojen oikaiseminen (16 artikla)",
        Kind.ERASURE: "tietojen poistaminen (17 artikla)",
        Kind.RESTRICTION: "käsittelyn rajoittaminen (18 artikla)",
        Kind.OBJECTION: "käsittelyn vastustaminen (21 artikla)",
    },
    "sv": {
        Kind.ACCESS: "tillgång till uppgifterna (artikel 15)",
        Kind.PORTABILITY: "dataportabilitet (artikel 20)",
        Kind.RECTIFICATION: "rättelse (artikel 16)",
        Kind.ERASURE: "radering (artikel 17)",
        Kind.RESTRICTION: "begränsning av behandlingen (artikel 18)",
        Kind.OBJECTION: "invändning mot behandlingen (artikel 21)",
    },
    "en": {
        Kind.ACCESS: "access to your data (Article 15)",
        Kind.PORTABILITY: "data portability (Article 20)",
        Kind.RECTIFICATION: "rectification (Article 16)",
        Kind.ERASURE: "erasure (Article 17)",
        Kind.RESTRICTION: "restriction of processing (Article 18)",
        Kind.OBJECTION: "objection to processing (Article 21)",
    },
}

SUBJECTS: dict[str, dict[str, str]] = {
    "fi": {
        Letter.ACKNOWLEDGEMENT: "Pyyntösi on vastaanotettu ({ref})",
        Letter.IDENTITY_REQUEST: "Henkilöllisyytesi vahvistaminen ({ref})",
        Letter.IDENTITY_CODE: "Vahvistuskoodi pyyntöösi ({ref})",
        Letter.PORTAL_CODE: "Vahvista tietosuojapyyntösi",
        Letter.EXTENSION: "Pyyntösi käsittelyaikaa on jatkettu ({ref})",
        Letter.COMPLETION: "Pyyntösi on käsitelty ({ref})",
        Letter.DOWNLOAD_CODE: "Latauskoodi ({ref})",
        Letter.REFUSAL: "Päätös pyyntöösi ({ref})",
        Letter.NONE_HELD: "Vastaus pyyntöösi ({ref})",
    },
    "sv": {
        Letter.ACKNOWLEDGEMENT: "Din begäran har tagits emot ({ref})",
        Letter.IDENTITY_REQUEST: "Bekräftelse av din identitet ({ref})",
        Letter.IDENTITY_CODE: "Bekräftelsekod för din begäran ({ref})",
        Letter.PORTAL_CODE: "Bekräfta din begäran om dataskydd",
        Letter.EXTENSION: "Tiden för att behandla din begäran har förlängts ({ref})",
        Letter.COMPLETION: "Din begäran har behandlats ({ref})",
        Letter.DOWNLOAD_CODE: "Kod för nedladdning ({ref})",
        Letter.REFUSAL: "Beslut om din begäran ({ref})",
        Letter.NONE_HELD: "Svar på din begäran ({ref})",
    },
    "en": {
        Letter.ACKNOWLEDGEMENT: "Your request has been received ({ref})",
        Letter.IDENTITY_REQUEST: "Confirming your identity ({ref})",
        Letter.IDENTITY_CODE: "Confirmation code for your request ({ref})",
        Letter.PORTAL_CODE: "Confirm your privacy request",
        Letter.EXTENSION: "The time to answer your request has been extended ({ref})",
        Letter.COMPLETION: "Your request has been completed ({ref})",
        Letter.DOWNLOAD_CODE: "Download code ({ref})",
        Letter.REFUSAL: "Decision on your request ({ref})",
        Letter.NONE_HELD: "Answer to your request ({ref})",
    },
}

BODIES: dict[str, dict[str, str]] = {
    "fi": {
        Letter.ACKNOWLEDGEMENT: (
            "Olemme vastaanottaneet pyyntösi {received}: {kinds}.\n\n"
            "Vastaamme viimeistään {deadline}. Viitteemme on {ref}."
        ),
        Letter.IDENTITY_REQUEST: (
            "Jotta voimme käsitellä pyyntösi {ref}, meidän on varmistettava, että "
            "pyyntö koskee sinua. Emme pyydä kopiota henkilöllisyystodistuksesta.\n\n"
            "{reason}\n\nOta yhteyttä osoitteeseen {controller_email} tai "
            "puhelimitse {controller_phone}."
        ),
        Letter.IDENTITY_CODE: (
            "Pyyntö {ref} koskee tietoja, joissa on tämä osoite. Jos teit pyynnön, "
            "kerro meille tämä kertakäyttöinen koodi: {code}\n\n"
            "Koodi on voimassa {valid} tuntia. Jos et tehnyt pyyntöä, voit jättää "
            "viestin huomiotta."
        ),
        Letter.PORTAL_CODE: (
            "Vahvistuskoodisi on {code}\n\nSyötä koodi tietosuojapyynnön sivulle. "
            "Koodi on voimassa {valid} minuuttia. Jos et tehnyt pyyntöä, voit "
            "jättää viestin huomiotta."
        ),
        Letter.EXTENSION: (
            "Pyyntösi {ref} käsittelyaikaa on jatkettu {months} kuukaudella "
            "(EU:n yleinen tietosuoja-asetus, 12 artiklan 3 kohta). Vastaamme "
            "viimeistään {deadline}.\n\nSyy: {reason}"
        ),
        Letter.COMPLETION: ("Pyyntösi {ref} on käsitelty: {kinds}.\n\n{download}"),
        Letter.DOWNLOAD_CODE: (
            "Tiedostosi latauskoodi on {code}\n\nKoodia tarvitaan erillisessä "
            "viestissä lähetetyn linkin kanssa."
        ),
        Letter.REFUSAL: (
            "Emme toteuta pyyntöäsi {ref} ({kinds}).\n\nPerustelut: {reason}\n\n"
            "{remedies}"
        ),
        Letter.NONE_HELD: (
            "Olemme käsitelleet pyyntösi {ref} ({kinds}). Rekisteristämme ei "
            "löytynyt sinua koskevia henkilötietoja antamiesi tietojen "
            "perusteella, joten meillä ei ole tietoja, jotka voisimme antaa, "
            "siirtää, oikaista, poistaa tai joiden käsittelyä voisimme "
            "rajoittaa.\n\nJos arvelet, että käsittelemme tietojasi muilla "
            "yhteystiedoilla, ota yhteyttä osoitteeseen {controller_email} tai "
            "puhelimitse {controller_phone}.{suppressed}\n\n{remedies}"
        ),
    },
    "sv": {
        Letter.ACKNOWLEDGEMENT: (
            "Vi har tagit emot din begäran {received}: {kinds}.\n\n"
            "Vi svarar senast {deadline}. Vår referens är {ref}."
        ),
        Letter.IDENTITY_REQUEST: (
            "För att kunna behandla din begäran {ref} måste vi försäkra oss om att "
            "den gäller dig. Vi ber inte om en kopia av någon "
            "identitetshandling.\n\n{reason}\n\nKontakta oss på "
            "{controller_email} eller per telefon {controller_phone}."
        ),
        Letter.IDENTITY_CODE: (
            "Begäran {ref} gäller uppgifter med den här adressen. Om du gjorde "
            "begäran, ge oss denna engångskod: {code}\n\nKoden gäller i {valid} "
            "timmar. Om du inte gjorde begäran kan du bortse från meddelandet."
        ),
        Letter.PORTAL_CODE: (
            "Din bekräftelsekod är {code}\n\nAnge koden på sidan för din begäran. "
            "Koden gäller i {valid} minuter. Om du inte gjorde begäran kan du "
            "bortse från meddelandet."
        ),
        Letter.EXTENSION: (
            "Tiden för att behandla din begäran {ref} har förlängts med {months} "
            "månader (dataskyddsförordningen, artikel 12.3). Vi svarar senast "
            "{deadline}.\n\nSkäl: {reason}"
        ),
        Letter.COMPLETION: "Din begäran {ref} har behandlats: {kinds}.\n\n{download}",
        Letter.DOWNLOAD_CODE: (
            "Koden för nedladdning av din fil är {code}\n\nKoden behövs med länken "
            "som skickades i ett separat meddelande."
        ),
        Letter.REFUSAL: (
            "Vi genomför inte din begäran {ref} ({kinds}).\n\nSkäl: {reason}\n\n"
            "{remedies}"
        ),
        Letter.NONE_HELD: (
            "Vi har behandlat din begäran {ref} ({kinds}). Utifrån de uppgifter "
            "du lämnade finns inga personuppgifter om dig i vårt register, så "
            "vi har inga uppgifter att lämna ut, överföra, rätta, radera eller "
            "begränsa behandlingen av.\n\nOm du tror att vi behandlar dina "
            "uppgifter med andra kontaktuppgifter, kontakta oss på "
            "{controller_email} eller per telefon {controller_phone}.{suppressed}"
            "\n\n{remedies}"
        ),
    },
    "en": {
        Letter.ACKNOWLEDGEMENT: (
            "We received your request on {received}: {kinds}.\n\n"
            "We will answer by {deadline} at the latest. Our reference is {ref}."
        ),
        Letter.IDENTITY_REQUEST: (
            "To handle your request {ref} we must make sure that it concerns you. "
            "We do not ask for a copy of an identity document.\n\n{reason}\n\n"
            "Please contact us at {controller_email} or by phone on "
            "{controller_phone}."
        ),
        Letter.IDENTITY_CODE: (
            "Request {ref} concerns data held with this address. If you made the "
            "request, give us this one-time code: {code}\n\nThe code is valid for "
            "{valid} hours. If you did not make the request, you can ignore this "
            "message."
        ),
        Letter.PORTAL_CODE: (
            "Your confirmation code is {code}\n\nEnter it on the request page. "
            "The code is valid for {valid} minutes. If you did not make a "
            "request, you can ignore this message."
        ),
        Letter.EXTENSION: (
            "The time to answer your request {ref} has been extended by {months} "
            "months (GDPR Article 12(3)). We will answer by {deadline} at the "
            "latest.\n\nReason: {reason}"
        ),
        Letter.COMPLETION: (
            "Your request {ref} has been completed: {kinds}.\n\n{download}"
        ),
        Letter.DOWNLOAD_CODE: (
            "The code for downloading your file is {code}\n\nYou need it together "
            "with the link sent in a separate message."
        ),
        Letter.REFUSAL: (
            "We will not act on your request {ref} ({kinds}).\n\nReasons: {reason}"
            "\n\n{remedies}"
        ),
        Letter.NONE_HELD: (
            "We have handled your request {ref} ({kinds}). From the details you "
            "gave, our register holds no personal data about you, so there is "
            "no data of yours for us to give, transfer, rectify, erase or "
            "restrict.\n\nIf you believe we process your data under other "
            "contact details, please contact us at {controller_email} or by "
            "phone on {controller_phone}.{suppressed}\n\n{remedies}"
        ),
    },
}

# Art. 12(4): the reply to a refusal states the right to complain to the
# supervisory authority and to seek a judicial remedy.
REMEDIES = {
    "fi": (
        "Sinulla on oikeus tehdä valitus valvontaviranomaiselle, joka Suomessa "
        "on tietosuojavaltuutettu (Tietosuojavaltuutetun toimisto, "
        "https://tietosuoja.fi), sekä oikeus hakea oikeussuojaa "
        "tuomioistuimessa (EU:n yleinen tietosuoja-asetus, 77 ja 79 artikla)."
    ),
    "sv": (
        "Du har rätt att lämna in ett klagomål till tillsynsmyndigheten, som i "
        "Finland är dataombudsmannen (Dataombudsmannens byrå, "
        "https://tietosuoja.fi/sv), och rätt till ett effektivt rättsmedel i "
        "domstol (dataskyddsförordningen, artiklarna 77 och 79)."
    ),
    "en": (
        "You have the right to lodge a complaint with the supervisory "
        "authority, in Finland the Data Protection Ombudsman (Office of the "
        "Data Protection Ombudsman, https://tietosuoja.fi/en), and the right "
        "to an effective judicial remedy before a court (GDPR Articles 77 and "
        "79)."
    ),
}

# The no-data answer to an objection: the addresses given went on the
# suppression list (dsr.services.case_answer_none_held).
SUPPRESSED = {
    "fi": (
        "\n\nAntamasi yhteystiedot on lisätty suoramarkkinoinnin estolistalle: "
        "niitä ei käytetä suoramarkkinointiin, vaikka ne myöhemmin tulisivat "
        "rekisteriimme."
    ),
    "sv": (
        "\n\nDe kontaktuppgifter du lämnade har lagts till på vår spärrlista "
        "för direktmarknadsföring: de används inte för direktmarknadsföring "
        "även om de senare skulle komma in i vårt register."
    ),
    "en": (
        "\n\nThe contact details you gave have been added to our "
        "direct-marketing suppression list: they will not be used for direct "
        "marketing even if they later reach our register."
    ),
}

DOWNLOAD = {
    "fi": (
        "Voit ladata tiedostosi kerran tästä linkistä {until} asti: {link}\n"
        "Latauskoodi lähetetään erillisessä viestissä. Tiedosto poistetaan "
        "latauksen jälkeen."
    ),
    "sv": (
        "Du kan ladda ned din fil en gång via denna länk fram till {until}: "
        "{link}\nKoden skickas i ett separat meddelande. Filen raderas efter "
        "nedladdningen."
    ),
    "en": (
        "You can download your file once through this link until {until}: "
        "{link}\nThe download code is sent in a separate message. The file is "
        "deleted after the download."
    ),
}

# The completion letter by post, with the export handed over for it.
ENCLOSED = {
    "fi": "Tietosi ovat tämän kirjeen liitteenä.",
    "sv": "Dina uppgifter finns som bilaga till detta brev.",
    "en": "Your data is enclosed with this letter.",
}

# The completion email when the export went by post instead of a link.
POSTED = {
    "fi": "Tietosi lähetetään sinulle postitse.",
    "sv": "Dina uppgifter skickas till dig per post.",
    "en": "Your data is sent to you by post.",
}

SIGNATURE = {
    "fi": "Ystävällisin terveisin",
    "sv": "Med vänlig hälsning",
    "en": "Kind regards",
}


def format_date(day: dt.date, language: str) -> str:
    if language == "en":
        return day.isoformat()
    return f"{day.day}.{day.month}.{day.year}"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(letter: str, *, language: str, case: Any, **values: Any) -> Rendered:
    """The letter's subject and body, signed with the controller profile."""
    lang = language if language in LANGUAGES else "fi"
    profile = controller_profile()
    kinds = ", ".join(KIND_NAMES[lang].get(k, k) for k in (case.kinds if case else []))
    context = {
        "ref": case.reference if case else "",
        "kinds": kinds,
        "remedies": REMEDIES[lang],
        "controller_email": profile.email if profile else "",
        "controller_phone": (profile.phone if profile else "") or "-",
        "download": "",
        "reason": "",
        "suppressed": "",
        **values,
    }
    # True: the paragraph on the suppression list, in the letter's language.
    context["suppressed"] = SUPPRESSED[lang] if context["suppressed"] is True else ""
    for key, value in list(context.items()):
        if isinstance(value, dt.datetime):
            context[key] = format_date(value.date(), lang)
        elif isinstance(value, dt.date):
            context[key] = format_date(value, lang)
    subject = SUBJECTS[lang][letter].format(**context)
    body = BODIES[lang][letter].format(**context)
    if profile is not None:
        body += (
            f"\n\n{SIGNATURE[lang]}\n{profile.controller_name}\n"
            f"{profile.street}, {profile.postal_code} {profile.city}\n{profile.email}"
        )
    return Rendered(subject, body)
