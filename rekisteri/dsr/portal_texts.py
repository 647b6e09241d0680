"""The portal's texts in the notice's languages (the public pages speak the
visitor's language, not the staff UI's)."""

from __future__ import annotations

_ERRORS_FI = {
    "required": "Valitse vähintään yksi pyyntö.",
    "invalid_choice": "Tarkista valintasi.",
    "email_invalid": "Anna kelvollinen sähköpostiosoite.",
    "email_disposable": "Kertakäyttöisiä sähköpostipalveluja ei hyväksytä.",
    "rate_limited": (
        "Liian monta pyyntöä. Yritä myöhemmin uudelleen, tai tee pyyntö "
        "tietosuojaselosteessa mainittujen yhteystietojen kautta."
    ),
    "code_wrong": "Koodi ei ole oikein.",
    "code_expired": "Koodi on vanhentunut. Aloita alusta.",
    "too_many_attempts": "Liian monta väärää koodia. Aloita alusta.",
    "download_refused": (
        "Latausta ei voi tehdä: linkki on vanhentunut tai jo käytetty, tai "
        "koodi on väärä."
    ),
    "too_long": "Teksti on liian pitkä.",
    "invalid_encoding": (
        "Tekstissä on merkkejä, joita ei voitu lukea. Kirjoita se uudelleen."
    ),
    "invalid": "Tarkista tiedot.",
}
_ERRORS_SV = {
    "required": "Välj minst en begäran.",
    "invalid_choice": "Kontrollera dina val.",
    "email_invalid": "Ange en giltig e-postadress.",
    "email_disposable": "Adresser hos engångstjänster godtas inte.",
    "rate_limited": (
        "För många förfrågningar. Försök igen senare, eller gör begäran via "
        "kontaktuppgifterna i dataskyddsbeskrivningen."
    ),
    "code_wrong": "Koden är inte rätt.",
    "code_expired": "Koden har gått ut. Börja om.",
    "too_many_attempts": "För många felaktiga koder. Börja om.",
    "download_refused": (
        "Nedladdningen kan inte göras: länken har gått ut eller använts, "
        "eller koden är fel."
    ),
    "too_long": "Texten är för lång.",
    "invalid_encoding": "Texten har tecken som inte kunde läsas. Skriv den igen.",
    "invalid": "Kontrollera uppgifterna.",
}
_ERRORS_EN = {
    "required": "Choose at least one request.",
    "invalid_choice": "Check your choices.",
    "email_invalid": "Enter a valid email address.",
    "email_disposable": "Addresses of throwaway mail services are not accepted.",
    "rate_limited": (
        "Too many requests. Please try again later, or make the request "
        "through the contacts given in the privacy notice."
    ),
    "code_wrong": "The code is not right.",
    "code_expired": "The code has expired. Please start again.",
    "too_many_attempts": "Too many wrong codes. Please start again.",
    "download_refused": (
        "The download cannot be made: the link has expired or was used, or "
        "the code is wrong."
    ),
    "too_long": "The text is too long.",
    "invalid_encoding": (
        "The text has characters that could not be read. Type it again."
    ),
    "invalid": "Check the details.",
}

PORTAL_TEXTS = {
    "fi": {
        "title": "Tietosuojapyyntö",
        "intro": (
            "Voit pyytää pääsyä tietoihisi, niiden oikaisemista tai poistamista, "
            "käsittelyn rajoittamista tai vastustaa käsittelyä. Lähetämme "
            "vahvistuskoodin antamaasi sähköpostiosoitteeseen."
        ),
        "kinds_label": "Mitä pyydät?",
        "email": "Sähköpostiosoite",
        "details": "Lisätiedot (vapaaehtoinen)",
        "submit": "Lähetä koodi",
        "sent": (
            "Jos osoite on kelvollinen, lähetimme siihen vahvistuskoodin. Syötä "
            "koodi alle 30 minuutin kuluessa."
        ),
        "code": "Vahvistuskoodi",
        "confirm": "Vahvista pyyntö",
        "done": (
            "Kiitos. Pyyntösi on vastaanotettu. Lähetimme vahvistuksen ja "
            "vastauksen määräajan sähköpostiisi. Viite:"
        ),
        "download_title": "Tiedostosi lataus",
        "download_intro": (
            "Syötä erillisessä viestissä saamasi latauskoodi. Tiedoston voi "
            "ladata kerran."
        ),
        "download": "Lataa",
        "notice": "Tietosuojaseloste",
        "notice_url": "/tietosuoja/",
        "errors": _ERRORS_FI,
        "kinds": {
            "access": "Pääsy omiin tietoihin",
            "portability": "Tietojen siirtäminen",
            "rectification": "Tietojen oikaiseminen",
            "erasure": "Tietojen poistaminen",
            "restriction": "Käsittelyn rajoittaminen",
            "objection": "Käsittelyn vastustaminen",
        },
    },
    "sv": {
        "title": "Begäran om dataskydd",
        "intro": (
            "Du kan begära tillgång till dina uppgifter, rättelse eller radering, "
            "begränsning av behandlingen eller invända mot behandlingen. Vi "
            "skickar en bekräftelsekod till den e-postadress du anger."
        ),
        "kinds_label": "Vad begär du?",
        "email": "E-postadress",
        "details": "Ytterligare uppgifter (frivilligt)",
        "submit": "Skicka kod",
        "sent": (
            "Om adressen är giltig har vi skickat en bekräftelsekod till den. "
            "Ange koden inom 30 minuter."
        ),
        "code": "Bekräftelsekod",
        "confirm": "Bekräfta begäran",
        "done": (
            "Tack. Din begäran har tagits emot. Vi har skickat en bekräftelse "
            "och tidsfristen till din e-post. Referens:"
        ),
        "download_title": "Nedladdning av din fil",
        "download_intro": (
            "Ange koden du fick i ett separat meddelande. Filen kan laddas ned en gång."
        ),
        "download": "Ladda ned",
        "notice": "Dataskyddsbeskrivning",
        "notice_url": "/dataskydd/",
        "errors": _ERRORS_SV,
        "kinds": {
            "access": "Tillgång till mina uppgifter",
            "portability": "Dataportabilitet",
            "rectification": "Rättelse",
            "erasure": "Radering",
            "restriction": "Begränsning av behandlingen",
            "objection": "Invändning mot behandlingen",
        },
    },
    "en": {
        "title": "Privacy request",
        "intro": (
            "You can ask for access to your data, its rectification or erasure, "
            "restriction of processing, or object to processing. We send a "
            "confirmation code to the email address you give."
        ),
        "kinds_label": "What do you request?",
        "email": "Email address",
        "details": "Details (optional)",
        "submit": "Send code",
        "sent": (
            "If the address is valid, we have sent a confirmation code to it. "
            "Enter the code within 30 minutes."
        ),
        "code": "Confirmation code",
        "confirm": "Confirm the request",
        "done": (
            "Thank you. Your request has been received. We sent a confirmation "
            "and the deadline for our answer to your email. Reference:"
        ),
        "download_title": "Download your file",
        "download_intro": (
            "Enter the download code you received in a separate message. The "
            "file can be downloaded once."
        ),
        "download": "Download",
        "notice": "Privacy notice",
        "notice_url": "/privacy/",
        "errors": _ERRORS_EN,
        "kinds": {
            "access": "Access to my data",
            "portability": "Data portability",
            "rectification": "Rectification",
            "erasure": "Erasure",
            "restriction": "Restriction of processing",
            "objection": "Objection to processing",
        },
    },
}
