"""Finnish and international formats (docs/architecture.md).

Each ``normalise_*`` function returns the canonical stored form or raises
:class:`FormatError` with a stable code. They are pure functions so the
property tests can hammer them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import idna
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


def is_ascii_digits(value: str) -> bool:
    """Whether ``value`` is one or more of the digits 0-9 and nothing else.

    ``str.isdigit``, ``\\d`` and ``int()`` also take the digits of other
    scripts (Arabic-Indic ``٠١٢``, fullwidth ``０１２``, superscripts): a
    business ID, customer number, reference or postal code written with them
    would pass validation and duplicate checks under a second spelling.
    Identifiers are ASCII digits only.
    """
    return value.isascii() and value.isdigit()


# The most digits a number from a request may have: a database integer's.
MAX_NUMBER_DIGITS = 18


def request_number(value: str | None, default: int | None = None) -> int | None:
    """A whole number sent in a query string or a form: ASCII digits only,
    at most :data:`MAX_NUMBER_DIGITS` of them, else ``default``.
    ``str.isdigit`` also takes superscripts, which ``int()`` refuses, and
    ``int()`` refuses more than 4,300 digits: either was a server error."""
    if value and len(value) <= MAX_NUMBER_DIGITS and is_ascii_digits(value):
        return int(value)
    return default


def has_non_ascii_digits(value: str) -> bool:
    """Whether ``value`` holds a decimal digit outside 0-9."""
    return any(
        not ch.isascii() and unicodedata.category(ch) == "Nd" for ch in value or ""
    )


# --- Y-tunnus (business ID) -----------------------------------------------


def ytunnus_check_digit(seven_digits: str) -> int | None:
    """Check digit for seven digits, or None when the remainder is 1."""
    total = sum(int(d) * w for d, w in zip(seven_digits, YTUNNUS_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


# A business ID already in its one form (ASCII digits), as registries send it.
_CANONICAL_BUSINESS_ID = re.compile(r"[0-9]{7}-[0-9]")


def normalise_business_id(value: str) -> str:
    """Return ``NNNNNNN-C``; accepts spaces, missing hyphen and six-digit legacy IDs."""
    # Already in form (the PRH bulk file's millions): the check digit only.
    if (
        value
        and _CANONICAL_BUSINESS_ID.fullmatch(value)
        and ytunnus_check_digit(value[:7]) == int(value[8])
    ):
        return value
    raw = re.sub(r"[\s-]", "", value or "")
    if raw.upper().startswith("FI"):
        raw = raw[2:]
    if not is_ascii_digits(raw) or not 7 <= len(raw) <= 8:
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
        is_ascii_digits(digits)
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
        if not re.fullmatch(r"[0-9]{5}", code):
            raise FormatError(
                "postal_code_invalid",
                _("A Finnish postal code is five digits, for example 00100."),
            )
        return code
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{1,9}", code):
        raise FormatError("postal_code_invalid", _("Enter a valid postal code."))
    return code


# --- Phone and email ---------------------------------------------------------


# Values normalised inside :func:`memo` only, by (kind, value, argument).
_memo: ContextVar[dict[tuple[str, str, object], str] | None] = ContextVar(
    "formats_memo", default=None
)


@contextmanager
def memo() -> Iterator[None]:
    """Within the block, a value already normalised is not normalised again.

    An import cleans a row's values, the register's service validates them
    again and the suppression check reads the numbers once more: a phone
    number parsed four times and an email validated twice were the largest
    costs of a contact-list row (docs/connectors.md, Speed). Inside the
    block :func:`normalise_phone`, :func:`normalise_email` and
    :func:`clean_text` remember what they returned, and that a returned
    value is its own normal form, so each value is cleaned once. A value
    that fails is not remembered (it fails again, with its message). The
    memory holds only the block's values and is dropped when it ends."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _memoised(kind: str, value: str, arg: object, fn: Callable[[str, Any], str]) -> str:
    found_memo = _memo.get()
    if found_memo is None:
        return fn(value, arg)
    key = (kind, value, arg)
    found = found_memo.get(key)
    if found is None:
        found = found_memo[key] = fn(value, arg)
        # The normal form is its own normal form (each function is
        # idempotent): the service's second look at it is a lookup.
        found_memo[(kind, found, arg)] = found
    return found


def derived(kind: str, value: str, fn: Callable[[str], Any]) -> Any:
    """``fn(value)`` once per :func:`memo` block (every time outside one),
    for a value derived from a normal form that is not itself one (the
    suppression list's digest of an address, read by the importer's
    matching and again by the list's listener in the same batch). A
    ``None`` result is not remembered."""
    found_memo = _memo.get()
    if found_memo is None:
        return fn(value)
    key = (kind, value, None)
    found = found_memo.get(key)
    if found is None:
        found = fn(value)
        if found is not None:
            found_memo[key] = found
    return found


def normalise_phone(value: str, default_region: str = "FI") -> str:
    """Parse a phone number (Finnish national form allowed) and return E.164.

    phonenumbers reads other scripts' digits as 0-9; they are refused here,
    as in every other number."""
    return _memoised("phone", value, default_region, _normalise_phone)


# A Finnish number already written as E.164 ("+358401234567") or in the
# national form ("0401234567"), digits only after the prefix, the first not
# a 0: for these, phonenumbers' parse finds country code 358 and the digits
# after the prefix as the national number (Finland's national prefix is 0,
# stripped from the national form, and a national number that does not
# start with 0 has no leading zero to keep), so the number is built from
# them directly. Only a number that is then valid takes this path; any
# other value is parsed, so every refusal and its message are parse's.
_FI_SIMPLE = re.compile(r"(?:\+358|0)([1-9][0-9]{3,14})")
_FI_CODE = 358


def _fi_simple(value: str, default_region: str) -> str | None:
    """The E.164 form of a valid Finnish number in one of the two simple
    forms above, or None (parse it)."""
    m = _FI_SIMPLE.fullmatch(value)
    if m is None or (value[0] == "0" and default_region != "FI"):
        return None
    national = m.group(1)
    number = phonenumbers.PhoneNumber(
        country_code=_FI_CODE, national_number=int(national)
    )
    if not phonenumbers.is_valid_number(number):
        return None
    return f"+{_FI_CODE}{national}"


def _normalise_phone(value: str, default_region: str) -> str:
    if value and (fast := _fi_simple(value, default_region)) is not None:
        return fast
    if has_non_ascii_digits(value):
        raise FormatError(
            "phone_invalid", _("Enter a phone number, for example +358 40 123 4567.")
        )
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
    """Human form: national for Finnish numbers, international otherwise.

    Once per :func:`memo` block (the person page shows a number in its list
    and again as the title of where it came from)."""
    return derived("phone_display", e164, _format_phone)


def _format_phone(e164: str) -> str:
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


def _email_invalid() -> FormatError:
    return FormatError("email_invalid", _("Enter a valid email address."))


def normalise_email(value: str) -> str:
    """The one canonical form of an email address, the form every comparison
    of addresses uses (duplicates, search, the suppression list, requests,
    message participants; docs/security.md, One form of an address).

    Trimmed, split at the last ``@``; the local part lowercased (Django's
    validator takes only ASCII there, but its case-insensitive ``[A-Z]``
    also lets ``ı`` and ``ſ`` through: a local part that is not ASCII once
    lowercased is refused); the domain as :func:`normalise_domain` gives it,
    in Unicode (``pörssi.fi`` whether typed so, decomposed, in capitals or
    as ``xn--prssi-jua.fi``). The result is what is validated and stored:
    lowercasing can turn an accepted character into an unacceptable one
    (``İ`` becomes ``i`` and a combining dot), and the stored address must
    pass its own validation.
    """
    return _memoised("email", value, None, _normalise_email)


def _normalise_email(value: str, _arg: object) -> str:
    local, at, domain = (value or "").strip().rpartition("@")
    local = local.lower()
    if not at or not local.isascii():
        raise _email_invalid()
    email = f"{local}@{normalise_domain(domain)}"
    try:
        _email_validator(email)
    except ValidationError as exc:
        raise _email_invalid() from exc
    return email


def _plain_ascii(domain: str) -> bool:
    """Whether ``domain`` is its own IDNA form once lowercased: ASCII and
    no label in punycode. Most are: they skip the IDNA codec."""
    return domain.isascii() and "xn--" not in domain.lower()


def normalise_domain(value: str) -> str:
    """A mail domain in its canonical Unicode form (U-labels), or
    ``FormatError("email_invalid")`` when IDNA refuses it.

    NFC and lowercased, then through IDNA 2008 with the UTS #46 mapping
    (the ``idna`` package: full-width letters and dots, capitals and other
    compatibility spellings map to their one form) to the ASCII form and
    back, so the Unicode and the punycode spellings of a domain are one
    domain and people see ``pörssi.fi``. An ASCII domain without punycode
    is only lowercased (an address literal such as ``[192.0.2.1]`` too)."""
    if _plain_ascii(value):
        return value.lower()
    domain = unicodedata.normalize("NFC", value).lower()
    try:
        return idna.decode(idna.encode(domain, uts46=True))
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise _email_invalid() from exc


def domain_key(value: str) -> str:
    """:func:`normalise_domain` of a domain, or its trimmed lower case when
    IDNA refuses it: never refuses (a configured domain, a sender's)."""
    text = (value or "").strip()
    try:
        return normalise_domain(text)
    except FormatError:
        return text.lower()


def email_key(value: str) -> str:
    """:func:`normalise_email` of an address, or for text that is not a
    valid address its trimmed lower case: never refuses. For comparing and
    digesting addresses as they were typed (a message's participants, a
    stored value read back), where an odd address is kept, not refused.
    An ASCII address without punycode is its own lower case either way, so
    it is not validated here."""
    text = (value or "").strip()
    if _plain_ascii(text):
        return text.lower()
    try:
        return normalise_email(text)
    except FormatError:
        return text.lower()


def ascii_email(value: str) -> str:
    """The address with its domain in IDNA's ASCII form (``xn--`` labels),
    as mail is sent. Django's ``sanitize_address`` converts a Unicode domain
    with Python's IDNA 2003 codec, which sends ``straße.de`` to
    ``strasse.de`` and refuses letters newer than Unicode 3.2; given this
    form it sends the address as it is. An address that does not validate
    is given back trimmed, for Django and the mail server to refuse."""
    try:
        email = normalise_email(value)
    except FormatError:
        return (value or "").strip()
    local, _at, domain = email.rpartition("@")
    if domain.isascii():
        return email
    # The domain came out of the codec's round trip: it encodes again.
    return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"


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
    return _memoised("text", value, max_length, _clean_text)


def _clean_text(value: str, max_length: int) -> str:
    value = value or ""
    if value.isprintable():
        # No control character and no whitespace but the space (Python's
        # definition of printable): splitting on spaces is the whole job.
        text = " ".join(value.split())
    else:
        text = re.sub(r"\s+", " ", value)
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
        text = re.sub(r"\s+", " ", text).strip()
    if len(text) > max_length:
        raise FormatError(
            "too_long", _("At most %(n)d characters.") % {"n": max_length}
        )
    return text


# --- Invoicing: reference numbers, RF references, IBAN and BIC ------------------
#
# A Finnish reference number (viitenumero) is 3–19 digits plus a 7-3-1 check
# digit (above). Its international form is the ISO 11649 creditor reference:
# "RF", two check digits and the national reference. Banks accept either on a
# domestic payment, and a camt.054 entry may carry either (SCOR), so payment
# matching reduces both to the national digits.

REFERENCE_MIN_BODY = 3
REFERENCE_MAX_BODY = 19


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def reference_from_base(base: str) -> str:
    """A Finnish reference number for ``base`` (3–19 digits; leading zeros
    are dropped, as banks print them)."""
    digits = (base or "").lstrip("0")
    if not is_ascii_digits(digits) or not (
        REFERENCE_MIN_BODY <= len(digits) <= REFERENCE_MAX_BODY
    ):
        raise FormatError(
            "reference_base", _("A reference number base is 3 to 19 digits.")
        )
    return with_reference_check_digit(digits)


def normalise_reference(value: str) -> str:
    """Validate a Finnish reference number and return its digits."""
    digits = _compact(value).lstrip("0")
    if not is_ascii_digits(digits) or not is_valid_reference(digits):
        raise FormatError(
            "reference_invalid",
            _("Enter a valid Finnish reference number (4 to 20 digits)."),
        )
    return digits


def format_reference(digits: str) -> str:
    """Printed form: groups of five digits counted from the right."""
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


def rf_reference(reference: str) -> str:
    """The ISO 11649 form (compact, ``RFnn…``) of a Finnish reference number."""
    from stdnum import iso11649

    body = normalise_reference(reference)
    # ISO 7064 mod 97-10 over the body followed by "RF00" (R=27, F=15).
    check = 98 - int(body + "271500") % 97
    compact = f"RF{check:02d}{body}"
    return iso11649.validate(compact)


def format_rf_reference(value: str) -> str:
    """Printed RF form: groups of four (``RF85 1234 5672``)."""
    compact = _compact(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def normalise_rf_reference(value: str) -> str:
    """Validate an ISO 11649 creditor reference and return it compact."""
    from stdnum import iso11649

    try:
        return iso11649.validate(_compact(value))
    except Exception as exc:
        raise FormatError(
            "rf_reference_invalid",
            _("Enter a valid RF creditor reference, for example RF85 1234 5672."),
        ) from exc


def national_reference(value: str) -> str:
    """The Finnish reference digits in a Finnish or RF reference.

    An RF reference whose body is not a valid Finnish reference has no
    national form (it was not issued by a Finnish creditor): FormatError.
    """
    compact = _compact(value)
    if compact.startswith("RF"):
        return normalise_reference(normalise_rf_reference(compact)[4:])
    return normalise_reference(compact)


def normalise_iban(value: str, *, country: str | None = "FI") -> str:
    """Validate an IBAN (a Finnish one unless ``country`` is None) and return
    it compact; Finnish IBANs are 18 characters."""
    from stdnum import iban

    compact = _compact(value)
    try:
        compact = iban.validate(compact)
    except Exception as exc:
        raise FormatError(
            "iban_invalid", _("Enter a valid IBAN, for example FI21 1234 5600 0007 85.")
        ) from exc
    if country and not compact.startswith(country):
        raise FormatError(
            "iban_country", _("Enter a Finnish IBAN (it starts with FI).")
        )
    if compact.startswith("FI") and len(compact) != 18:
        raise FormatError("iban_invalid", _("A Finnish IBAN is 18 characters."))
    return compact


def format_iban(compact: str) -> str:
    """Printed IBAN: groups of four."""
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def normalise_bic(value: str) -> str:
    """Validate a BIC (8 or 11 characters) and return it upper case."""
    from stdnum import bic

    try:
        return bic.validate(_compact(value))
    except Exception as exc:
        raise FormatError(
            "bic_invalid", _("Enter a valid BIC, for example NDEAFIHH.")
        ) from exc
