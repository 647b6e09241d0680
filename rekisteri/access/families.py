"""Readable families of personal data, derived from the catalogue.

The need-to-know matrix speaks of families ("phone", "address") rather than of
individual Fides categories or fields: a family is a group of Fides categories
people recognise. Which families exist is read from
:func:`rekisteri.core.catalogue.catalogue_entries` — a new field lands in a
family through its category, never through a hand-kept list of fields — and
data about staff accounts (``subject="staff"``) is the ``account`` family
whatever its category. A category no rule knows still gets a family of its
own (``other.<segment>``), denied to every role until an administrator says
otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import PersonalData, catalogue_entries, personal_fields


@dataclass(frozen=True)
class Family:
    """A family of personal data as the UI shows it."""

    key: str
    label: str | Promise
    prefixes: tuple[str, ...]
    description: str | Promise = ""


# Ordered as the matrix shows them. Longest matching prefix wins.
FAMILIES: tuple[Family, ...] = (
    Family("name", _("Name"), ("user.name",), _("First and last names")),
    Family(
        "identifiers",
        _("Customer identifiers"),
        ("user.unique_id", "user.government_id"),
        _("Customer number, business ID and VAT number of sole traders"),
    ),
    Family("contact_email", _("Email address"), ("user.contact.email",)),
    Family(
        "phone",
        _("Phone number"),
        ("user.contact.phone_number", "user.contact.fax_number"),
    ),
    Family("address", _("Postal address"), ("user.contact.address", "user.location")),
    Family(
        "workplace",
        _("Roles and job titles"),
        ("user.workplace", "user.job_title"),
    ),
    Family(
        "preferences",
        _("Language and preferences"),
        ("user.demographic", "user.preference"),
    ),
    Family(
        "financial",
        _("Billing and payments"),
        ("user.financial", "user.payment", "user.behavior.purchase_history"),
        _("Contracts, invoices, payments, bank accounts and collection"),
    ),
    Family(
        "communication",
        _("Message content"),
        ("user.communication", "user.content"),
        _("Bodies of emails, calls, chats, tickets and meeting notes"),
    ),
    Family(
        "privacy",
        _("Rights requests and objections"),
        ("user.privacy_preferences",),
        _("Restrictions of processing, objections and their reasons"),
    ),
    Family(
        "account",
        _("Staff account data"),
        ("user.account", "user.authorization", "user.behavior", "user.device"),
        _("Staff user names, logins and the audit log's actors"),
    ),
)
FAMILY_BY_KEY = {f.key: f for f in FAMILIES}
ACCOUNT = "account"


@lru_cache(maxsize=2048)
def family_of_category(category: str, *, subject: str = "person") -> str:
    """The family a Fides category belongs to (staff data is ``account``)."""
    if subject == "staff":
        return ACCOUNT
    best, best_len = None, -1
    for family in FAMILIES:
        for prefix in family.prefixes:
            if (category == prefix or category.startswith(prefix + ".")) and len(
                prefix
            ) > best_len:
                best, best_len = family.key, len(prefix)
    if best is not None:
        return best
    parts = category.split(".")
    return "other." + (parts[1] if len(parts) > 1 else parts[0])


def as_family(name: str) -> str:
    """A family key as it is; a Fides category (it has a dot) as its family.
    ``other.<segment>`` keys map to themselves."""
    return family_of_category(name) if "." in name else name


def family_of(entry_classification: PersonalData) -> str:
    return family_of_category(
        entry_classification.category, subject=entry_classification.subject
    )


@cache
def catalogue_families() -> tuple[str, ...]:
    """Families that the catalogue holds data of, in display order."""
    present: set[str] = set()
    for entry in catalogue_entries():
        c = entry.classification
        if c.personal:
            present.add(family_of(c))  # type: ignore[arg-type]
    known = [f.key for f in FAMILIES if f.key in present]
    others = sorted(present - set(FAMILY_BY_KEY))
    return (*known, *others)


def all_families() -> tuple[str, ...]:
    """Families the matrix knows: the catalogue's and the built-in ones."""
    present = catalogue_families()
    return (*present, *(f.key for f in FAMILIES if f.key not in present))


def label(key: str) -> str:
    """The readable name of a family; a Fides category (some apps record
    those in audit events) is shown as the family it belongs to."""
    family = FAMILY_BY_KEY.get(key)
    if family is None and key.startswith("user."):
        family = FAMILY_BY_KEY.get(family_of_category(key))
        if family is None:
            key = family_of_category(key)
    return str(family.label) if family else key.removeprefix("other.").capitalize()


@cache
def _field_families(model: type[models.Model]) -> dict[str, str]:
    return {
        e.field_name: family_of(e.classification)  # type: ignore[arg-type]
        for e in personal_fields(model)
    }


def field_family(model: type[models.Model], field_name: str) -> str | None:
    """The family of one field of ``model`` (None if it is not personal)."""
    return _field_families(model).get(field_name)


def families_of(model: type[models.Model], field_names: Iterable[str]) -> set[str]:
    """The families of some fields of ``model`` (non-personal ones skipped)."""
    mapping = _field_families(model)
    return {mapping[name] for name in field_names if name in mapping}
