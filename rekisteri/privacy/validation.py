"""Field validation shared by the privacy office's services.

Each function records what is wrong under the field's name in a
:class:`FieldErrors` and returns the normalised value, so a service raises
once with every problem and nothing is half-saved.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from rekisteri.core import formats
from rekisteri.core.errors import FieldErrors
from rekisteri.core.validation import clean
from rekisteri.privacy.facts import catalogue_categories

LONG_TEXT_MAX = 5000

# --------------------------------------------------------------------------


def short(
    errors: FieldErrors,
    field: str,
    value: Any,
    *,
    max_length: int = 200,
    required: bool = False,
) -> str:
    text = clean(
        errors, field, lambda v: formats.clean_text(v, max_length=max_length), value
    )
    text = text or ""
    if required and not text and field not in errors.fields:
        errors.add(field, "required", _("This field is required."))
    return text


def long_text(
    errors: FieldErrors, field: str, value: Any, *, required: bool = False
) -> str:
    """Multi-line text: control characters out, paragraphs kept, length capped."""
    raw = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n")
    raw = "".join(ch for ch in raw if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t]+", " ", re.sub(r"\n{3,}", "\n\n", raw)).strip()
    if len(text) > LONG_TEXT_MAX:
        errors.add(
            field,
            "too_long",
            _("At most %(n)d characters.") % {"n": LONG_TEXT_MAX},
        )
    if required and not text:
        errors.add(field, "required", _("This field is required."))
    return text


def optional_phone(errors: FieldErrors, field: str, value: Any) -> str:
    text = short(errors, field, value, max_length=20)
    if text:
        clean(errors, field, formats.normalise_phone, text)
    return text


def email(errors: FieldErrors, field: str, value: Any, *, required: bool) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            errors.add(field, "required", _("This field is required."))
        return ""
    return clean(errors, field, formats.normalise_email, text)


def categories(errors: FieldErrors, field: str, values: Any) -> list[str]:
    known = set(catalogue_categories())
    chosen = sorted({str(v) for v in values or []})
    if any(v not in known for v in chosen):
        errors.add(
            field,
            "category_unknown",
            _("Choose data categories from the personal-data catalogue."),
        )
    return chosen


def date_order(
    errors: FieldErrors, field: str, earlier: Any, later: Any, message: str
) -> None:
    if earlier is not None and later is not None and later < earlier:
        errors.add(field, "date_order", message)
