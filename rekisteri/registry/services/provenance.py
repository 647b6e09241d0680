"""Where register values came from: data sources and provenance records,
and customer numbers (a counter of ``rekisteri.core.sequences``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    not_a_write_service,
)
from rekisteri.core import formats
from rekisteri.core.errors import ValidationFailed
from rekisteri.core.sequences import sequence_next
from rekisteri.registry.choices import (
    SourceKind,
)
from rekisteri.registry.conf import setting
from rekisteri.registry.models import (
    DataSource,
    ImportBatch,
    Provenance,
)

# The sources the privacy notice names. The registry migration installs them;
# they are recreated on demand so a database emptied by hand (or a test flush)
# still knows them.
BUILTIN_SOURCES: dict[str, tuple[str, str]] = {
    "data_subject": ("Rekisteröity itse / The data subject", SourceKind.DATA_SUBJECT),
    "customer_company": (
        "Asiakasyritys / The customer company",
        SourceKind.CUSTOMER_COMPANY,
    ),
    "staff": ("Henkilökunta / Our staff", SourceKind.STAFF),
    "asiakastieto": ("Suomen Asiakastieto Oy", SourceKind.REGISTRY),
    "fonecta": ("Fonecta Oy", SourceKind.REGISTRY),
    "prh": ("Patentti- ja rekisterihallitus (YTJ)", SourceKind.REGISTRY),
}


def data_source_get(code: str) -> DataSource | None:
    """The data source with ``code``; built-in ones always exist."""
    found = DataSource.objects.filter(code=code).first()
    if found is None and code in BUILTIN_SOURCES:
        name, kind = BUILTIN_SOURCES[code]
        found, _created = DataSource.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    return found


@not_a_write_service(
    "writes the source of values inside a service that authorized the values"
)
def provenance_record(
    *,
    actor: Any,
    source: str | DataSource = "staff",
    obtained_at: dt.datetime | None = None,
    import_batch: ImportBatch | None = None,
    source_modified_at: dt.datetime | None = None,
) -> Provenance:
    """Record where values came from. ``source`` is a DataSource code, or
    the DataSource itself (an import that records many reads it once);
    ``source_modified_at`` is when the source itself last changed them."""
    data_source = source if isinstance(source, DataSource) else data_source_get(source)
    if data_source is None or not data_source.is_active:
        raise ValidationFailed.single(
            "source", "source_unknown", _("Unknown data source.")
        )
    return Provenance.objects.create(
        source=data_source,
        obtained_at=obtained_at or timezone.now(),
        import_batch=import_batch,
        source_modified_at=source_modified_at,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def customer_numbers(count: int) -> list[str]:
    """``count`` new customer numbers: a sequence value and a 7-3-1 check digit."""
    start = setting("REKISTERI_CUSTOMER_NUMBER_START")
    with transaction.atomic():
        first = sequence_next("customer_number", start=start, count=count)
    return [
        formats.with_reference_check_digit(str(n)) for n in range(first, first + count)
    ]
