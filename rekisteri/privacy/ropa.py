"""The record of processing activities (GDPR Art. 30(1) a–g).

Derived, like the notice, from the controller profile, the catalogue and the
registers: one activity per purpose. Exported as CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import Any

from rekisteri.core.catalogue import PersonalData, catalogue_entries
from rekisteri.core.csvsafe import safe_cell
from rekisteri.privacy.eea import is_eea
from rekisteri.privacy.facts import NoticeFacts, system_facts
from rekisteri.privacy.vocabulary import (
    BASIS_LABELS,
    MECHANISM_LABELS,
    PURPOSE_LABELS,
    RETENTION_LABELS,
    ROLE_LABELS,
    SUBJECT_LABELS,
    category_label,
    label,
)


@dataclass(frozen=True)
class Activity:
    """One processing activity: the Art. 30(1) columns."""

    controller: str  # (a) name and contact details, DPO
    purpose: str  # (b)
    legal_basis: str
    data_subjects: str  # (c)
    data_categories: str  # (c)
    recipients: str  # (d)
    transfers: str  # (e)
    retention: str  # (f)
    security: str  # (g)


FIELDS = list(Activity.__dataclass_fields__)
HEADERS = {
    "controller": "Art. 30(1)(a) Controller and contact",
    "purpose": "Art. 30(1)(b) Purpose",
    "legal_basis": "Art. 6 Legal basis",
    "data_subjects": "Art. 30(1)(c) Categories of data subjects",
    "data_categories": "Art. 30(1)(c) Categories of personal data",
    "recipients": "Art. 30(1)(d) Recipients",
    "transfers": "Art. 30(1)(e) Transfers to third countries and safeguards",
    "retention": "Art. 30(1)(f) Time limits for erasure",
    "security": "Art. 30(1)(g) Security measures",
}


def _entries_by_purpose() -> dict[str, list[PersonalData]]:
    found: dict[str, list[PersonalData]] = {}
    for e in catalogue_entries():
        c = e.classification
        if isinstance(c, PersonalData):
            for p in c.purposes:
                found.setdefault(p, []).append(c)
    return found


def activities(
    facts: NoticeFacts | None = None, language: str = "en"
) -> list[Activity]:
    """The activities, in ``language`` (fi, sv or en)."""
    facts = facts or system_facts()
    lang = language
    c, k, d = facts.controller, facts.contact, facts.dpo
    controller = "; ".join(
        x
        for x in (
            c.get("name", ""),
            c.get("business_id", ""),
            f"{c.get('street', '')}, {c.get('postal_code', '')} {c.get('city', '')}",
            c.get("email", ""),
            c.get("phone", ""),
            f"{k.get('name', '')} <{k.get('email', '')}>" if k else "",
            f"DPO {d.get('name', '')} <{d.get('email', '')}>" if d else "",
        )
        if x.strip(" ,;<>")
    )
    security = " ".join(
        x
        for x in (
            facts.text(lang, "security_technical"),
            facts.text(lang, "security_organisational"),
        )
        if x
    )
    transfers = [
        f"{r['name']} ({r['country']}): {label(MECHANISM_LABELS, r['mechanism'], lang)}"
        for r in facts.recipients
        if not is_eea(r["country"])
    ]
    if not is_eea(facts.hosting_country):
        transfers.append(
            f"hosting ({facts.hosting_country}): "
            f"{label(MECHANISM_LABELS, facts.hosting_mechanism, lang)}"
        )
    result = []
    for purpose, entries in sorted(_entries_by_purpose().items()):
        cats = sorted({e.category for e in entries})
        subjects = sorted(
            {"employee" if e.subject == "staff" else "customer" for e in entries}
        )
        recipients = [
            f"{label(ROLE_LABELS, r['role'], lang)}: {r['name']} ({r['country']})"
            for r in facts.recipients
            if not r["categories"] or set(r["categories"]) & set(cats)
        ]
        rules = sorted({e.retention for e in entries})
        result.append(
            Activity(
                controller=controller,
                purpose=label(PURPOSE_LABELS, purpose, lang),
                legal_basis="; ".join(
                    label(BASIS_LABELS, b, lang)
                    for b in sorted({e.legal_basis for e in entries})
                ),
                data_subjects="; ".join(
                    label(SUBJECT_LABELS, s, lang) for s in subjects
                ),
                data_categories="; ".join(
                    dict.fromkeys(category_label(x, lang) for x in cats)
                ),
                recipients="; ".join(recipients) or "-",
                transfers="; ".join(transfers) or "-",
                retention="; ".join(label(RETENTION_LABELS, r, lang) for r in rules),
                security=security or "-",
            )
        )
    return result


def to_csv(rows: list[Activity]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADERS[f] for f in FIELDS])
    for row in rows:
        # A cell a spreadsheet would run as a formula is guarded; the lone
        # "-" of an empty column stays as it is.
        writer.writerow([v if v == "-" else safe_cell(v) for v in asdict(row).values()])
    return out.getvalue()


def to_json(rows: list[Activity]) -> str:
    data: dict[str, Any] = {
        "article": "GDPR Art. 30(1)",
        "activities": [asdict(r) for r in rows],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
