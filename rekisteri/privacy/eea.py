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
    under Directive 95/46/EC that Art. 45(9) keeps in force)."""

    country: str
    adopted: dt.date
    reference: str  # the decision as the Official Journal names it
    scope: str = ""  # when the decision covers only some recipients


# The Commission's list: commission.europa.eu → Data protection →
# International dimension → Adequacy decisions. Review it when the
# Commission decides (the UK decisions carry a sunset clause).
ADEQUACY_DECISIONS: dict[str, AdequacyDecision] = {
    d.country: d
    for d in (
        AdequacyDecision("CH", dt.date(2000, 7, 26), "Commission Decision 2000/518/EC"),
        AdequacyDecision(
            "CA",
            dt.date(2001, 12, 20),
            "Commission Decision 2002/2/EC",
            "commercial organisations subject to PIPEDA",
        ),
        AdequacyDecision("AR", dt.date(2003, 6, 30), "Commission Decision 2003/490/EC"),
        AdequacyDecision(
            "GG", dt.date(2003, 11, 21), "Commission Decision 2003/821/EC"
        ),
        AdequacyDecision("IM", dt.date(2004, 4, 28), "Commission Decision 2004/411/EC"),
        AdequacyDecision("JE", dt.date(2008, 5, 8), "Commission Decision 2008/393/EC"),
        AdequacyDecision("FO", dt.date(2010, 3, 5), "Commission Decision 2010/146/EU"),
        AdequacyDecision(
            "AD", dt.date(2010, 10, 19), "Commission Decision 2010/625/EU"
        ),
        AdequacyDecision("IL", dt.date(2011, 1, 31), "Commission Decision 2011/61/EU"),
        AdequacyDecision("UY", dt.date(2012, 8, 21), "Commission Decision 2012/484/EU"),
        AdequacyDecision(
            "NZ", dt.date(2012, 12, 19), "Commission Implementing Decision 2013/65/EU"
        ),
        AdequacyDecision(
            "JP", dt.date(2019, 1, 23), "Commission Implementing Decision (EU) 2019/419"
        ),
        AdequacyDecision(
            "GB",
            dt.date(2021, 6, 28),
            "Commission Implementing Decision (EU) 2021/1772",
        ),
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
}


def adequacy_decision(country: str) -> AdequacyDecision | None:
    """The Commission's adequacy decision for ``country``, if it made one."""
    return ADEQUACY_DECISIONS.get((country or "").upper())


def transfer_problem(country: str, mechanism: str) -> str | None:
    """An error naming the country and the rule, or None if the transfer is lawful.

    An adequacy decision is a fact about the country, not a choice: it is
    lawful only for the countries the Commission has decided on. The country
    code is not personal data, so the message may name it.
    """
    if is_eea(country) or mechanism == TransferMechanism.SCC:
        return None
    if mechanism == TransferMechanism.ADEQUACY:
        if adequacy_decision(country) is not None:
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
