"""System check: the hosting location obeys the transfer rule (docs/privacy-office.md).

``REKISTERI_HOSTING_COUNTRY`` (ISO 3166 alpha-2, default FI) outside the
EU/EEA needs ``REKISTERI_HOSTING_TRANSFER_MECHANISM`` set to ``adequacy`` or
``scc``, exactly as a processor in the register would; otherwise
``manage.py check`` fails with the country and the rule named.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.core import checks

from rekisteri.privacy.choices import TransferMechanism
from rekisteri.privacy.eea import transfer_problem
from rekisteri.privacy.facts import hosting


@checks.register("privacy")
def check_hosting_country(
    app_configs: Iterable[Any] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    country, mechanism = hosting()
    if len(country) != 2 or country not in phonenumbers.SUPPORTED_REGIONS:
        return [
            checks.Error(
                "REKISTERI_HOSTING_COUNTRY must be a two-letter ISO 3166 code "
                "such as FI.",
                id="rekisteri.privacy.E001",
            )
        ]
    if mechanism not in TransferMechanism.values:
        return [
            checks.Error(
                "REKISTERI_HOSTING_TRANSFER_MECHANISM must be one of: "
                + ", ".join(TransferMechanism.values),
                id="rekisteri.privacy.E002",
            )
        ]
    problem = transfer_problem(country, mechanism)
    if problem:
        return [
            checks.Error(
                f"Hosting location: {problem}",
                hint="Set REKISTERI_HOSTING_TRANSFER_MECHANISM=adequacy or scc, "
                "or host in the EU/EEA.",
                id="rekisteri.privacy.E003",
            )
        ]
    return []
