"""What the register's page tests share: links to follow, the organization and
person forms' fields, and a field's error text (the ``staff_client``
fixture is in conftest.py)."""

from __future__ import annotations

import re
from html import unescape

NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')
ORG_LINK = re.compile(r'href="/organizations/([0-9a-f-]{36})/"')


def org_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Virtanen Ohjelmistot Oy",
        "business_id": "",
        "vat_number": "",
        "status": "customer",
        "postal_street": "Mannerheimintie 1",
        "postal_postal_code": "00100",
        "postal_city": "Helsinki",
        "postal_country": "FI",
        "visiting_street": "",
        "visiting_postal_code": "",
        "visiting_city": "",
        "visiting_country": "FI",
    }
    data.update(overrides)
    return data


def person_form(**overrides) -> dict:
    data = {
        "first_name": "Aino",
        "last_name": "Lahtinen",
        "preferred_language": "fi",
        "emails": ["aino.lahtinen@example.fi", ""],
        "phones": ["040 123 4567", ""],
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "FI",
    }
    data.update(overrides)
    return data


def field_error(content: str, field_id: str) -> str:
    """The text of the error block linked to ``field_id``, or ''."""
    match = re.search(
        rf'<div class="field__error" id="{re.escape(field_id)}_error">(.*?)</div>',
        content,
        re.S,
    )
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""
