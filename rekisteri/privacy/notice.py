"""The privacy notice generator: facts in, a notice per language out.

The notice is a small document tree (:class:`Document`) rendered to Markdown
and to HTML, so both downloads say exactly the same. Texts are written here
per language (Finnish, Swedish, English) rather than through gettext: the
generated notice must be complete in all three whatever the UI catalogues
hold. The data categories, purposes, legal bases, sources, recipients,
transfers and retention rules come from the facts (the catalogue and the
registers); only explanations are typed, in the controller profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.html import escape

from rekisteri.privacy.eea import is_eea
from rekisteri.privacy.facts import PURPOSE_TEXT_PREFIX, RIGHTS, NoticeFacts
from rekisteri.privacy.vocabulary import (
    BASIS_LABELS,
    CATEGORY_LABELS,
    LANGS,
    MECHANISM_LABELS,
    PURPOSE_LABELS,
    RETENTION_LABELS,
    ROLE_LABELS,
    SOURCE_LABELS,
    SUBJECT_LABELS,
    category_label,
    country_name,
    label,
)

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


def _date(value: dt.datetime, language: str) -> str:
    d = value.date()
    if language == "fi":
        return f"{d.day}.{d.month}.{d.year}"
    return d.isoformat()


# --------------------------------------------------------------------------
# The document tree and its two renderings
# --------------------------------------------------------------------------


@dataclass
class Section:
    heading: str
    # ("p", text) | ("ul", [text]) | ("lines", [text]) | ("links", [(label, url)])
    # | ("h3", text)
    blocks: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class Document:
    language: str
    title: str
    subtitle: str
    intro: str
    sections: list[Section]
    footer: str


def _md_escape(text: str) -> str:
    # Enough to keep a typed text from turning into headings, lists or HTML.
    text = text.replace("\\", "\\\\").replace("<", "&lt;")
    for ch in "*_`[]#":
        text = text.replace(ch, "\\" + ch)
    return text


def to_markdown(doc: Document) -> str:
    out = [f"# {_md_escape(doc.title)}", "", f"*{_md_escape(doc.subtitle)}*", ""]
    if doc.intro:
        out += [_md_escape(doc.intro), ""]
    for s in doc.sections:
        out += [f"## {_md_escape(s.heading)}", ""]
        for kind, value in s.blocks:
            if kind == "p":
                out += [_md_escape(str(value)), ""]
            elif kind == "h3":
                out += [f"### {_md_escape(str(value))}", ""]
            elif kind == "ul":
                out += [f"- {_md_escape(str(v))}" for v in value] + [""]  # type: ignore[union-attr]
            elif kind == "lines":
                lines = [_md_escape(str(v)) for v in value]  # type: ignore[union-attr]
                out += [line + "  " for line in lines[:-1]] + lines[-1:] + [""]
            elif kind == "links":
                out += [f"- [{_md_escape(lbl)}](<{url}>)" for lbl, url in value]  # type: ignore[union-attr, misc]
                out += [""]
    out += ["---", "", _md_escape(doc.footer), ""]
    return "\n".join(out)


def to_html(doc: Document) -> str:
    """The notice as an HTML fragment (an <article>), every text escaped."""
    out = [
        f'<article class="notice-doc" lang="{doc.language}">',
        f"<h1>{escape(doc.title)}</h1>",
        f'<p class="notice-doc__subtitle">{escape(doc.subtitle)}</p>',
    ]
    if doc.intro:
        out.append(f"<p>{escape(doc.intro)}</p>")
    for s in doc.sections:
        out.append(f"<section><h2>{escape(s.heading)}</h2>")
        for kind, value in s.blocks:
            if kind == "p":
                out.append(f"<p>{escape(value)}</p>")
            elif kind == "h3":
                out.append(f"<h3>{escape(value)}</h3>")
            elif kind == "ul":
                items = "".join(f"<li>{escape(v)}</li>" for v in value)  # type: ignore[union-attr]
                out.append(f"<ul>{items}</ul>")
            elif kind == "lines":
                body = "<br>".join(escape(v) for v in value)  # type: ignore[union-attr]
                out.append(f"<p>{body}</p>")
            elif kind == "links":
                items = "".join(
                    f'<li><a href="{escape(url)}" rel="noopener">{escape(lbl)}</a></li>'
                    for lbl, url in value  # type: ignore[union-attr, misc]
                    if str(url).startswith(("https://", "http://"))
                )
                out.append(f"<ul>{items}</ul>")
        out.append("</section>")
    out.append(
        f'<footer class="notice-doc__footer"><p>{escape(doc.footer)}</p></footer>'
    )
    out.append("</article>")
    return "\n".join(out)


def standalone_html(doc: Document) -> str:
    """A complete HTML page for the download (no scripts, no external styles)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{doc.language}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(doc.title)}</title>\n</head>\n<body>\n"
        f"{to_html(doc)}\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------
# Building the document from the facts
# --------------------------------------------------------------------------


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


SOURCE_ORDER = {"data_subject": 0, "customer_company": 1, "staff": 2, "registry": 3}
_CATEGORY_ORDER = list(CATEGORY_LABELS)


def _category_rank(key: str) -> int:
    probe = key
    while probe:
        if probe in CATEGORY_LABELS:
            return _CATEGORY_ORDER.index(probe)
        probe = probe.rpartition(".")[0]
    return len(_CATEGORY_ORDER)


def _category_labels(keys: list[str], lang: str) -> list[str]:
    """Labels of category keys in the catalogue's natural order, each once."""
    return _unique([category_label(k, lang) for k in sorted(keys, key=_category_rank)])


def _party_line(r: dict, lang: str, with_mechanism: bool = False) -> str:
    cats = ", ".join(_category_labels(r["categories"], lang))
    parts = [r["name"], r["service"], country_name(r["country"], lang)]
    if cats:
        parts.append(cats)
    if with_mechanism:
        parts.append(label(MECHANISM_LABELS, r["mechanism"], lang))
    return " — ".join(p for p in parts if p)


def build(
    facts: NoticeFacts,
    language: str,
    *,
    version: int | None = None,
    published_at: dt.datetime | None = None,
) -> Document:
    """The notice in ``language`` ("fi", "sv" or "en") from ``facts``."""
    lang = language
    c = facts.controller
    sections: list[Section] = []

    lines = [c.get("name", "")]
    if c.get("business_id"):
        lines.append(f"{t(BUSINESS_ID, lang)} {c['business_id']}")
    lines += [c.get("street", ""), f"{c.get('postal_code', '')} {c.get('city', '')}"]
    if c.get("phone"):
        lines.append(f"{t(PHONE, lang)}: {c['phone']}")
    if c.get("email"):
        lines.append(f"{t(EMAIL, lang)}: {c['email']}")
    sections.append(Section(t(H["controller"], lang), [("lines", lines)]))

    k = facts.contact
    contact_lines = [k.get("name", ""), k.get("title", "")]
    if k.get("phone"):
        contact_lines.append(f"{t(PHONE, lang)}: {k['phone']}")
    if k.get("email"):
        contact_lines.append(f"{t(EMAIL, lang)}: {k['email']}")
    sections.append(
        Section(t(H["contact"], lang), [("lines", [x for x in contact_lines if x])])
    )
    if facts.dpo:
        d = facts.dpo
        dpo_lines = [d.get("name", "")]
        if d.get("phone"):
            dpo_lines.append(f"{t(PHONE, lang)}: {d['phone']}")
        if d.get("email"):
            dpo_lines.append(f"{t(EMAIL, lang)}: {d['email']}")
        sections.append(
            Section(t(H["dpo"], lang), [("lines", [x for x in dpo_lines if x])])
        )

    register_name = facts.text(lang, "register_name")
    if register_name:
        sections.append(Section(t(H["register"], lang), [("p", register_name)]))

    purpose_blocks: list[tuple[str, object]] = []
    for p in facts.purposes:
        bases = ", ".join(label(BASIS_LABELS, b, lang) for b in p["bases"])
        purpose_blocks.append(("h3", f"{label(PURPOSE_LABELS, p['purpose'], lang)}"))
        purpose_blocks.append(("p", f"{t(BASIS_WORD, lang).capitalize()}: {bases}."))
        explanation = facts.text(lang, PURPOSE_TEXT_PREFIX + p["purpose"])
        if explanation:
            purpose_blocks.append(("p", explanation))
    # An explanation of a purpose the system does not process (the seed says
    # data is not used for direct marketing) is still said, under its name.
    processed = {p["purpose"] for p in facts.purposes}
    for key, value in sorted(facts.texts.get(lang, {}).items()):
        purpose = key.removeprefix(PURPOSE_TEXT_PREFIX)
        if key.startswith(PURPOSE_TEXT_PREFIX) and purpose not in processed and value:
            purpose_blocks.append(("h3", label(PURPOSE_LABELS, purpose, lang)))
            purpose_blocks.append(("p", str(value).strip()))
    sections.append(Section(t(H["purposes"], lang), purpose_blocks))
    if "legitimate_interest" in facts.bases and facts.text(
        lang, "legitimate_interests"
    ):
        sections.append(
            Section(
                t(H["legitimate"], lang),
                [("p", facts.text(lang, "legitimate_interests"))],
            )
        )

    if facts.subjects:
        sections.append(
            Section(
                t(H["subjects"], lang),
                [("ul", [label(SUBJECT_LABELS, s, lang) for s in facts.subjects])],
            )
        )
    sections.append(
        Section(
            t(H["content"], lang),
            [("ul", _category_labels(facts.categories, lang))],
        )
    )

    ordered = sorted(
        facts.sources, key=lambda s: (SOURCE_ORDER.get(s["kind"], 9), s["name"])
    )
    source_items = _unique(
        [
            label(SOURCE_LABELS, s["code"], lang)
            if s["code"] in SOURCE_LABELS
            else s["name"]
            for s in ordered
        ]
    )
    source_blocks: list[tuple[str, object]] = [("ul", source_items)]
    if facts.text(lang, "sources_note"):
        source_blocks.append(("p", facts.text(lang, "sources_note")))
    sections.append(Section(t(H["sources"], lang), source_blocks))

    retention_items = []
    for r in facts.retention:
        cats = ", ".join(_category_labels(r["categories"], lang))
        rule = label(RETENTION_LABELS, r["rule"], lang)
        retention_items.append(f"{cats}: {rule}" if cats else rule)
    retention_blocks: list[tuple[str, object]] = []
    if facts.text(lang, "retention"):
        retention_blocks.append(("p", facts.text(lang, "retention")))
    if retention_items:
        retention_blocks.append(("ul", retention_items))
    sections.append(Section(t(H["retention"], lang), retention_blocks))

    recipients = [r for r in facts.recipients if r["role"] != "processor"]
    processors = [r for r in facts.recipients if r["role"] == "processor"]
    recipient_blocks: list[tuple[str, object]] = []
    if recipients:
        recipient_blocks.append(("p", t(RECIPIENTS_INTRO, lang)))
        recipient_blocks.append(
            (
                "ul",
                [
                    f"{label(ROLE_LABELS, r['role'], lang)}: {_party_line(r, lang)}"
                    for r in recipients
                ],
            )
        )
    else:
        recipient_blocks.append(("p", t(NO_DISCLOSURE, lang)))
    if processors:
        recipient_blocks.append(("p", t(PROCESSORS_INTRO, lang)))
        recipient_blocks.append(("ul", [_party_line(r, lang) for r in processors]))
    sections.append(Section(t(H["recipients"], lang), recipient_blocks))

    transfers = facts.transfers
    transfer_blocks: list[tuple[str, object]] = []
    hosting_outside = not is_eea(facts.hosting_country)
    if transfers or hosting_outside:
        transfer_blocks.append(("p", t(TRANSFERS_INTRO, lang)))
        items = [_party_line(r, lang, with_mechanism=True) for r in transfers]
        if hosting_outside:
            items.append(
                t(HOSTING, lang).format(
                    country=country_name(facts.hosting_country, lang)
                )
                + " "
                + label(MECHANISM_LABELS, facts.hosting_mechanism, lang)
            )
        transfer_blocks.append(("ul", items))
    else:
        transfer_blocks.append(("p", t(NO_TRANSFERS, lang)))
        transfer_blocks.append(
            (
                "p",
                t(HOSTING, lang).format(
                    country=country_name(facts.hosting_country, lang)
                ),
            )
        )
    sections.append(Section(t(H["transfers"], lang), transfer_blocks))

    rights = [t(RIGHT_TEXTS[r], lang) for r in RIGHTS if r in facts.rights]
    if "consent" in facts.bases and facts.consent_withdrawal_stated:
        rights.append(t(WITHDRAW, lang))
    sections.append(
        Section(t(H["rights"], lang), [("p", t(RIGHTS_INTRO, lang)), ("ul", rights)])
    )
    if facts.complaint:
        sections.append(Section(t(H["complaint"], lang), [("p", t(COMPLAINT, lang))]))
    if facts.text(lang, "provision_requirement"):
        sections.append(
            Section(
                t(H["provision"], lang),
                [("p", facts.text(lang, "provision_requirement"))],
            )
        )
    if facts.text(lang, "automated_decisions"):
        sections.append(
            Section(
                t(H["automated"], lang),
                [("p", facts.text(lang, "automated_decisions"))],
            )
        )

    security_blocks: list[tuple[str, object]] = []
    for key, heading in (
        ("security_technical", TECHNICAL),
        ("security_organisational", ORGANISATIONAL),
    ):
        if facts.text(lang, key):
            security_blocks += [("h3", t(heading, lang)), ("p", facts.text(lang, key))]
    if security_blocks:
        sections.append(Section(t(H["security"], lang), security_blocks))

    links = [(x.get("label", ""), x.get("url", "")) for x in facts.authority_links]
    if links:
        sections.append(Section(t(H["links"], lang), [("links", links)]))

    if version is not None and published_at is not None:
        footer = t(VERSION, lang).format(n=version, date=_date(published_at, lang))
    else:
        footer = t(DRAFT, lang)
    return Document(
        language=lang,
        title=t(TITLE, lang),
        subtitle=t(SUBTITLE, lang),
        intro=facts.text(lang, "introduction"),
        sections=sections,
        footer=footer,
    )
