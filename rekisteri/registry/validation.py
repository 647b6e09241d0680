"""Field validation shared by the registry services.

Each ``clean_*`` function takes raw input and a :class:`FieldErrors`, records
what is wrong under the field's name and returns the normalised value (or the
raw one when it is invalid). Services call them and raise once, so a caller
sees every problem at the same time and nothing is half-saved.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rekisteri.core import formats
from rekisteri.core.errors import FieldErrors


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
        errors.add(field, "required", _("This field is required."))
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
                    _("An address needs a street, a postal code and a post office."),
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
                "emails", "email_repeated", _("The same address is given twice.")
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
