"""From one PRH / YTJ v3 company (JSON) to organization field values.

The v3 shape (see the recorded answers under ``tests/data/prh``):

- ``businessId.value``: the Y-tunnus; ``names[]``: ``name``, ``type``
  (1 trade name, 2 parallel name, 3 auxiliary name, 4 translation),
  ``version`` (1 is current), ``registrationDate``, ``endDate``;
- ``addresses[]``: ``type`` 1 visiting, 2 postal; ``street``,
  ``buildingNumber``, ``entrance``, ``apartmentNumber``,
  ``apartmentIdSuffix``, ``postOfficeBox``, ``co`` (with or without its
  "c/o"), ``postCode``, ``postOffices[]`` (``city`` per ``languageCode``:
  1 fi, 2 sv, 3 en), a foreign address as ``freeAddressLine`` (spaces
  sent as "_") with ``country``; ``registrationDate``, and ``endDate`` on
  one no longer in force;
- ``mainBusinessLine``: ``type`` (the code), ``typeCodeSet`` (TOIMI…),
  ``descriptions[]``; ``companyForms[]``: ``type``, ``descriptions[]``,
  ``version`` (1 is the latest), ``endDate`` for an earlier form and on
  every form of an ended company (its form is the one it had last);
- ``registeredEntries[]``: ``type``, ``register``, ``authority``,
  ``registrationDate``, ``endDate``; ``tradeRegisterStatus``;
- ``companySituations[]``: ``type`` SANE (reorganisation), SELTILA
  (liquidation), KONK (bankruptcy), with ``registrationDate`` and an
  ``endDate`` once over;
- ``endDate``: the company has ended (dissolved, merged, struck off);
- ``lastModified``: ``YYYY-MM-DD HH:MM:SS`` (Finnish time).

A company without a valid business ID or a current name is refused with a
stable code; keys the API may add later are ignored and counted, so a
changed schema is noticed without failing the import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rekisteri.core import formats
from rekisteri.core.formats import FormatError
from rekisteri.core.validation import DATE_MAX, DATE_MIN, check_date
from rekisteri.registry.choices import RegistrySituation

HELSINKI = ZoneInfo("Europe/Helsinki")

KNOWN_KEYS = frozenset(
    {
        "businessId",
        "euId",
        "names",
        "mainBusinessLine",
        "website",
        "companyForms",
        "companySituations",
        "registeredEntries",
        "addresses",
        "tradeRegisterStatus",
        "status",
        "registrationDate",
        "endDate",
        "lastModified",
    }
)

SITUATIONS = {
    "KONK": RegistrySituation.BANKRUPTCY,
    "SELTILA": RegistrySituation.LIQUIDATION,
    "SANE": RegistrySituation.REORGANISATION,
}
# Worst first: the one shown when several apply.
SEVERITY = [
    RegistrySituation.DISSOLVED,
    RegistrySituation.BANKRUPTCY,
    RegistrySituation.LIQUIDATION,
    RegistrySituation.REORGANISATION,
]
# Company form of a private trader (yksityinen elinkeinonharjoittaja).
SOLE_TRADER_FORMS = frozenset({"26"})
TRADE_NAME = "1"
VISITING, POSTAL = 1, 2
FINNISH = "1"


class MappingError(ValueError):
    """One company cannot be used. ``code`` is stable; the message names
    the key, never a value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CompanyValues:
    """What PRH says of one company, as organization field values."""

    business_id: str
    values: dict[str, Any]
    last_modified: dt.datetime | None
    sole_trader: bool
    unknown_keys: list[str] = field(default_factory=list)


def _date(value: Any, key: str) -> dt.date | None:
    """A date within the register's bounds (rekisteri.core.validation): a
    year 9999 end date would overflow the arithmetic done on it later."""
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise MappingError("bad_date", f"'{key}' is not a date.") from None
    try:
        return check_date(day)
    except FormatError:
        raise MappingError(
            "date_out_of_range",
            f"'{key}' is outside {DATE_MIN.isoformat()}…{DATE_MAX.isoformat()}.",
        ) from None


def _timestamp(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    text = str(value).replace("T", " ")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise MappingError("bad_date", "'lastModified' is not a timestamp.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=HELSINKI)
    return parsed.astimezone(dt.UTC)


def _list(company: dict, key: str) -> list[dict]:
    value = company.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MappingError("bad_shape", f"'{key}' is not a list of objects.")
    return value


def _description(item: dict | None, language: str = FINNISH) -> str:
    if not isinstance(item, dict):
        return ""
    descriptions = item.get("descriptions") or []
    if not isinstance(descriptions, list):
        return ""
    texts = {
        str(d.get("languageCode")): str(d.get("description") or "")
        for d in descriptions
        if isinstance(d, dict)
    }
    return texts.get(language) or next(iter(texts.values()), "")


def _is_current(item: dict, today: dt.date, key: str) -> bool:
    end = _date(item.get("endDate"), f"{key}.endDate")
    return end is None or end > today


def business_id_of(company: Any) -> str:
    """The company's business ID, validated; :class:`MappingError` if not."""
    if not isinstance(company, dict):
        raise MappingError("bad_shape", "A company is not a JSON object.")
    bid = company.get("businessId")
    raw = bid.get("value") if isinstance(bid, dict) else None
    if not isinstance(raw, str) or not raw:
        raise MappingError("missing_business_id", "'businessId.value' is missing.")
    try:
        normal = formats.normalise_business_id(raw)
    except formats.FormatError:
        raise MappingError(
            "invalid_business_id", "'businessId.value' is not a valid business ID."
        ) from None
    if normal != raw:
        raise MappingError(
            "invalid_business_id", "'businessId.value' is not in the form 1234567-8."
        )
    return normal


def _names(company: dict, today: dt.date) -> tuple[str, list[dict]]:
    names = _list(company, "names")
    history = []
    for n in names:
        text = n.get("name")
        if not isinstance(text, str) or not text.strip():
            raise MappingError("bad_shape", "A name in 'names' has no text.")
        history.append(
            {
                "name": text.strip()[:200],
                "type": str(n.get("type") or ""),
                "version": n.get("version")
                if isinstance(n.get("version"), int)
                else None,
                "registration_date": str(
                    _date(n.get("registrationDate"), "names") or ""
                ),
                "end_date": str(_date(n.get("endDate"), "names.endDate") or ""),
            }
        )
    current = [
        h
        for h in history
        if h["type"] == TRADE_NAME and (not h["end_date"] or h["end_date"] > str(today))
    ]
    if not current:
        # A dissolved company's last trade name is still its name.
        current = [h for h in history if h["type"] == TRADE_NAME]
    if not current:
        raise MappingError("missing_name", "'names' has no trade name (type 1).")
    current.sort(key=lambda h: (h["version"] or 1, h["end_date"] or "9999"))
    history.sort(key=lambda h: (h["type"], h["version"] or 1))
    return current[0]["name"], history


_CARE_OF = re.compile(r"^c\s*/\s*o\b[\s:]*", re.IGNORECASE)
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def _current_of_kind(company: dict, kind: int, today: dt.date) -> dict | None:
    """The company's address of ``kind`` in force ``today`` (PRH keeps an
    ended one with its ``endDate``), the one registered last among several;
    with every one ended, the one registered last."""
    found = [a for a in _list(company, "addresses") if str(a.get("type")) == str(kind)]
    if not found:
        return None

    def registered(a: dict) -> str:
        # ISO dates order as text; an odd one only orders, it is not kept.
        return str(a.get("registrationDate") or "")

    current = [a for a in found if _is_current(a, today, "addresses")]
    return max(current or found, key=registered)


def _address(company: dict, kind: int, today: dt.date) -> dict[str, str]:
    a = _current_of_kind(company, kind, today)
    if a is None:
        return {}
    street = " ".join(
        str(a.get(k) or "").strip()
        for k in ("street", "buildingNumber", "entrance")
        if str(a.get(k) or "").strip()
    )
    flat = "".join(
        str(a.get(k) or "").strip() for k in ("apartmentNumber", "apartmentIdSuffix")
    )
    if flat:
        street = f"{street} {flat}".strip()
    box = str(a.get("postOfficeBox") or "").strip()
    if box and not street:
        street = f"PL {box}"
    if not street:
        # A foreign address comes as one line, its spaces sent as "_".
        street = " ".join(str(a.get("freeAddressLine") or "").replace("_", " ").split())
    # PRH sends the c/o name with its "c/o" or without it.
    co = _CARE_OF.sub("", str(a.get("co") or "").strip())
    if co:
        street = f"c/o {co}, {street}" if street else f"c/o {co}"
    offices = a.get("postOffices") or []
    cities = {
        str(o.get("languageCode")): str(o.get("city") or "").strip()
        for o in offices
        if isinstance(o, dict)
    }
    city = cities.get(FINNISH) or next(iter(cities.values()), "")
    post_code = str(a.get("postCode") or "").strip()
    country = str(a.get("country") or "").strip()
    return {
        "street": street[:200],
        "postal_code": post_code,
        # The register keeps Finnish post offices in capitals, as PRH does.
        "city": city.upper()[:100],
        # A foreign address's country when PRH gives its two-letter code.
        "country": country.upper() if _COUNTRY.fullmatch(country) else "FI",
    }


def _form(company: dict, today: dt.date) -> dict | None:
    """The company form in force ``today``. PRH ends every form of an ended
    company with it; its form is then the one it had last (the lowest
    ``version``), so a dissolved private trader is still one."""
    forms = _list(company, "companyForms")
    current = [f for f in forms if _is_current(f, today, "companyForms")]
    if current:
        return current[0]

    def version(f: dict) -> int:
        return f["version"] if isinstance(f.get("version"), int) else 1

    return min(forms, key=version, default=None)


def situation_of(company: dict, today: dt.date) -> str:
    """The worst current situation: dissolved, bankruptcy, liquidation,
    reorganisation, or "" for an active company."""
    found = set()
    if _date(company.get("endDate"), "endDate") is not None:
        found.add(RegistrySituation.DISSOLVED)
    for s in _list(company, "companySituations"):
        kind = SITUATIONS.get(str(s.get("type") or "").upper())
        if kind and _is_current(s, today, "companySituations"):
            found.add(kind)
    for kind in SEVERITY:
        if kind in found:
            return str(kind)
    return str(RegistrySituation.ACTIVE)


def map_company(company: Any, *, today: dt.date | None = None) -> CompanyValues:
    """Organization values for one company, or :class:`MappingError`."""
    today = today or dt.date.today()
    business_id = business_id_of(company)
    name, history = _names(company, today)
    form = _form(company, today)
    form_code = str(form.get("type") or "") if form else ""
    line = company.get("mainBusinessLine")
    if line is not None and not isinstance(line, dict):
        raise MappingError("bad_shape", "'mainBusinessLine' is not an object.")
    entries = [
        {
            "type": str(e.get("type") or ""),
            "register": str(e.get("register") or ""),
            "authority": str(e.get("authority") or ""),
            "description": _description(e),
            "registration_date": str(
                _date(e.get("registrationDate"), "registeredEntries") or ""
            ),
            "end_date": str(_date(e.get("endDate"), "registeredEntries.endDate") or ""),
        }
        for e in _list(company, "registeredEntries")
    ]
    values: dict[str, Any] = {
        "name": name,
        "registered_names": history,
        "company_form": form_code[:8],
        "company_form_name": _description(form)[:100],
        "industry_code": str((line or {}).get("type") or "")[:10],
        "industry_code_set": str((line or {}).get("typeCodeSet") or "")[:20],
        "industry_name": _description(line)[:250],
        "trade_register_status": str(company.get("tradeRegisterStatus") or "")[:4],
        "registered_entries": entries,
        "registry_situation": situation_of(company, today),
        "registry_end_date": _date(company.get("endDate"), "endDate"),
    }
    for prefix, kind in (("visiting", VISITING), ("postal", POSTAL)):
        for key, value in _address(company, kind, today).items():
            values[f"{prefix}_{key}"] = value
    last_modified = _timestamp(company.get("lastModified"))
    values["registry_modified_at"] = last_modified
    return CompanyValues(
        business_id=business_id,
        values=values,
        last_modified=last_modified,
        sole_trader=form_code in SOLE_TRADER_FORMS,
        unknown_keys=sorted(set(company) - KNOWN_KEYS),
    )
