"""Field checks the invoicing forms and services share: each adds its
errors to a FieldErrors under the field's name, never repeating the value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from rekisteri.core import formats, validation
from rekisteri.core.errors import FieldErrors, ValidationFailed


def clean_field(errors: FieldErrors, field: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except formats.FormatError as exc:
        errors.add(field, exc.code, exc.message)
        return None


def check_date_field(field: str, value: Any) -> dt.date:
    """``value`` if it is a date within the shared bounds; ValidationFailed
    on ``field`` otherwise (for services taking a single date)."""
    try:
        return validation.check_date(value)
    except formats.FormatError as exc:
        raise ValidationFailed.single(field, exc.code, exc.message) from None


def clean_decimal(
    errors: FieldErrors,
    field: str,
    value: Any,
    *,
    places: int = 2,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
) -> Decimal | None:
    if value is None or value == "":
        errors.add(field, "required", _("This field is required."))
        return None
    try:
        number = validation.parse_decimal(value)
    except formats.FormatError as exc:
        errors.add(field, exc.code, exc.message)
        return None
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        errors.add(
            field,
            "number_invalid",
            _("Enter a number with at most %(n)d decimals.") % {"n": places},
        )
        return None
    if minimum is not None and number < minimum:
        errors.add(field, "too_small", _("Enter at least %(n)s.") % {"n": minimum})
        return None
    if maximum is not None and number > maximum:
        errors.add(field, "too_large", _("Enter at most %(n)s.") % {"n": maximum})
        return None
    return number


def clean_text_field(
    errors: FieldErrors, field: str, value: Any, *, max_length: int, required: bool
) -> str:
    text = clean_field(
        errors, field, lambda v: formats.clean_text(v, max_length=max_length), value
    )
    if required and not text and field not in errors.fields:
        errors.add(field, "required", _("This field is required."))
    return text or ""
