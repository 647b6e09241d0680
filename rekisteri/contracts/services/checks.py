"""The checks contract writes share: field values (dates, text, the product,
the notice period, the terms as a whole) and the contract's state (open,
locked for the write)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rekisteri.contracts.choices import NoticeUnit
from rekisteri.contracts.dates import MAX_NOTICE
from rekisteri.contracts.models import Contract, Product
from rekisteri.core import validation
from rekisteri.core.errors import Conflict, FieldErrors, NotFound
from rekisteri.core.formats import FormatError

TERMS_MAX = 20_000


NOTE_MAX = 2_000


def clean_date(errors: FieldErrors, name: str, value: Any, *, required: bool) -> Any:
    if value is None or value == "":
        if required:
            errors.add(name, "required", _("This field is required."))
        return None
    try:
        return validation.check_date(value)
    except FormatError as exc:
        errors.add(name, exc.code, exc.message)
        return None


def clean_plain_text(
    errors: FieldErrors, name: str, value: Any, max_length: int
) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, "type_string", _("Enter a text value."))
        return ""
    value = value.strip()
    if "\x00" in value:
        errors.add(name, "invalid", _("The text contains characters not allowed."))
    if len(value) > max_length:
        errors.add(
            name,
            "too_long",
            _("At most %(n)d characters.") % {"n": max_length},
        )
    return value


def _product(errors: FieldErrors, value: Any, *, current: Product | None) -> Any:
    """A Product from an instance or its code. Retired ones only if kept."""
    if value is None or value == "":
        errors.add("product", "required", _("Choose a product or service."))
        return None
    product = value
    if not isinstance(value, Product):
        product = Product.objects.filter(code=str(value).strip().upper()).first()
    if product is None or product.pk is None:
        errors.add("product", "product_unknown", _("No such product or service."))
        return None
    if not product.is_active and (current is None or current.pk != product.pk):
        errors.add(
            "product",
            "product_retired",
            _("This product or service is no longer available for new contracts."),
        )
    return product


def _notice(errors: FieldErrors, period: Any, unit: Any) -> tuple[int, str]:
    if unit not in NoticeUnit.values:
        errors.add("notice_unit", "invalid_choice", _("Choose days or months."))
        unit = NoticeUnit.MONTHS
    if isinstance(period, bool) or not isinstance(period, int):
        errors.add("notice_period", "type_integer", _("Enter a whole number."))
        return 0, unit
    limit = MAX_NOTICE[NoticeUnit(unit)]
    if period < 0:
        errors.add(
            "notice_period", "too_small", _("The notice period cannot be negative.")
        )
    elif period > limit:
        errors.add(
            "notice_period",
            "too_large",
            _("The notice period can be at most %(n)d %(unit)s.")
            % {"n": limit, "unit": NoticeUnit(unit).label},
        )
    return period, unit


def clean_terms(data: dict[str, Any], *, current: Product | None) -> dict[str, Any]:
    """Validate a contract's terms; raises ValidationFailed with every error."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    out["product"] = _product(errors, data.get("product"), current=current)
    out["start_date"] = clean_date(
        errors, "start_date", data.get("start_date"), required=True
    )
    out["end_date"] = clean_date(
        errors, "end_date", data.get("end_date"), required=False
    )
    if out["start_date"] and out["end_date"] and out["end_date"] < out["start_date"]:
        errors.add(
            "end_date", "end_before_start", _("The end date is before the start date.")
        )
    out["notice_period"], out["notice_unit"] = _notice(
        errors, data.get("notice_period", 0), data.get("notice_unit")
    )
    # Empty terms are stored as NULL: nothing to seal, no key needed.
    out["terms"] = (
        clean_plain_text(errors, "terms", data.get("terms"), TERMS_MAX) or None
    )
    errors.raise_if_any()
    return out


def require_open(contract: Contract) -> None:
    if contract.is_closed:
        raise Conflict(
            _("This contract has ended; its terms and people can no longer change."),
            code="contract_closed",
        )


def locked_contract(contract: Contract) -> Contract:
    """The contract re-read under a row lock: concurrent transitions serialise."""
    try:
        return Contract.objects.select_for_update().get(pk=contract.pk)
    except Contract.DoesNotExist:
        raise NotFound() from None
