"""Audit events of the customer register: what each page and write records.

Writes record the names of the fields they changed; reads record which
need-to-know families of data a page showed. Never a value:
not a name, not an address, not a search term.

Field families are looked up in the catalogue (``rekisteri.access.families``),
so a page that shows a field records that field's category without a
hand-kept list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from rekisteri.access import families
from rekisteri.access.enforce import not_a_write_service
from rekisteri.access.selectors import visible_families
from rekisteri.audit.chain import chain_key
from rekisteri.audit.choices import Outcome
from rekisteri.audit.services import audit_record, audit_record_many
from rekisteri.core import formats
from rekisteri.registry.conf import setting
from rekisteri.registry.models import (
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    Role,
)

# Service argument names that stand for rows of related models.
_RELATED = {
    "emails": (PersonEmail, "email"),
    "phones": (PersonPhone, "number"),
    "roles": (Role, "title"),
}

# What the person page can show, by field name.
PERSON_PAGE_FIELDS = (
    "first_name",
    "last_name",
    "preferred_language",
    "street",
    "postal_code",
    "city",
    "country",
    "emails",
    "phones",
    "roles",
)
# What the organization page shows of the organization and of its people.
ORGANIZATION_PAGE_FIELDS = (
    "name",
    "customer_number",
    "business_id",
    "vat_number",
    "postal_street",
    "postal_postal_code",
    "postal_city",
    "postal_country",
    "visiting_street",
    "visiting_postal_code",
    "visiting_city",
    "visiting_country",
)
# The trade-register facts the organization page shows (its PRH section).
# The situation (bankruptcy, liquidation...) is shown and recorded only
# where ``situation_shown`` allows it.
ORGANIZATION_REGISTRY_FIELDS = (
    "registered_names",
    "industry_code",
    "industry_name",
    "trade_register_status",
    "registered_entries",
    "registry_end_date",
)
# The organization list's columns.
ORGANIZATION_LIST_FIELDS = ("name", "customer_number", "business_id", "postal_city")
ORGANIZATION_PEOPLE_FIELDS = ("first_name", "last_name", "emails", "phones", "roles")

# Why a role reads the register (the purpose recorded with a view).
ROLE_PURPOSE = {
    "sales": "sales",
    "customer_service": "customer_service",
    "billing": "invoicing",
    "privacy_officer": "privacy",
    "administrator": "security",
    "auditor": "security",
}


def person_field_family(name: str) -> str | None:
    if name in _RELATED:
        model, field = _RELATED[name]
        return families.field_family(model, field)
    return families.field_family(Person, name)


def person_families(names: Iterable[str]) -> set[str]:
    return {f for n in names if (f := person_field_family(n)) is not None}


def organization_families(names: Iterable[str]) -> set[str]:
    return families.families_of(Organization, names)


def situation_shown(organization: Organization, shown: Iterable[str]) -> bool:
    """Whether a page shows this organization's trade-register situation
    (bankruptcy, liquidation, dissolved). A company's situation is public
    business data; a sole trader's is the person's financial data, shown
    only to a role that may view its family (docs/data-catalogue.md)."""
    if not organization.is_flagged:
        return False
    if not organization.sole_trader:
        return True
    return organization_families(("registry_situation",)) <= set(shown)


def situation_returned(organization: Organization, shown: Iterable[str]) -> bool:
    """Whether the API returns this organization's trade-register situation
    (its value even when active): always for a company, for a sole trader
    only to a role that may view its family, as :func:`situation_shown`."""
    if not organization.sole_trader:
        return True
    return organization_families(("registry_situation",)) <= set(shown)


def situation_fields(organizations: Iterable[Organization]) -> tuple[str, ...]:
    """``registry_situation`` where a sole trader's situation was shown or
    returned (set by the view as ``situation_visible`` or
    ``situation_returned``), for the audit event."""
    return (
        ("registry_situation",)
        if any(
            o.sole_trader
            and (
                getattr(o, "situation_visible", False)
                or getattr(o, "situation_returned", False)
            )
            for o in organizations
        )
        else ()
    )


def purpose_of(user: Any) -> str:
    return ROLE_PURPOSE.get(getattr(user, "role", ""), "")


def reads_audited() -> bool:
    """False only in the benchmark's baseline run."""
    return setting("REKISTERI_AUDIT_READS")


# --------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------


def person_page_fields(user: Any) -> tuple[frozenset[str], list[str]]:
    """The families the user may view and the person-page fields in them."""
    shown = visible_families(user)
    fields = [f for f in PERSON_PAGE_FIELDS if person_field_family(f) in shown]
    return shown, fields


def record_person_view(
    *,
    request: Any,
    person: Person,
    fields: Iterable[str],
    page: str = "detail",
    extra: dict[str, Any] | None = None,
) -> None:
    """``person.view``: which fields (and so families) of a person were shown."""
    if not reads_audited():
        return
    fields = list(fields)
    audit_record(
        actor=request.user,
        action="person.view",
        target_type="person",
        target_id=person.pk,
        subject_id=person.pk,
        fields=fields,
        categories=person_families(fields),
        purpose=purpose_of(request.user),
        details={"page": page, **(extra or {})},
        request=request,
    )


def record_organization_view(
    *,
    request: Any,
    organization: Organization,
    people: int = 0,
    people_fields: Iterable[str] = (),
    page: str = "detail",
) -> None:
    """``organization.view``: the organization's fields, and how many people
    were listed with which of their fields."""
    if not reads_audited():
        return
    people_fields = list(people_fields) if people else []
    own = (*ORGANIZATION_PAGE_FIELDS, *situation_fields([organization]))
    if page in ("detail", "api"):
        own = (*own, *ORGANIZATION_REGISTRY_FIELDS)
    audit_record(
        actor=request.user,
        action="organization.view",
        target_type="organization",
        target_id=organization.pk,
        fields=[*own, *(f"people.{f}" for f in people_fields)],
        categories=organization_families(own) | person_families(people_fields),
        purpose=purpose_of(request.user),
        details={"page": page, "people": people},
        request=request,
    )


def record_list(
    *, request: Any, action: str, target_type: str, count: int, families: set[str]
) -> None:
    """``<entity>.list``: how many rows and which families a list showed."""
    if not reads_audited():
        return
    audit_record(
        actor=request.user,
        action=action,
        target_type=target_type,
        categories=families,
        purpose=purpose_of(request.user),
        details={"count": count},
        request=request,
    )


def query_digest(q: str) -> str:
    """A keyed digest of a search query: equal queries can be told equal in
    an investigation (with the keys), the text cannot be read back. An email
    address is taken in its one canonical form (core.formats.email_key), so
    its Unicode and punycode spellings are one query, as they are one
    address to the search."""
    text = q.strip()
    if "@" in text:
        text = formats.email_key(text)
    return hmac.new(
        chain_key(), b"search|" + text.casefold().encode(), hashlib.sha256
    ).hexdigest()[:16]


def record_search(
    *,
    request: Any,
    q: str,
    kind: str,
    organizations: int,
    persons: int,
    shown: frozenset[str] | None = None,
    organization_fields: Iterable[str] = ("name", "customer_number", "business_id"),
) -> None:
    """``registry.search``: kind, length and result counts, never the text.
    ``organization_fields``: what was returned of each organization found."""
    if not reads_audited():
        return
    cats = set()
    if organizations:
        cats |= organization_families(organization_fields)
    if persons:
        cats |= person_families(("first_name", "last_name", "emails"))
    if shown is not None:
        cats &= shown
    audit_record(
        actor=request.user,
        action="registry.search",
        target_type="search",
        categories=cats,
        purpose=purpose_of(request.user),
        details={
            "kind": kind,
            "length": len(q.strip()),
            "digest": query_digest(q),
            "organizations": organizations,
            "persons": persons,
        },
        request=request,
    )


def record_need_to_know_denied(
    *, request: Any, person: Person, missing: Iterable[str]
) -> None:
    """``access.denied``: a page refused because the role may not view or
    change some of the families it would show (named, never values)."""
    match = getattr(request, "resolver_match", None)
    audit_record(
        actor=request.user,
        action="access.denied",
        outcome=Outcome.DENIED,
        target_type="route",
        target_id=(match.view_name if match else "")[:64],
        subject_id=person.pk,
        categories=missing,
        purpose="security",
        details={"need_to_know": sorted(missing), "method": request.method},
        request=request,
    )


# --------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------


@not_a_write_service("records the audit events of a bulk write its service authorized")
def record_writes(
    *,
    actor: Any,
    action: str,
    target_type: str,
    writes: Iterable[tuple[Any, Any, Iterable[str], dict[str, Any] | None]],
    model: type = Person,
) -> None:
    """:func:`record_write` of many rows (a bulk write's, one event each):
    ``writes`` holds each row's ``(target_id, subject_id, fields,
    details)``. The events are those :func:`record_write` would record, in
    order; the families of each distinct set of fields are looked up once."""
    cats_of: dict[tuple[str, ...], set[str]] = {}
    records = []
    for target_id, subject_id, fields, details in writes:
        names = tuple(sorted(set(fields)))
        cats = cats_of.get(names)
        if cats is None:
            cats = cats_of[names] = (
                person_families(names)
                if model is Person
                else families.families_of(model, names)
            )
        records.append((target_id, subject_id, names, cats, details))
    audit_record_many(
        actor=actor,
        action=action,
        target_type=target_type,
        records=records,
        purpose=purpose_of(actor),
    )


@not_a_write_service("records the audit event of a write its service authorized")
def record_write(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    subject_id: Any = None,
    fields: Iterable[str],
    model: type = Person,
    details: dict[str, Any] | None = None,
) -> None:
    """A create/update/end/delete: names of the fields written.

    Authorization is not checked here: the service asked
    ``rekisteri.access.enforce.authorize_write`` before it wrote.
    """
    fields = sorted(set(fields))
    if model is Person:
        cats = person_families(fields)
    else:
        cats = families.families_of(model, fields)
    audit_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_id=subject_id,
        fields=fields,
        categories=cats,
        purpose=purpose_of(actor),
        details=details,
    )
