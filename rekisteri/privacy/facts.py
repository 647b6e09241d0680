"""The facts a privacy notice is made of, derived from the running system.

:func:`system_facts` reads the controller profile, the personal-data
catalogue (categories, purposes, legal bases, retention rules), the data
sources, the recipient register and the hosting setting. The generator
(:mod:`rekisteri.privacy.notice`) writes the notice from these facts and the
completeness check (:mod:`rekisteri.privacy.completeness`) judges them, so
the check judges exactly what is published.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Any

from rekisteri.core.catalogue import PersonalData, Purpose, catalogue_entries
from rekisteri.privacy.conf import setting
from rekisteri.privacy.eea import is_eea
from rekisteri.privacy.fixtures import SEED_CONTROLLER, SEED_TEXTS
from rekisteri.privacy.recipients import external_recipients
from rekisteri.privacy.selectors import controller_profile
from rekisteri.registry.models import DataSource

# Free texts of the controller profile, per notice language.
TEXT_KEYS: tuple[str, ...] = (
    "register_name",
    "introduction",
    "legitimate_interests",
    "sources_note",
    "retention",
    "security_technical",
    "security_organisational",
    "provision_requirement",
    "automated_decisions",
)
# Explanations of each purpose are stored as "purpose:<purpose>".
PURPOSE_TEXT_PREFIX = "purpose:"

RIGHTS: tuple[str, ...] = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
)


@dataclass
class NoticeFacts:
    """Everything a notice states, as plain JSON-able data.

    ``rights`` and ``complaint`` are what the notice says about the data
    subject's rights; a generated notice always states all of them, while the
    facts of a hand-written notice (the seed) may not.
    """

    controller: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)
    dpo: dict[str, str] = field(default_factory=dict)
    # [{"purpose": ..., "bases": [...], "categories": [...]}]
    purposes: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    # Apps holding customer data (registry, contracts, billing, messaging).
    areas: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    # [{"rule": ..., "categories": [...]}]
    retention: list[dict[str, Any]] = field(default_factory=list)
    # [{"code": ..., "name": ..., "kind": ...}]
    sources: list[dict[str, str]] = field(default_factory=list)
    recipients: list[dict[str, Any]] = field(default_factory=list)
    recipients_stated: bool = True
    transfers_stated: bool = True
    hosting_country: str = "FI"
    hosting_mechanism: str = "none"
    rights: list[str] = field(default_factory=lambda: list(RIGHTS))
    consent_withdrawal_stated: bool = True
    complaint: bool = True
    # {language: {key: text}}
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    authority_links: list[dict[str, str]] = field(default_factory=list)
    languages: tuple[str, ...] = ("fi", "sv", "en")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["languages"] = list(self.languages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeFacts:
        data = dict(data)
        data["languages"] = tuple(data.get("languages", ("fi", "sv", "en")))
        return cls(**data)

    def text(self, language: str, key: str) -> str:
        return str(self.texts.get(language, {}).get(key, "") or "").strip()

    @property
    def bases(self) -> set[str]:
        return {b for p in self.purposes for b in p["bases"]}

    @property
    def indirect_sources(self) -> list[dict[str, str]]:
        """Sources other than the person (Art. 14 applies to their data)."""
        return [s for s in self.sources if s["kind"] != "data_subject"]

    @property
    def transfers(self) -> list[dict[str, Any]]:
        return [r for r in self.recipients if not is_eea(r["country"])]


@functools.cache
def _customer_entries() -> tuple[tuple[Any, PersonalData], ...]:
    """Catalogue entries about customers' people (staff data has its own
    notice). Read once: the catalogue is the models' own declarations, fixed
    once the apps are loaded."""
    return tuple(
        (e, e.classification)
        for e in catalogue_entries()
        if isinstance(e.classification, PersonalData)
        and e.classification.subject != "staff"
    )


def catalogue_categories() -> list[str]:
    """Sorted category keys of customers' personal data in the catalogue."""
    return sorted({c.category for _e, c in _customer_entries()})


def catalogue_areas() -> list[str]:
    """App labels of the models holding customers' personal data."""
    return sorted({e.model._meta.app_label for e, _c in _customer_entries()})


def _purposes_from_catalogue() -> list[dict[str, Any]]:
    order = list(Purpose.values)
    found: dict[str, dict[str, set[str]]] = {}
    for _e, c in _customer_entries():
        for p in c.purposes:
            slot = found.setdefault(p, {"bases": set(), "categories": set()})
            slot["bases"].add(c.legal_basis)
            slot["categories"].add(c.category)
    return [
        {
            "purpose": p,
            "bases": sorted(found[p]["bases"]),
            "categories": sorted(found[p]["categories"]),
        }
        for p in sorted(found, key=lambda p: order.index(p) if p in order else 99)
    ]


def _retention_from_catalogue() -> list[dict[str, Any]]:
    rules: dict[str, set[str]] = {}
    for _e, c in _customer_entries():
        rules.setdefault(c.retention, set()).add(c.category)
    return [
        {"rule": r, "categories": sorted(cats)} for r, cats in sorted(rules.items())
    ]


def _subjects() -> list[str]:
    subjects = {"customer"} if _customer_entries() else set()
    return sorted(subjects)


def _sources() -> list[dict[str, str]]:
    return [
        {"code": s.code, "name": s.name, "kind": s.kind}
        for s in DataSource.objects.filter(is_active=True).order_by("kind", "name")
    ]


def hosting() -> tuple[str, str]:
    """The hosting country and its transfer mechanism from settings."""
    country = str(setting("REKISTERI_HOSTING_COUNTRY") or "FI")
    mechanism = str(setting("REKISTERI_HOSTING_TRANSFER_MECHANISM") or "none")
    return country.upper(), mechanism


def profile_facts(profile: Any | None = None) -> dict[str, Any]:
    """The controller profile's part of the facts: ``controller``,
    ``contact``, ``dpo``, ``texts`` and ``authority_links`` (NoticeFacts'
    fields). An access export states the controller and the notice's
    automated-decision text from these alone, without the catalogue, source
    and recipient parts of :func:`system_facts`."""
    profile = profile if profile is not None else controller_profile()
    controller: dict[str, str] = {}
    contact: dict[str, str] = {}
    dpo: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    links: list[dict[str, str]] = []
    if profile is not None:
        controller = {
            "name": profile.controller_name,
            "business_id": profile.business_id,
            "street": profile.street,
            "postal_code": profile.postal_code,
            "city": profile.city,
            "country": profile.country,
            "phone": profile.phone,
            "email": profile.email,
        }
        contact = {
            "name": profile.contact_name,
            "title": profile.contact_title,
            "phone": profile.contact_phone,
            "email": profile.contact_email,
        }
        if profile.dpo_name or profile.dpo_email or profile.dpo_phone:
            dpo = {
                "name": profile.dpo_name,
                "phone": profile.dpo_phone,
                "email": profile.dpo_email,
            }
        texts = {
            lang: {k: str(v) for k, v in (profile.texts or {}).get(lang, {}).items()}
            for lang in ("fi", "sv", "en")
        }
        links = list(profile.authority_links or [])
    return {
        "controller": controller,
        "contact": contact,
        "dpo": dpo,
        "texts": texts,
        "authority_links": links,
    }


def system_facts(profile: Any | None = None) -> NoticeFacts:
    """The facts of the notice as the system stands now."""
    country, mechanism = hosting()
    return NoticeFacts(
        **profile_facts(profile),
        purposes=_purposes_from_catalogue(),
        categories=catalogue_categories(),
        areas=catalogue_areas(),
        subjects=_subjects(),
        retention=_retention_from_catalogue(),
        sources=_sources(),
        recipients=[r.as_dict() for r in external_recipients()],
        hosting_country=country,
        hosting_mechanism=mechanism,
    )


def seed_facts() -> NoticeFacts:
    """What the seed notice (tietosuojaseloste.md) itself states, and no more.

    Used to show what a hand-written notice leaves out: it names rights only
    in general, says nothing of a complaint to the Data Protection Ombudsman,
    of whether giving the data is required, or of automated decisions.
    """
    c = SEED_CONTROLLER
    fi = {
        k: v
        for k, v in SEED_TEXTS["fi"].items()
        if k not in ("provision_requirement", "automated_decisions")
    }
    contract = ["contract"]
    return NoticeFacts(
        controller={
            "name": c["controller_name"],
            "business_id": "",
            "street": c["street"],
            "postal_code": c["postal_code"],
            "city": c["city"],
            "country": "FI",
            "phone": c["phone"],
            "email": c["email"],
        },
        contact={
            "name": c["contact_name"],
            "title": c["contact_title"],
            "phone": c["contact_phone"],
            "email": c["contact_email"],
        },
        purposes=[
            {"purpose": p, "bases": contract, "categories": []}
            for p in (
                "customer_relationship",
                "customer_service",
                "invoicing",
                "collection",
                "sales",
                "marketing",
            )
        ],
        categories=[
            "user.name",
            "user.contact.address",
            "user.contact.phone_number",
            "user.contact.email",
            "user.unique_id",
            "user.contract",
            "user.financial",
            "user.communication",
        ],
        areas=["registry", "contracts", "billing", "messaging"],
        subjects=["customer"],
        retention=[{"rule": "relationship", "categories": []}],
        sources=[
            {"code": "data_subject", "name": "", "kind": "data_subject"},
            {"code": "customer_company", "name": "", "kind": "customer_company"},
            {"code": "asiakastieto", "name": "Suomen Asiakastieto", "kind": "registry"},
            {"code": "fonecta", "name": "Fonecta", "kind": "registry"},
        ],
        recipients=[],
        rights=[],  # "has rights under the GDPR", none of them named
        consent_withdrawal_stated=False,
        complaint=False,
        texts={"fi": fi},
        authority_links=list(c["authority_links"]),
        languages=("fi",),
    )
