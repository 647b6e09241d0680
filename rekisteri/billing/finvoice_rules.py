"""Finvoice 3.0 field lengths, and what issuing checks against them.

The schema (``Finvoice3.0.xsd``) limits most texts. Where the format lets a
text continue in another element, the export splits it at word boundaries:

* organisation names (``…OrganisationName``, 70 characters, repeatable);
* street addresses (``…StreetName``, 35 characters, up to three elements);
* a line's description: the first 100 characters in ``ArticleName``, the
  rest in ``RowFreeText``;
* the payee's name in the payment details (``EpiNameAddressDetails``, 35
  characters, one element) is shortened, as on a bank transfer form.

What cannot be split (a street over three elements, a post office or postal
code over 35 characters, a contact person's name over 70, any of them under
2 characters) is refused when the invoice is issued, with a message naming
the field: an issued invoice is a voucher and cannot be corrected later.

This module imports no other part of invoicing, so services and the export
can both use it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

NAME = 70
STREET = 35
STREET_PARTS = 3
TOWN = 35
POSTCODE = 35
CONTACT = 70
ARTICLE = 100
EPI_NAME = 35
VAT_FREE_TEXT = 70
MIN = 2


def split_text(text: str, width: int) -> list[str]:
    """``text`` in pieces of at most ``width`` characters, broken between
    words (a word longer than ``width`` is broken inside)."""
    words = (text or "").split()
    parts: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current = f"{current} {word}"
        else:
            parts.append(current)
            current = word
    if current:
        parts.append(current)
    return parts


def shorten(text: str, width: int) -> str:
    """The first piece of :func:`split_text` (a name on a transfer form)."""
    parts = split_text(text, width)
    return parts[0] if parts else ""


def _party(errors: list, who: str, label: str, inv: Any) -> None:
    name = getattr(inv, f"{who}_name") or ""
    street = getattr(inv, f"{who}_street") or ""
    city = getattr(inv, f"{who}_city") or ""
    postal = getattr(inv, f"{who}_postal_code") or ""
    if len(name.strip()) < MIN:
        errors.append(
            (
                f"{who}_name",
                _("%(party)s: the name must be at least 2 characters for Finvoice.")
                % {"party": label},
            )
        )
    if len(split_text(street, STREET)) > STREET_PARTS:
        errors.append(
            (
                f"{who}_street",
                _(
                    "%(party)s: the street address does not fit in Finvoice "
                    "(three lines of 35 characters); shorten it."
                )
                % {"party": label},
            )
        )
    elif len(street.strip()) < MIN:
        errors.append(
            (
                f"{who}_street",
                _("%(party)s: the street address is missing or too short.")
                % {"party": label},
            )
        )
    for field, value, limit in (
        ("city", city, TOWN),
        ("postal_code", postal, POSTCODE),
    ):
        if not MIN <= len(value.strip()) <= limit:
            errors.append(
                (
                    f"{who}_{field}",
                    _(
                        "%(party)s: the post office and postal code must be "
                        "2 to 35 characters for Finvoice."
                    )
                    % {"party": label},
                )
            )


def finvoice_problems(invoice: Any) -> list[tuple[str, str]]:
    """What in an invoice's snapshot Finvoice cannot carry: (field, message).

    ``invoice`` has the seller and buyer snapshots and the contact name set.
    """
    errors: list[tuple[str, str]] = []
    _party(errors, "seller", _("Seller"), invoice)
    _party(errors, "buyer", _("Buyer"), invoice)
    contact = str(invoice.contact_name or "")
    if len(contact) > CONTACT:
        errors.append(
            (
                "contact_name",
                _(
                    "The billing contact's name is longer than Finvoice allows "
                    "(70 characters)."
                ),
            )
        )
    # Deduplicate (city and postal code share a message).
    seen: set[tuple[str, str]] = set()
    return [e for e in errors if not (e in seen or seen.add(e))]
