"""Finnish and international formats (DESIGN §9).

Each ``normalise_*`` function returns the canonical stored form or raises
:class:`FormatError` with a stable code. They are pure functions so the
property tests can hammer them.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat

YTUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


class FormatError(ValueError):
    """A value is not in the expected format; ``code`` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = str(message)
        super().__init__(self.message)


# --- Y-tunnus (business ID) -----------------------------------------------


def ytunnus_check_digit(seven_digits: str) -> int | None:
    """Check digit for seven digits, or None when the remainder is 1."""
    total = sum(int(d) * w for d, w in zip(seven_digits, YTUNNUS_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def normalise_business_id(value: str) -> str:
    """Return ``NNNNNNN-C``; accepts spaces, missing hyphen and six-digit legacy IDs."""
    raw = re.sub(r"[\s-]", "", value or "")
    if raw.upper().startswith("FI"):
        raw = raw[2:]
    if not raw.isdigit() or not 7 <= len(raw) <= 8:
        raise FormatError(
            "business_id_format",
            _("Enter a business ID (Y-tunnus) in the form 1234567-8."),
        )
    if len(raw) == 7:  # six-digit legacy ID plus check digit
        raw = "0" + raw
    body, check = raw[:7], int(raw[7])
    expected = ytunnus_check_digit(body)
    if expected is None or expected != check:
        raise FormatError(
            "business_id_checksum",
            _("The business ID check digit does not match; check the number."),
        )
    return f"{body}-{check}"


def vat_number_from_business_id(business_id: str) -> str:
    """Finnish VAT number: ``FI`` and the Y-tunnus digits without hyphen."""
    return "FI" + normalise_business_id(business_id).replace("-", "")


def normalise_vat_number(value: str) -> str:
    """Validate an EU VAT number (any member state) and return it compact."""
    compact = re.sub(r"[\s.-]", "", value or "").upper()
    try:
        return eu_vat.validate(compact)
    except Exception as exc:
        raise FormatError(
            "vat_number_invalid",
            _("Enter a valid EU VAT number, for example FI12345671."),
        ) from exc


# --- Reference numbers (7-3-1) ---------------------------------------------


def reference_check_digit(digits: str) -> int:
    """Finnish reference-number check digit (weights 7, 3, 1 from the right)."""
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def with_reference_check_digit(digits: str) -> str:
    return digits + str(reference_check_digit(digits))


def is_valid_reference(value: str) -> bool:
    digits = re.sub(r"\s", "", value or "")
    return (
        digits.isdigit()
        and 4 <= len(digits) <= 20
        and reference_check_digit(digits[:-1]) == int(digits[-1])
    )


# --- Postal addresses --------------------------------------------------------


def normalise_country(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or code not in phonenumbers.SUPPORTED_REGIONS:
        raise FormatError(
            "country_invalid", _("Enter a two-letter ISO country code, for example FI.")
        )
    return code


def normalise_postal_code(value: str, country: str) -> str:
    """Finnish and Åland postcodes are five digits; others 2–10 characters."""
    code = re.sub(r"\s+", " ", (value or "").strip()).upper()
    if country in {"FI", "AX"}:
        if not re.fullmatch(r"\d{5}", code):
            raise FormatError(
                "postal_code_invalid",
                _("A Finnish postal code is five digits, for example 00100."),
            )
        return code
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{1,9}", code):
        raise FormatError("postal_code_invalid", _("Enter a valid postal code."))
    return code


# --- Phone and email ---------------------------------------------------------


def normalise_phone(value: str, default_region: str = "FI") -> str:
    """Parse a phone number (Finnish national form allowed) and return E.164."""
    try:
        parsed = phonenumbers.parse(value or "", default_region)
    except phonenumbers.NumberParseException as exc:
        raise FormatError(
            "phone_invalid", _("Enter a phone number, for example +358 40 123 4567.")
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise FormatError("phone_invalid", _("This is not a valid phone number."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Human form: national for Finnish numbers, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 358
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, fmt)


_email_validator = EmailValidator()


def normalise_email(value: str) -> str:
    """Trim and lowercase; the whole address is compared case-insensitively.

    The lowercased form is what is validated and stored: lowercasing can turn
    an accepted character into an unacceptable one (``İ`` becomes ``i`` and a
    combining dot), and the stored address must pass its own validation.
    """
    email = (value or "").strip().lower()
    try:
        _email_validator(email)
    except ValidationError as exc:
        raise FormatError("email_invalid", _("Enter a valid email address.")) from exc
    return email


# --- Names ---------------------------------------------------------------------


def search_key(value: str) -> str:
    """Case- and width-insensitive key for prefix search and sorting.

    Case folding can undo the composition NFKC did (``ß́`` folds to ``ss`` and
    a combining accent), so the result is normalised again: the key of a key
    is the key itself, and equivalent spellings meet.
    """
    folded = unicodedata.normalize("NFKC", value or "").casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def clean_text(value: str, *, max_length: int) -> str:
    """Collapse whitespace, strip control characters, enforce a length.

    Tabs and line breaks are control characters too, but they separate words:
    they become spaces first, so ``"Matti\\tVirtanen"`` keeps its space.
    """
    text = re.sub(r"\s+", " ", value or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > max_length:
        raise FormatError(
            "too_long", _("At most %(n)d characters.") % {"n": max_length}
        )
    return text
