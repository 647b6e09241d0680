"""EU/EEA membership and the transfer rule (docs/privacy-office.md, GDPR Chapter V).

A party or the hosting location outside the EU/EEA needs a recorded transfer
mechanism; the same rule serves the processor register and the hosting check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rekisteri.privacy.choices import TransferMechanism

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "HU",
    ]
)
# Iceland, Liechtenstein and Norway; Åland (AX) is part of Finland.
EEA = EU | {"IS", "LI", "NO", "AX"}

RULE = "GDPR Chapter V (Art. 44–46)"


def is_eea(country: str) -> bool:
    """True when ``country`` (ISO 3166 alpha-2) is in the EU/EEA."""
    return country.upper() in EEA


@dataclass(frozen=True)
class AdequacyDecision:
    """A European Commission adequacy decision (GDPR Art. 45(3), or one
    under Directive 95/46/EC that Art. 45(9) keeps in force).

    ``valid_until`` is the last day a decision with a sunset clause applies
    (None: no end date); after it the country counts as having no decision
    unless a later one (an extension, a renewal) covers the day. ``sources``
    name where the dates were checked; ``review`` says what is still to be
    confirmed against the Official Journal.
    """

    country: str
    adopted: dt.date
    reference: str  # the decision as the Official Journal names it
    scope: str = ""  # when the decision covers only some recipients
    valid_until: dt.date | None = None
    sources: tuple[str, ...] = ()
    review: str = ""

    def in_force(self, on: dt.date) -> bool:
        return self.adopted <= on and (
            self.valid_until is None or on <= self.valid_until
        )


_COMMISSION_LIST = (
    "https://commission.europa.eu/law/law-topic/data-protection/"
    "international-dimension-data-protection/adequacy-decisions_en"
)

# The United Kingdom: the 2021 decision had a four-year sunset (Art. 4:
# expires 27 June 2025); a technical six-month extension adopted on
# 24 June 2025 carried it to 27 December 2025; the Commission renewed it on
# 19 December 2025 for six years, to 27 December 2031.
_UK = (
    AdequacyDecision(
        "GB",
        dt.date(2021, 6, 28),
        "Commission Implementing Decision (EU) 2021/1772",
        valid_until=dt.date(2025, 6, 27),
        sources=(
            "https://eur-lex.europa.eu/eli/dec_impl/2021/1772/oj",
            _COMMISSION_LIST,
        ),
    ),
    AdequacyDecision(
        "GB",
        dt.date(2025, 6, 24),
        "Commission Implementing Decision of 24 June 2025 amending "
        "Implementing Decision (EU) 2021/1772 (six-month extension)",
        valid_until=dt.date(2025, 12, 27),
        sources=(
            "https://www.edpb.europa.eu/system/files/2025-05/"
            "edpb-opinion-202506-uk-adequacyextension-gdpr-led_en.pdf",
            "https://www.mondaq.com/uk/privacy-protection/1709926/"
            "extension-of-the-eu-uk-adequacy-decisions-whats-next",
        ),
        review="Official Journal number of the extension not yet recorded.",
    ),
    AdequacyDecision(
        "GB",
        dt.date(2025, 12, 19),
        "Commission Implementing Decision of 19 December 2025 renewing the "
        "adequacy decision for the United Kingdom under Regulation (EU) 2016/679",
        valid_until=dt.date(2031, 12, 27),
        sources=(
            _COMMISSION_LIST,
            "https://www.dpocentre.com/news/eu-renews-uk-personal-data-adequacy-decisions",
        ),
        review=(
            "Official Journal number and exact end date of the renewal to be "
            "confirmed against EUR-Lex; review before 27 December 2031."
        ),
    ),
)

# The Commission's list: commission.europa.eu → Data protection →
# International dimension → Adequacy decisions. Review it when the
# Commission decides; every decision, expired ones included, stays here
# with its dates so a past day can be judged as it was.
ADEQUACY_HISTORY: tuple[AdequacyDecision, ...] = (
    AdequacyDecision("CH", dt.date(2000, 7, 26), "Commission Decision 2000/518/EC"),
    AdequacyDecision(
        "CA",
        dt.date(2001, 12, 20),
        "Commission Decision 2002/2/EC",
        "commercial organisations subject to PIPEDA",
    ),
    AdequacyDecision("AR", dt.date(2003, 6, 30), "Commission Decision 2003/490/EC"),
    AdequacyDecision("GG", dt.date(2003, 11, 21), "Commission Decision 2003/821/EC"),
    AdequacyDecision("IM", dt.date(2004, 4, 28), "Commission Decision 2004/411/EC"),
    AdequacyDecision("JE", dt.date(2008, 5, 8), "Commission Decision 2008/393/EC"),
    AdequacyDecision("FO", dt.date(2010, 3, 5), "Commission Decision 2010/146/EU"),
    AdequacyDecision("AD", dt.date(2010, 10, 19), "Commission Decision 2010/625/EU"),
    AdequacyDecision("IL", dt.date(2011, 1, 31), "Commission Decision 2011/61/EU"),
    AdequacyDecision("UY", dt.date(2012, 8, 21), "Commission Decision 2012/484/EU"),
    AdequacyDecision(
        "NZ", dt.date(2012, 12, 19), "Commission Implementing Decision 2013/65/EU"
    ),
    AdequacyDecision(
        "JP", dt.date(2019, 1, 23), "Commission Implementing Decision (EU) 2019/419"
    ),
    *_UK,
    AdequacyDecision(
        "KR",
        dt.date(2021, 12, 17),
        "Commission Implementing Decision (EU) 2022/254",
    ),
    AdequacyDecision(
        "US",
        dt.date(2023, 7, 10),
        "Commission Implementing Decision (EU) 2023/1795",
        "organisations certified under the EU-U.S. Data Privacy Framework",
    ),
)


def _latest() -> dict[str, AdequacyDecision]:
    out: dict[str, AdequacyDecision] = {}
    for d in ADEQUACY_HISTORY:
        if d.country not in out or d.adopted > out[d.country].adopted:
            out[d.country] = d
    return out


# The newest decision per country (in force or not): see adequacy_decision().
ADEQUACY_DECISIONS: dict[str, AdequacyDecision] = _latest()


def adequacy_decision(
    country: str, on: dt.date | None = None
) -> AdequacyDecision | None:
    """The Commission's adequacy decision for ``country`` in force on ``on``
    (today by default), the newest if several are; None when there is none —
    never decided, or expired after its sunset with nothing to follow it."""
    from django.utils import timezone

    on = on or timezone.localdate()
    code = (country or "").upper()
    found = [d for d in ADEQUACY_HISTORY if d.country == code and d.in_force(on)]
    return max(found, key=lambda d: d.adopted) if found else None


def transfer_problem(
    country: str, mechanism: str, on: dt.date | None = None
) -> str | None:
    """An error naming the country and the rule, or None if the transfer is lawful.

    An adequacy decision is a fact about the country, not a choice: it is
    lawful only for the countries the Commission has decided on, while the
    decision is in force on ``on`` (today by default). The country
    code is not personal data, so the message may name it.
    """
    if is_eea(country) or mechanism == TransferMechanism.SCC:
        return None
    if mechanism == TransferMechanism.ADEQUACY:
        if adequacy_decision(country, on) is not None:
            return None
        return _(
            "The European Commission has made no adequacy decision for "
            "%(country)s (GDPR Art. 45). Record standard contractual clauses "
            "or another Art. 46 safeguard."
        ) % {"country": country.upper()}
    return _(
        "%(country)s is outside the EU/EEA (the 27 EU states, Iceland, "
        "Liechtenstein and Norway). Under %(rule)s personal data may go there "
        "only with a transfer mechanism: record an adequacy decision or "
        "standard contractual clauses."
    ) % {"country": country.upper(), "rule": RULE}
