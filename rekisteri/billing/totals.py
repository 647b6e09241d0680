"""Invoice lines and totals. Rounding (docs/billing.md): each line's net
amount is quantity × unit price rounded to cents; VAT is computed once per VAT
rate on the sum of that rate's line nets and rounded to cents; all rounding is
ROUND_HALF_UP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from rekisteri.billing.cleaning import clean_decimal, clean_text_field
from rekisteri.billing.models import (
    CENT,
    Invoice,
    InvoiceLine,
    VatRate,
)
from rekisteri.billing.vat import UNKNOWN_RATE, vat_rates_on
from rekisteri.core.errors import FieldErrors


def money(value: Decimal) -> Decimal:
    """Round to cents, half up (the rule Finnish invoicing expects)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


MAX_LINES = 200


@dataclass(frozen=True)
class LineData:
    """A validated line, VAT resolved for the invoice date."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_code: str
    vat_rate: Decimal
    vat_category: str

    @property
    def net_amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    category: str
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    groups: list[VatGroup]


def compute_totals(lines: list[Any]) -> Totals:
    """Totals by the documented rule: line nets to cents, VAT per rate group.

    ``lines`` are LineData or InvoiceLine (anything with net_amount, vat_rate,
    vat_category).
    """
    groups: dict[tuple[Decimal, str], Decimal] = {}
    for line in lines:
        key = (Decimal(line.vat_rate), line.vat_category)
        groups[key] = groups.get(key, Decimal("0.00")) + Decimal(line.net_amount)
    vat_groups = [
        VatGroup(rate, category, base, money(base * rate / 100))
        for (rate, category), base in sorted(groups.items(), reverse=True)
    ]
    net = sum((g.base for g in vat_groups), Decimal("0.00"))
    vat = sum((g.vat for g in vat_groups), Decimal("0.00"))
    return Totals(net=net, vat=vat, gross=net + vat, groups=vat_groups)


def line_vat(line: Any) -> Decimal:
    """A line's own VAT, for display only (totals use the rate groups)."""
    return money(Decimal(line.net_amount) * Decimal(line.vat_rate) / 100)


def clean_lines(
    errors: FieldErrors,
    lines: list[dict[str, Any]],
    *,
    on: dt.date,
    credit: bool,
    rates: dict[str, VatRate] | None = None,
) -> list[LineData]:
    if not lines:
        errors.add("lines", "no_lines", _("An invoice needs at least one line."))
        return []
    if len(lines) > MAX_LINES:
        errors.add("lines", "too_many", _("At most %(n)d lines.") % {"n": MAX_LINES})
        return []
    result = []
    if rates is None:
        rates = vat_rates_on({str(raw.get("vat_code") or "") for raw in lines}, on)
    for i, raw in enumerate(lines):
        p = f"lines.{i}."
        description = clean_text_field(
            errors,
            p + "description",
            raw.get("description"),
            max_length=200,
            required=True,
        )
        unit = clean_text_field(
            errors, p + "unit", raw.get("unit") or "kpl", max_length=10, required=True
        )
        quantity = clean_decimal(
            errors,
            p + "quantity",
            raw.get("quantity"),
            places=3,
            minimum=None,
            maximum=Decimal("999999999"),
        )
        if quantity is not None:
            if quantity == 0:
                errors.add(p + "quantity", "zero", _("The quantity cannot be zero."))
            elif quantity < 0 and not credit:
                errors.add(
                    p + "quantity",
                    "negative_quantity",
                    _("A negative quantity needs a credit note."),
                )
            elif quantity > 0 and credit:
                errors.add(
                    p + "quantity",
                    "positive_on_credit",
                    _("A credit note's quantities are negative."),
                )
        unit_price = clean_decimal(
            errors,
            p + "unit_price",
            raw.get("unit_price"),
            places=4,
            maximum=Decimal("9999999999"),
        )
        code = str(raw.get("vat_code") or "")
        rate = rates.get(code)
        if rate is None:
            errors.add(p + "vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
        if None not in (quantity, unit_price, rate) and not errors.fields.keys() & {
            p + "quantity"
        }:
            assert rate is not None
            result.append(
                LineData(
                    description=description,
                    quantity=quantity,  # type: ignore[arg-type]
                    unit=unit,
                    unit_price=unit_price,  # type: ignore[arg-type]
                    vat_code=rate.code,
                    vat_rate=rate.rate,
                    vat_category=rate.category,
                )
            )
    return result


def write_lines(invoice: Invoice, lines: list[LineData]) -> None:
    InvoiceLine.objects.filter(invoice=invoice).delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_code=line.vat_code,
            vat_rate=line.vat_rate,
            vat_category=line.vat_category,
            net_amount=line.net_amount,
        )
        for i, line in enumerate(lines, start=1)
    )
