"""VAT rates by code and date (docs/billing.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rekisteri.billing.models import VatRate
from rekisteri.core.errors import ValidationFailed

UNKNOWN_RATE = gettext_noop("There is no VAT rate with this code for the invoice date.")


def vat_rates_ensure() -> bool:
    """Install the Finnish rates (migration 0002's data) if the table is empty.

    Like the registry's built-in data sources, they are recreated on demand,
    so a database emptied by hand (or a test flush) still taxes correctly.
    Returns True when rates were installed.
    """
    if VatRate.objects.exists():
        return False
    from importlib import import_module

    seeded = import_module("rekisteri.billing.migrations.0002_vat_rates")
    with transaction.atomic():
        for code, name, rate, category, start, end in seeded.RATES:
            VatRate.objects.get_or_create(
                code=code,
                valid_from=start,
                defaults=dict(
                    name=name, rate=Decimal(rate), category=category, valid_to=end
                ),
            )
    return True


def rate_on(code: str, on: dt.date) -> VatRate | None:
    return (
        VatRate.objects.filter(code=code, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )


def vat_rates_on(codes: set[str], on: dt.date) -> dict[str, VatRate]:
    """The rates of ``codes`` valid on ``on``, in one query; unknown codes
    are missing from the result."""
    found: dict[str, VatRate] = {}
    for rate in (
        VatRate.objects.filter(code__in=codes, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
    ):
        found.setdefault(rate.code, rate)
    if len(found) < len(codes) and vat_rates_ensure():
        return vat_rates_on(codes, on)
    return found


def vat_rate_for(code: str, on: dt.date) -> VatRate:
    """The rate called ``code`` valid on ``on``; a clear error otherwise."""
    rate = rate_on(code, on)
    if rate is None and vat_rates_ensure():
        rate = rate_on(code, on)
    if rate is None:
        raise ValidationFailed.single("vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
    return rate


def vat_codes(on: dt.date | None = None) -> list[VatRate]:
    """The rates valid on ``on`` (today), one per code, for choice lists."""
    on = on or timezone.localdate()
    vat_rates_ensure()
    found: dict[str, VatRate] = {}
    for rate in (
        VatRate.objects.filter(valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
    ):
        found.setdefault(rate.code, rate)
    return list(found.values())
