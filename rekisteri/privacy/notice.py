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

from django.utils import timezone
from django.utils.html import escape

from rekisteri.privacy.eea import adequacy_decision, is_eea
from rekisteri.privacy.facts import PURPOSE_TEXT_PREFIX, RIGHTS, NoticeFacts
from rekisteri.privacy.notice_texts import (
    AREAS_INTRO,
    BASIS_WORD,
    BUSINESS_ID,
    CATEGORIES_INTRO,
    COMPLAINT,
    DRAFT,
    EMAIL,
    HOSTING,
    NO_DISCLOSURE,
    NO_TRANSFERS,
    ORGANISATIONAL,
    PHONE,
    PROCESSORS_INTRO,
    RECIPIENTS_INTRO,
    RIGHT_TEXTS,
    RIGHTS_INTRO,
    SUBTITLE,
    TECHNICAL,
    TITLE,
    TRANSFERS_INTRO,
    VERSION,
    WITHDRAW,
    H,
    t,
)
from rekisteri.privacy.vocabulary import (
    AREA_LABELS,
    BASIS_LABELS,
    CATEGORY_LABELS,
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


def _date(value: dt.datetime, language: str) -> str:
    # The local date, as the staff pages show the same published_at: a
    # version published after 22:00 UTC is the next day in Finland.
    d = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
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


def standalone_html(language: str, title: str, fragment: str) -> str:
    """A complete HTML page around a stored notice fragment (no scripts, no
    external styles), so the download is byte for byte what was published."""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n"
        f"{fragment}\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------
# Building the document from the facts
# --------------------------------------------------------------------------


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


AREA_ORDER = ("registry", "contracts", "billing", "messaging")
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
        parts.append(_mechanism(r["mechanism"], r["country"], lang))
    return " — ".join(p for p in parts if p)


def _mechanism(mechanism: str, country: str, lang: str) -> str:
    """The transfer mechanism; an adequacy decision with its reference and
    date, as the reader can look it up."""
    text = label(MECHANISM_LABELS, mechanism, lang)
    decision = adequacy_decision(country) if mechanism == "adequacy" else None
    if decision is None:
        return text
    date = dt.datetime.combine(decision.adopted, dt.time())
    return f"{text}: {decision.reference}, {_date(date, lang)}"


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
    content_blocks: list[tuple[str, object]] = []
    areas = [label(AREA_LABELS, a, lang) for a in AREA_ORDER if a in facts.areas]
    if areas:
        content_blocks += [("p", t(AREAS_INTRO, lang)), ("ul", areas)]
        content_blocks.append(("p", t(CATEGORIES_INTRO, lang)))
    content_blocks.append(("ul", _category_labels(facts.categories, lang)))
    sections.append(Section(t(H["content"], lang), content_blocks))

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
                + _mechanism(facts.hosting_mechanism, facts.hosting_country, lang)
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
