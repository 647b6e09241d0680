"""Reads of restriction, objection and the marketing selection."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from rekisteri.access.selectors import visible_families
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.crypto.fields import Placeholder
from rekisteri.core.errors import Forbidden
from rekisteri.registry.choices import OrganizationStatus
from rekisteri.registry.models import Person, Role
from rekisteri.restrictions.models import (
    Objection,
    Restriction,
    SuppressionMatch,
)


def active_restriction(person_id: Any) -> Restriction | None:
    return Restriction.objects.filter(
        person_id=person_id, lifted_at__isnull=True
    ).first()


@dataclass
class PersonPrivacy:
    """What the person page's privacy section shows, and what the user may do."""

    restriction: Restriction | None
    history: list[Restriction]
    objections: list[Objection]
    suppressed_kinds: list[str]
    may_view: bool
    may_restrict: bool
    may_lift: bool
    may_object: bool
    may_object_legitimate: bool
    objected_purposes: set[str] = field(default_factory=set)


FLAGS = ("restrictions_r", "restrictions_o", "restrictions_s")


def person_flags() -> dict[str, Any]:
    """Whether the person (``pk`` as ``OuterRef``) has a restriction, an
    objection or a suppression match: annotations the person page's query
    carries (registry.extensions.register_person_annotations)."""
    mine = OuterRef("pk")
    return dict(
        zip(
            FLAGS,
            (
                Exists(Restriction.objects.filter(person=mine)),
                Exists(Objection.objects.filter(person=mine)),
                Exists(SuppressionMatch.objects.filter(person=mine)),
            ),
            strict=True,
        )
    )


def person_privacy(*, user: Any, person: Person) -> PersonPrivacy:
    """The person's restriction, history, objections and suppression flags.

    The status (restricted or not, flagged or not) is shown to everyone who
    sees the person: it must be respected. Details need the ``privacy``
    family of the need-to-know matrix.
    """
    may_view = "privacy" in visible_families(user)
    may_change = "privacy" in visible_families(user, "change")
    # Most persons have none of these: one query says which there are, or
    # the person page's own query did (person_flags).
    loaded = getattr(person, FLAGS[0], None)
    if loaded is not None:
        restricted, objected, suppressed = (bool(getattr(person, f)) for f in FLAGS)
    else:
        restricted, objected, suppressed = (
            Person.objects.filter(pk=person.pk)
            .annotate(**person_flags())
            .values_list(*FLAGS)
            .first()
        ) or (False, False, False)
    history = (
        list(Restriction.objects.filter(person=person))
        if may_view and restricted
        else []
    )
    active = next((r for r in history if r.is_active), None)
    if not may_view and restricted:
        active = active_restriction(person.pk)
    objections = (
        list(Objection.objects.filter(person=person)) if may_view and objected else []
    )
    privacy_officer = has_perm(user, Perm.PRIVACY_MANAGE)
    return PersonPrivacy(
        restriction=active,
        history=history,
        objections=objections,
        suppressed_kinds=sorted(
            SuppressionMatch.objects.filter(person=person).values_list(
                "kind", flat=True
            )
        )
        if suppressed
        else [],
        may_view=may_view,
        may_restrict=privacy_officer and may_change and active is None,
        may_lift=privacy_officer and may_change and active is not None,
        may_object=may_change and has_perm(user, Perm.REGISTRY_CHANGE),
        may_object_legitimate=privacy_officer and may_change,
        objected_purposes={o.purpose for o in objections},
    )


# --------------------------------------------------------------------------
# Marketing selection
# --------------------------------------------------------------------------

# Why a person is left out, in the order the page lists them.
EXCLUSIONS = ("no_marketing", "restricted", "objected", "suppressed", "erased")


@dataclass
class MarketingRow:
    person_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    organization: str
    customer_number: str
    role: str


@dataclass
class MarketingSelection:
    rows: list[MarketingRow]
    left_out: Counter
    columns: list[str]  # of ("name", "email", "phone") the user may view


def _destroyed(person_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Persons whose CRM key is shredded (erased), from the key store."""
    if not person_ids:
        return set()
    return keyring.destroyed_subjects(person_ids, KeyClass.CRM)


def marketing_selection(*, user: Any) -> MarketingSelection:
    """People with a current role at a customer or prospect, less everyone
    marketing must leave out: their company said no marketing, their
    processing is restricted, they objected (to marketing or to processing on
    legitimate interest), one of their addresses is on the suppression list,
    or they are erased. ``left_out`` counts each reason (a person counts
    once, under the first reason in :data:`EXCLUSIONS`)."""
    if not has_perm(user, Perm.REGISTRY_VIEW):
        raise Forbidden()
    shown = visible_families(user)
    columns = [
        c
        for c, family in (
            ("name", "name"),
            ("email", "contact_email"),
            ("phone", "phone"),
        )
        if family in shown
    ]
    today = timezone.localdate()
    roles = (
        Role.objects.current(on=today)
        .exclude(organization__status=OrganizationStatus.FORMER)
        .select_related("organization")
        .annotate(
            restricted=Exists(
                Restriction.objects.filter(
                    person=OuterRef("person_id"), lifted_at__isnull=True
                )
            ),
            objected=Exists(Objection.objects.filter(person=OuterRef("person_id"))),
            suppressed=Exists(
                SuppressionMatch.objects.filter(person=OuterRef("person_id"))
            ),
        )
        .order_by("organization__name_key", "person_id", "start_date")
    )
    first_role: dict[uuid.UUID, Role] = {}
    reasons: dict[uuid.UUID, str] = {}
    for role in roles:
        pid = role.person_id
        reason = ""
        if role.restricted:
            reason = "restricted"
        elif role.objected:
            reason = "objected"
        elif role.suppressed:
            reason = "suppressed"
        elif role.organization.no_marketing:
            reason = "no_marketing"
        if reason:
            # One company's "no marketing" leaves out only that role; a
            # personal reason leaves out the person.
            if reason == "no_marketing":
                reasons.setdefault(pid, reason)
            else:
                reasons[pid] = reason
                first_role.pop(pid, None)
            continue
        if reasons.get(pid) not in (None, "no_marketing"):
            continue
        first_role.setdefault(pid, role)
    for pid in first_role:
        reasons.pop(pid, None)
    erased = _destroyed(set(first_role))
    for pid in erased:
        first_role.pop(pid, None)
        reasons[pid] = "erased"
    persons = {
        p.pk: p
        for p in Person.objects.filter(pk__in=list(first_role)).prefetch_related(
            "emails", "phones"
        )
    }
    rows = []
    for pid, role in first_role.items():
        person = persons.get(pid)
        if person is None or isinstance(person.last_name, Placeholder):
            reasons[pid] = "erased"
            continue
        emails = list(person.emails.all())
        phones = list(person.phones.all())
        rows.append(
            MarketingRow(
                person_id=pid,
                first_name=person.first_name if "name" in columns else "",
                last_name=person.last_name if "name" in columns else "",
                email=emails[0].email if emails and "email" in columns else "",
                phone=phones[0].number if phones and "phone" in columns else "",
                organization=role.organization.name,
                customer_number=role.organization.customer_number,
                role=role.get_kind_display(),
            )
        )
    rows.sort(key=lambda r: (r.organization.casefold(), r.last_name, r.first_name))
    return MarketingSelection(
        rows=rows, left_out=Counter(reasons.values()), columns=columns
    )
