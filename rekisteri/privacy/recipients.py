"""External recipients that other apps contribute to the notice and RoPA.

The privacy office's own :class:`~rekisteri.privacy.models.Party` register is
one source. Another app that discloses data to an outside party and keeps its
own records of it (billing's collection agencies) registers a provider in its
``AppConfig.ready()``::

    from rekisteri.privacy.recipients import ExternalRecipient, register_provider

    def collection_agencies() -> list[ExternalRecipient]:
        return [
            ExternalRecipient(
                name=a.name, role="recipient", service="Debt collection",
                country=a.country, categories=("user.financial",),
                mechanism="none", source="billing",
            )
            for a in CollectionAgency.objects.filter(is_active=True)
        ]

    register_provider("billing.collection_agencies", collection_agencies)

:func:`external_recipients` then lists them with the register's own parties;
the notice's recipients and transfers sections, the record of processing and
the completeness check all read it, and a non-EEA recipient without a
mechanism makes the transfers item fail.

Billing's collection agencies are listed through such a provider
(``billing.collection_agencies``), registered below until billing registers
its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rekisteri.core.catalogue import PersonalData, catalogue_entries
from rekisteri.privacy.choices import TransferMechanism
from rekisteri.privacy.models import Party


@dataclass(frozen=True)
class ExternalRecipient:
    """One outside party that receives or processes the register's data."""

    name: str
    role: str  # PartyRole value
    service: str
    country: str  # ISO 3166 alpha-2
    categories: tuple[str, ...] = field(default=())
    mechanism: str = TransferMechanism.NONE
    source: str = "privacy"  # which app's register it comes from

    def as_dict(self) -> dict:
        data = asdict(self)
        data["categories"] = list(self.categories)
        return data


Provider = Callable[[], list[ExternalRecipient]]
_PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, provider: Provider) -> None:
    """Add (or replace, by ``name``) a function listing recipients."""
    _PROVIDERS[name] = provider


def unregister_provider(name: str) -> None:
    _PROVIDERS.pop(name, None)


def _parties() -> list[ExternalRecipient]:
    return [
        ExternalRecipient(
            name=p.name,
            role=p.role,
            service=p.service,
            country=p.country,
            categories=tuple(p.data_categories),
            mechanism=p.transfer_mechanism,
            source="privacy",
        )
        for p in Party.objects.filter(is_active=True)
    ]


register_provider("privacy.parties", _parties)


def _collection_agencies() -> list[ExternalRecipient]:
    """Collection agencies the billing app has handed cases to.

    Billing keeps them in its own model (``billing.CollectionAgency``,
    created when a case is handed over, refused outside the EU/EEA). Wired
    here so the notice never says "not disclosed" while an agency holds
    data; billing may take this over by registering its own provider under
    the same name in its ``AppConfig.ready()``.
    """
    from django.apps import apps

    try:
        agency_model = apps.get_model("billing", "CollectionAgency")
    except LookupError:
        return []
    agencies = list(agency_model.objects.order_by("name"))
    if not agencies:
        return []
    categories = tuple(
        sorted(
            {
                e.classification.category
                for e in catalogue_entries()
                if isinstance(e.classification, PersonalData)
                and "collection" in e.classification.purposes
            }
        )
    )
    return [
        ExternalRecipient(
            name=a.name,
            role="recipient",
            service="Perintä / Indrivning / Debt collection",
            country=a.country,
            categories=categories,
            mechanism=TransferMechanism.NONE,
            source="billing",
        )
        for a in agencies
    ]


register_provider("billing.collection_agencies", _collection_agencies)


def receives(recipient: ExternalRecipient, category: str) -> bool:
    """Whether ``recipient`` receives data of ``category``: the same
    category, a narrower one or a broader one (``user.contact`` covers
    ``user.contact.email`` and the other way round)."""
    return any(
        category == c or category.startswith(c + ".") or c.startswith(category + ".")
        for c in recipient.categories
    )


def external_recipients() -> list[ExternalRecipient]:
    """Every registered external recipient, sorted by role and name."""
    found: list[ExternalRecipient] = []
    for provider in list(_PROVIDERS.values()):
        found.extend(provider())
    return sorted(found, key=lambda r: (r.role, r.name.casefold(), r.source))
