"""EU/EEA membership and the transfer rule (DESIGN §9, GDPR Chapter V).

A party or the hosting location outside the EU/EEA needs a recorded transfer
mechanism; the same rule serves the processor register and the hosting check.
"""

from __future__ import annotations

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


def transfer_problem(country: str, mechanism: str) -> str | None:
    """An error naming the country and the rule, or None if the transfer is lawful.

    The country code is not personal data, so the message may name it.
    """
    if is_eea(country) or mechanism in (
        TransferMechanism.ADEQUACY,
        TransferMechanism.SCC,
    ):
        return None
    return _(
        "%(country)s is outside the EU/EEA (the 27 EU states, Iceland, "
        "Liechtenstein and Norway). Under %(rule)s personal data may go there "
        "only with a transfer mechanism: record an adequacy decision or "
        "standard contractual clauses."
    ) % {"country": country.upper(), "rule": RULE}
