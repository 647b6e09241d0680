"""The one validation module: bounds, parsers and field cleaners shared by
every service and form.

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

Field cleaners: each ``clean_*`` function takes raw input and a
:class:`FieldErrors`, records what is wrong under the field's name and
returns the normalised value (or the raw one when it is invalid). Services
call them and raise once, so a caller sees every problem at the same time
and nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rekisteri.core import formats
from rekisteri.core.errors import FieldErrors
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


# --------------------------------------------------------------------------
# Field cleaners
# --------------------------------------------------------------------------


def clean(errors: FieldErrors, field: str, fn, *args: Any) -> Any:
    try:
        return fn(*args)
    except formats.FormatError as exc:
        errors.add(field, exc.code, exc.message)
        return args[0] if args else None


def clean_required_text(
    errors: FieldErrors, field: str, value: str | None, *, max_length: int
) -> str:
    text = clean(
        errors, field, lambda v: formats.clean_text(v, max_length=max_length), value
    )
    if not text and field not in errors.fields:
        errors.add(field, "required", gettext("This field is required."))
    return text or ""


def clean_optional_text(
    errors: FieldErrors, field: str, value: str | None, *, max_length: int
) -> str:
    return (
        clean(
            errors, field, lambda v: formats.clean_text(v, max_length=max_length), value
        )
        or ""
    )


def clean_address(
    errors: FieldErrors, prefix: str, data: dict[str, Any]
) -> dict[str, str]:
    """Validate street/postal_code/city/country under ``prefix``.

    An address is either empty or complete (street, postal code, post office).
    """
    p = f"{prefix}_" if prefix else ""
    country = clean(
        errors,
        f"{p}country",
        formats.normalise_country,
        data.get(f"{p}country") or "FI",
    )
    street = clean_optional_text(
        errors, f"{p}street", data.get(f"{p}street"), max_length=200
    )
    city = clean_optional_text(errors, f"{p}city", data.get(f"{p}city"), max_length=100)
    postal_raw = (data.get(f"{p}postal_code") or "").strip()
    postal = ""
    if postal_raw:
        postal = clean(
            errors,
            f"{p}postal_code",
            formats.normalise_postal_code,
            postal_raw,
            country,
        )
    if street or postal or city:
        for name, value in (
            ("street", street),
            ("postal_code", postal),
            ("city", city),
        ):
            if not value and f"{p}{name}" not in errors.fields:
                errors.add(
                    f"{p}{name}",
                    "address_incomplete",
                    gettext(
                        "An address needs a street, a postal code and a post office."
                    ),
                )
    if country in {"FI", "AX"} and city:
        city = city.upper()  # Finnish postal convention: post office in capitals
    return {
        f"{p}street": street,
        f"{p}postal_code": postal,
        f"{p}city": city,
        f"{p}country": country,
    }


def clean_emails(errors: FieldErrors, values: list[str] | None) -> list[str]:
    result: list[str] = []
    for raw in values or []:
        if not (raw or "").strip():
            continue
        email = clean(errors, "emails", formats.normalise_email, raw)
        if email in result:
            errors.add(
                "emails", "email_repeated", gettext("The same address is given twice.")
            )
        elif "emails" not in errors.fields:
            result.append(email)
    return result


def clean_phones(errors: FieldErrors, values: list[str] | None) -> list[str]:
    result: list[str] = []
    for raw in values or []:
        if not (raw or "").strip():
            continue
        number = clean(errors, "phones", formats.normalise_phone, raw)
        if "phones" not in errors.fields and number not in result:
            result.append(number)
    return result
