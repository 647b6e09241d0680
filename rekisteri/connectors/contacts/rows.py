"""The rows of a contact list: cleaning one row, and matching a batch of
rows against the register (docs/connectors.md, Contact lists).

Matching reads the register for a whole batch at once: one suppression
query per kind of address, one blind-index query per kind for the owners,
one query for the organizations by business ID and one each for the
matched persons, their addresses and their open roles, whatever the
batch's size (each list of ids or codes one parameter, core/idlist.py). A
row then costs no query of its own until it writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rekisteri.core import formats, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.idlist import among
from rekisteri.registry import bulk, hooks, sealing
from rekisteri.registry.choices import LANGUAGES, Language
from rekisteri.registry.models import Organization, Person, Role

# Register fields a column can be mapped to, with their labels.
FIELDS: dict[str, Any] = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "business_id": gettext_lazy("Business ID"),
    "organization_name": gettext_lazy("Organization name"),
    "title": gettext_lazy("Job title"),
    "language": gettext_lazy("Language"),
    "street": gettext_lazy("Street address"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("Post office"),
}


@dataclass
class Cleaned:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    business_id: str = ""
    organization_name: str = ""
    title: str = ""
    language: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""


def clean(raw: dict[str, str], reasons: list[str]) -> Cleaned:
    """The row's values through the register's own validators; each
    problem is added to ``reasons``."""
    c = Cleaned()
    for name, limit in (
        ("first_name", 100),
        ("last_name", 100),
        ("organization_name", 200),
        ("title", 100),
        ("street", 200),
        ("city", 100),
    ):
        try:
            setattr(c, name, formats.clean_text(raw.get(name, ""), max_length=limit))
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS[name]}: {exc.message}")
    if not c.last_name:
        reasons.append(_("The last name is missing."))
    for name, fn in (
        ("email", formats.normalise_email),
        ("phone", formats.normalise_phone),
        ("business_id", formats.normalise_business_id),
    ):
        value = raw.get(name, "")
        if not value:
            continue
        try:
            setattr(c, name, fn(value))
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS[name]}: {exc.message}")
    if not raw.get("business_id"):
        reasons.append(_("The business ID is missing."))
    if not (raw.get("email") or raw.get("phone")):
        reasons.append(_("Neither an email nor a phone number is given."))
    language = raw.get("language", "").strip().lower()[:2]
    if language and language not in LANGUAGES:
        reasons.append(_("Unknown language."))
    c.language = language if language in LANGUAGES else Language.FI
    code = raw.get("postal_code", "")
    if re.fullmatch(r"[0-9]{3,4}", code):
        # A Finnish postal code is five digits; three or four are one that a
        # spreadsheet read as a number (00100 → 100).
        code = code.zfill(5)
    if code:
        try:
            c.postal_code = formats.normalise_postal_code(code, "FI")
        except formats.FormatError as exc:
            reasons.append(f"{FIELDS['postal_code']}: {exc.message}")
    return c


@dataclass
class Plan:
    """What a row will do to a matched person."""

    add_email: bool = False
    add_phone: bool = False
    add_address: bool = False
    add_role: bool = False
    differs: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.add_email or self.add_phone or self.add_address or self.add_role


def plan_update(person: Person, c: Cleaned, *, has_role: bool) -> Plan:
    """Only what the person lacks; a differing value is reported, never
    written. Reads the person's values (inside a key scope)."""
    plan = Plan()
    emails = [e.email for e in person.emails.all()]
    phones = [p.number for p in person.phones.all()]
    if c.email and c.email not in emails:
        if emails:
            plan.differs.append(str(FIELDS["email"]))
        else:
            plan.add_email = True
    if c.phone and c.phone not in phones:
        if phones:
            plan.differs.append(str(FIELDS["phone"]))
        else:
            plan.add_phone = True
    if (c.first_name, c.last_name) != (person.first_name, person.last_name) and (
        c.first_name or c.last_name
    ):
        plan.differs.append(_("name"))
    if c.street and not person.street:
        plan.add_address = True
    elif c.street and c.street != person.street:
        plan.differs.append(_("address"))
    plan.add_role = not has_role
    return plan


@dataclass
class Matches:
    """What the register holds for a batch of cleaned rows."""

    suppressed: set[tuple[str, str]]
    by_email: dict[str, set[Any]]
    by_phone: dict[str, set[Any]]
    organizations: dict[str, Organization]
    persons: dict[Any, Person]
    open_roles: set[tuple[Any, Any, str]]

    @classmethod
    def lookup(cls, rows: list[Cleaned], role_kind: str) -> Matches:
        """Read it; call inside a key scope (the matched persons' keys are
        loaded into it with one query)."""
        emails = [c.email for c in rows if c.email]
        phones = [c.phone for c in rows if c.phone]
        suppressed = {("email", v) for v in hooks.contacts_suppressed("email", emails)}
        suppressed |= {("phone", v) for v in hooks.contacts_suppressed("phone", phones)}
        by_email = bulk.email_owners_many(emails)
        # A phone decides only where the email matched no one.
        by_phone = bulk.phone_owners_many(
            c.phone for c in rows if c.phone and not by_email.get(c.email)
        )
        ids = {
            pid for owners in (*by_email.values(), *by_phone.values()) for pid in owners
        }
        keyring.prefetch(ids, KeyClass.CRM)
        persons = {
            p.pk: p
            for p in Person.objects.filter(among("pk", ids)).prefetch_related(
                "emails", "phones"
            )
        }
        organizations = {
            o.business_id: o
            for o in Organization.objects.filter(
                # Sole traders' business IDs are sealed: the keyed digest
                # finds every kind of company (registry/sealing.py).
                among(
                    sealing.DIGEST,
                    {sealing.digest(c.business_id) for c in rows if c.business_id},
                    text=True,
                )
            )
        }
        open_roles = set(
            Role.objects.filter(
                among("person_id", ids), kind=role_kind, end_date__isnull=True
            ).values_list("person_id", "organization_id", "kind")
        )
        return cls(suppressed, by_email, by_phone, organizations, persons, open_roles)

    def is_suppressed(self, c: Cleaned) -> bool:
        return ("email", c.email) in self.suppressed or (
            "phone",
            c.phone,
        ) in self.suppressed

    def owners(self, c: Cleaned) -> set[Any]:
        """The persons the row matches: by email, else by phone."""
        owners = self.by_email.get(c.email, set()) if c.email else set()
        if not owners and c.phone:
            owners = self.by_phone.get(c.phone, set())
        return owners

    def has_role(self, person: Person, org: Organization | None, kind: str) -> bool:
        return org is not None and (person.pk, org.pk, kind) in self.open_roles
