"""Bounds and parsers shared by every service and form: dates and decimals.

Dates: every date a person or a file gives is kept between ``DATE_MIN`` and
``DATE_MAX``. Python's ``date`` reaches 9999-12-31, and arithmetic on such a
date (a due date 14 days later, a notice period of months) overflows; a date
centuries away is a typing mistake anyway. :func:`check_date` is the service
side, :class:`BoundedDateField` the form side (it refuses out-of-range dates
with a field error and tells the browser's date picker the same range).

Decimals (money, quantities, percentages): only plain decimal notation is
read: ASCII digits 0–9, an optional sign, one decimal comma or point, spaces
as thousands separators. ``Decimal("1e3")`` is 1000 and ``Decimal("١٢")`` is
12; a payment form or a bank file saying either is a mistake or a trick, so
:func:`parse_decimal` refuses them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.core.formats import FormatError

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)

# Sign, ASCII digits with optional space-separated thousands, one decimal
# separator. No exponent, no other digits, no "NaN"/"Infinity".
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_THOUSANDS = re.compile(r"(?<=[0-9])[ \u00a0\u202f](?=[0-9]{3}(?:[^0-9]|$))")


def date_range_message() -> str:
    return str(
        _("Enter a date between %(min)s and %(max)s.")
        % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
    )


def check_date(value: Any) -> dt.date:
    """``value`` itself if it is a date (not a datetime) within the bounds.

    Raises :class:`FormatError` ``date_invalid`` or ``date_out_of_range``.
    """
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FormatError("date_invalid", _("Enter a valid date."))
    if not DATE_MIN <= value <= DATE_MAX:
        raise FormatError("date_out_of_range", date_range_message())
    return value


def in_date_range(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


class BoundedDateField(forms.DateField):
    """A date form field that refuses dates outside ``DATE_MIN``–``DATE_MAX``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("min", DATE_MIN.isoformat())
        self.widget.attrs.setdefault("max", DATE_MAX.isoformat())

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values and not in_date_range(value):
            raise forms.ValidationError(date_range_message(), code="date_out_of_range")


def parse_decimal(value: Any) -> Decimal:
    """A finite Decimal from plain decimal notation (or a Decimal/int).

    Accepts ``1234.50``, ``1234,50``, ``1 234,50``, ``-5``; refuses
    ``1e3``, ``NaN``, ``Infinity``, non-ASCII digits, two separators.
    Raises :class:`FormatError` ``number_invalid``.
    """
    if isinstance(value, bool):
        raise FormatError("number_invalid", _("Enter a number."))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise FormatError("number_invalid", _("Enter a number."))
        return value
    if isinstance(value, int):
        return Decimal(value)
    text = _THOUSANDS.sub("", str(value).strip())
    if not _PLAIN.fullmatch(text):
        raise FormatError(
            "number_invalid",
            _("Enter a number with the digits 0–9, for example 1234,50."),
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits none
        raise FormatError("number_invalid", _("Enter a number.")) from None
