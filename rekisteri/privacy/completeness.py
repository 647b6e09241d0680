"""The completeness check against GDPR Art. 13 and 14.

Every lettered item is one :class:`Item` with a test over
:class:`~rekisteri.privacy.facts.NoticeFacts`. An item is *ok*, *missing*,
*not applicable* (the facts show it does not arise: no DPO, no consent) or
*waived* (the privacy officer recorded why it does not apply). Publishing is
refused while any item is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _

from rekisteri.privacy.eea import transfer_problem
from rekisteri.privacy.facts import RIGHTS, NoticeFacts

OK = "ok"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"
WAIVED = "waived"

# A test returns (status, what is missing or why it does not apply).
Test = Callable[[NoticeFacts], tuple[str, str]]


@dataclass(frozen=True)
class Item:
    id: str
    article: str
    title: object  # lazy translation
    test: Test


@dataclass(frozen=True)
class ItemResult:
    id: str
    article: str
    title: str
    status: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _texts_missing(facts: NoticeFacts, key: str) -> list[str]:
    return [lang for lang in facts.languages if not facts.text(lang, key)]


def _text_item(key: str) -> Test:
    def test(facts: NoticeFacts) -> tuple[str, str]:
        missing = _texts_missing(facts, key)
        if missing:
            return MISSING, str(_("No text in: %(langs)s")) % {
                "langs": ", ".join(missing)
            }
        return OK, ""

    return test


def _controller(facts: NoticeFacts) -> tuple[str, str]:
    c = facts.controller
    gaps = [k for k in ("name", "street", "postal_code", "city") if not c.get(k)]
    if not (c.get("email") or c.get("phone")):
        gaps.append("email/phone")
    if gaps:
        return MISSING, ", ".join(gaps)
    return OK, ""


def _contact(facts: NoticeFacts) -> tuple[str, str]:
    c = facts.contact
    if not c.get("name") or not (c.get("email") or c.get("phone")):
        return MISSING, str(_("Name and an email or phone are needed."))
    return OK, ""


def _dpo(facts: NoticeFacts) -> tuple[str, str]:
    d = facts.dpo
    if not d:
        return NOT_APPLICABLE, str(_("No data protection officer is designated."))
    if not (d.get("email") or d.get("phone")):
        return MISSING, str(_("The DPO's contact details are missing."))
    return OK, ""


def _purposes(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.purposes:
        return MISSING, str(_("No purposes."))
    unbased = [p["purpose"] for p in facts.purposes if not p["bases"]]
    if unbased:
        return MISSING, ", ".join(unbased)
    return OK, ""


def _legitimate_interests(facts: NoticeFacts) -> tuple[str, str]:
    if "legitimate_interest" not in facts.bases:
        return NOT_APPLICABLE, str(_("Legitimate interest is not a basis used."))
    return _text_item("legitimate_interests")(facts)


def _recipients(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.recipients_stated:
        return MISSING, ""
    return OK, ""


def _transfers(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.transfers_stated:
        return MISSING, ""
    problems = [
        f"{r['name']} ({r['country']})"
        for r in facts.recipients
        if transfer_problem(r["country"], r["mechanism"])
    ]
    if transfer_problem(facts.hosting_country, facts.hosting_mechanism):
        problems.append(f"hosting ({facts.hosting_country})")
    if problems:
        return MISSING, str(_("No transfer mechanism: %(parties)s")) % {
            "parties": ", ".join(problems)
        }
    return OK, ""


def _retention(facts: NoticeFacts) -> tuple[str, str]:
    if facts.retention or not _texts_missing(facts, "retention"):
        return OK, ""
    return MISSING, ""


def _right(name: str) -> Test:
    def test(facts: NoticeFacts) -> tuple[str, str]:
        return (OK, "") if name in facts.rights else (MISSING, "")

    return test


def _withdraw_consent(facts: NoticeFacts) -> tuple[str, str]:
    if "consent" not in facts.bases:
        return NOT_APPLICABLE, str(_("Consent is not a basis used."))
    return (OK, "") if facts.consent_withdrawal_stated else (MISSING, "")


def _complaint(facts: NoticeFacts) -> tuple[str, str]:
    return (OK, "") if facts.complaint else (MISSING, "")


def _categories(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.indirect_sources:
        return NOT_APPLICABLE, str(_("All data is obtained from the person."))
    return (OK, "") if facts.categories else (MISSING, "")


def _sources(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.indirect_sources:
        return NOT_APPLICABLE, str(_("All data is obtained from the person."))
    return OK, ""


RIGHT_TITLES = {
    "access": (_("Right of access"), "15"),
    "rectification": (_("Right to rectification"), "16"),
    "erasure": (_("Right to erasure"), "17"),
    "restriction": (_("Right to restriction of processing"), "18"),
    "objection": (_("Right to object"), "21"),
    "portability": (_("Right to data portability"), "20"),
}

ITEMS: tuple[Item, ...] = (
    Item(
        "controller",
        "13(1)(a), 14(1)(a)",
        _("Identity and contact details of the controller"),
        _controller,
    ),
    Item("contact", "13(1)(a), 14(1)(a)", _("Privacy contact person"), _contact),
    Item(
        "dpo",
        "13(1)(b), 14(1)(b)",
        _("Contact details of the data protection officer"),
        _dpo,
    ),
    Item(
        "purposes",
        "13(1)(c), 14(1)(c)",
        _("Purposes and legal basis of the processing"),
        _purposes,
    ),
    Item(
        "legitimate_interests",
        "13(1)(d), 14(2)(b)",
        _("Legitimate interests pursued"),
        _legitimate_interests,
    ),
    Item(
        "recipients",
        "13(1)(e), 14(1)(e)",
        _("Recipients or categories of recipients"),
        _recipients,
    ),
    Item(
        "transfers",
        "13(1)(f), 14(1)(f)",
        _("Transfers outside the EU/EEA and their safeguards"),
        _transfers,
    ),
    Item(
        "retention",
        "13(2)(a), 14(2)(a)",
        _("Retention period or the criteria for it"),
        _retention,
    ),
    *(
        Item(
            f"right_{name}",
            f"13(2)(b), 14(2)(c); Art. {RIGHT_TITLES[name][1]}",
            RIGHT_TITLES[name][0],
            _right(name),
        )
        for name in RIGHTS
    ),
    Item(
        "withdraw_consent",
        "13(2)(c), 14(2)(d)",
        _("Right to withdraw consent"),
        _withdraw_consent,
    ),
    Item(
        "complaint",
        "13(2)(d), 14(2)(e)",
        _("Right to lodge a complaint with the Data Protection Ombudsman"),
        _complaint,
    ),
    Item(
        "provision_requirement",
        "13(2)(e)",
        _("Whether providing the data is a statutory or contractual requirement"),
        _text_item("provision_requirement"),
    ),
    Item(
        "automated_decisions",
        "13(2)(f), 14(2)(g)",
        _("Automated decision-making and profiling"),
        _text_item("automated_decisions"),
    ),
    Item(
        "categories",
        "14(1)(d)",
        _("Categories of personal data not obtained from the person"),
        _categories,
    ),
    Item(
        "sources",
        "14(2)(f)",
        _("Sources of data not obtained from the person"),
        _sources,
    ),
)
ITEM_IDS = frozenset(i.id for i in ITEMS)


@dataclass(frozen=True)
class Report:
    results: tuple[ItemResult, ...]

    @property
    def missing(self) -> list[ItemResult]:
        return [r for r in self.results if r.status == MISSING]

    @property
    def publishable(self) -> bool:
        return not self.missing

    def as_list(self) -> list[dict[str, str]]:
        return [r.as_dict() for r in self.results]


def check(facts: NoticeFacts, waivers: dict[str, str] | None = None) -> Report:
    """Judge ``facts`` item by item; a waiver turns a missing item into waived."""
    waivers = waivers or {}
    results = []
    for item in ITEMS:
        status, detail = item.test(facts)
        reason = str(waivers.get(item.id, "") or "").strip()
        if status == MISSING and reason:
            status, detail = WAIVED, reason
        results.append(
            ItemResult(item.id, item.article, str(item.title), status, detail)
        )
    return Report(tuple(results))
