"""Writes of restriction, objection and the suppression list.

* :func:`restriction_place` restricts a person's processing (Art. 18). While
  it lasts, :func:`refuse_if_restricted` — registered with the enforcement
  point ``rekisteri.access.enforce`` — makes every write service touching the
  person refuse with code ``restricted``, except lifting it (and recording an
  objection, which only narrows processing further).
* :func:`restriction_lift` is the privacy officer's, with a reason.
* :func:`objection_record` records an objection per purpose (Art. 21). A
  direct-marketing objection puts the person's addresses on the suppression
  list, and addresses the person gets later too.
* :func:`suppression_check` is the registry's contact listener: an address
  on the list entering the register (a new person, an added email or phone,
  an import, a contact typed on an invoice) is flagged on the person.

Audit events name fields and counts, never a reason, a note or an address.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    NONE,
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.core import compiled, decisions, idlist, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, FieldErrors, Forbidden, NotFound
from rekisteri.registry.models import Person, PersonEmail, PersonPhone
from rekisteri.restrictions import suppression
from rekisteri.restrictions.choices import (
    ContactKind,
    LiftNotice,
    ObjectionPurpose,
    RequestedBy,
    RestrictionGround,
)
from rekisteri.restrictions.models import (
    Objection,
    Restriction,
    SuppressedContact,
    SuppressionMatch,
)
from rekisteri.rights import notices as rights_notices

FAMILIES = ("user.privacy_preferences",)
PURPOSE = "privacy"
TEXT_MAX = 2000
# Writes a restriction does not stop: lifting it, and recording an objection
# (which only narrows processing further).
# Telling a recipient of the restriction (Art. 19) is part of honouring it.
ALLOWED_WHILE_RESTRICTED = frozenset(
    {"restriction.lift", "objection.record", "rights.recipient_notice"}
)


# --------------------------------------------------------------------------
# The refusal and status the lower apps ask through their registries
# --------------------------------------------------------------------------


def is_restricted(person_id: Any) -> bool:
    return Restriction.objects.filter(
        person_id=person_id, lifted_at__isnull=True
    ).exists()


def refuse_if_restricted(person_ids: list[Any], operation: str, actor: Any) -> None:
    """Raise :class:`Conflict` (code ``restricted``) while the processing of
    any of the persons is restricted, for every write but the allowed ones."""
    if operation in ALLOWED_WHILE_RESTRICTED:
        return
    # Inside a transaction's decisions scope (an erasure: its write services
    # each ask) a person found unrestricted is not asked about again.
    clear = decisions.known("restriction", person_ids)
    ids = [pid for pid in person_ids if pid not in clear]
    # Compiled once per process (core/compiled.py): every write asks it.
    if any(
        compiled.among_rows(
            "restrictions.active",
            lambda keys: (
                Restriction.objects.filter(lifted_at__isnull=True)
                .filter(idlist.among("person_id", keys))
                .order_by()
                .values_list("pk")[:1]
            ),
            chunk,
            model=Restriction,
        )
        for chunk in idlist.chunks(ids)
    ):
        raise Conflict(
            _(
                "Processing of this person's data is restricted; nothing can be "
                "changed until the privacy officer lifts the restriction."
            ),
            code="restricted",
        )
    decisions.remember("restriction", dict.fromkeys(ids, False))


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _text(errors: FieldErrors, name: str, value: Any, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.add(name, "required", _("This field is required."))
    elif len(text) > TEXT_MAX:
        errors.add(name, "too_long", _("Use at most 2,000 characters."))
    return text


def _day(errors: FieldErrors, name: str, value: Any) -> dt.date:
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if not isinstance(value, dt.date):
        errors.add(name, "date_invalid", _("Enter a valid date."))
        return today
    if value > today:
        errors.add(name, "future", _("The date is in the future."))
    return value


def _require_person(person: Any) -> Person:
    if not isinstance(person, Person) or person.pk is None:
        raise NotFound()
    if keyring.is_destroyed(person.pk, KeyClass.CRM):
        raise Conflict(
            _(
                "This person's data has been erased. What is kept (invoices under "
                "the Accounting Act, the suppression list) needs no restriction: "
                "it is no longer used for anything else."
            ),
            code="subject_erased",
        )
    return person


def _require_privacy_officer(actor: Any) -> None:
    if not has_perm(actor, Perm.PRIVACY_MANAGE):
        raise Forbidden(
            _("Only the privacy officer may do this."), code="privacy_officer_only"
        )


# --------------------------------------------------------------------------
# Restriction (Art. 18)
# --------------------------------------------------------------------------


@write_service(subject=PERSON)
def restriction_place(
    *,
    actor: Any,
    person: Person,
    reason: str,
    ground: str = RestrictionGround.ACCURACY,
    requested_by: str = RequestedBy.DATA_SUBJECT,
    requested_on: dt.date | None = None,
    case_ref: str = "",
) -> Restriction:
    """Restrict the person's processing. ``actor=None`` is an operator at the
    command line; staff need the privacy office's permission. ``case_ref``
    names the rights-request case it answers, in the audit event."""
    if actor is not None:
        _require_privacy_officer(actor)
    person = _require_person(person)
    errors = FieldErrors()
    reason = _text(errors, "reason", reason, required=True)
    if ground not in RestrictionGround.values:
        errors.add("ground", "invalid_choice", _("Choose a ground."))
    if requested_by not in RequestedBy.values:
        errors.add("requested_by", "invalid_choice", _("Choose who asked."))
    day = _day(errors, "requested_on", requested_on)
    errors.raise_if_any()
    # An active restriction refuses this too (code ``restricted``).
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=FAMILIES,
        operation="restriction.place",
    )
    try:
        with transaction.atomic():
            restriction = Restriction.objects.create(
                person=person,
                ground=ground,
                reason=reason,
                requested_by=requested_by,
                requested_on=day,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            # Art. 19: every recipient of the person's data is told.
            told = rights_notices.restriction_notices(person)
            audit_record(
                actor=actor,
                action="restriction.place",
                target_type="restriction",
                target_id=restriction.pk,
                subject_id=person.pk,
                fields=["ground", "reason", "requested_by", "requested_on"],
                categories=FAMILIES,
                purpose=PURPOSE,
                details={
                    "ground": ground,
                    "requested_by": requested_by,
                    "recipients": len(told),
                    **({"case_ref": case_ref[:40]} if case_ref else {}),
                },
            )
    except IntegrityError:
        # Placed at the same moment by someone else: one is enough.
        raise Conflict(
            _("Processing of this person's data is already restricted."),
            code="restricted",
        ) from None
    return restriction


# Restrictions the data subject obtained: Art. 18(3) has them told before
# the restriction is lifted.
OBTAINED_BY_SUBJECT = (RequestedBy.DATA_SUBJECT, RequestedBy.REPRESENTATIVE)


@write_service(subject=PERSON)
def restriction_lift(
    *,
    actor: Any,
    person: Person,
    reason: str,
    informed_how: str = "",
    informed_on: dt.date | None = None,
) -> Restriction:
    """Lift the person's active restriction (privacy officer only, with a
    reason). The restriction stays as history.

    One the data subject obtained (asked by them or their representative)
    is lifted only once they have been told (Art. 18(3)): ``informed_how``
    (a :class:`LiftNotice`) is then required, and ``informed_on`` (today
    when not given) may not be in the future or before the restriction was
    asked for."""
    _require_privacy_officer(actor)
    if not isinstance(person, Person) or person.pk is None:
        raise NotFound()
    errors = FieldErrors()
    reason = _text(errors, "reason", reason, required=True)
    told = bool(informed_how)
    if informed_how and informed_how not in LiftNotice.values:
        errors.add("informed_how", "invalid_choice", _("Choose how they were told."))
    told_on = _day(errors, "informed_on", informed_on) if told else None
    errors.raise_if_any()
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=FAMILIES,
        operation="restriction.lift",
    )
    with transaction.atomic():
        restriction = (
            Restriction.objects.select_for_update()
            .filter(person=person, lifted_at__isnull=True)
            .first()
        )
        if restriction is None:
            raise Conflict(
                _("This person's processing is not restricted."),
                code="not_restricted",
            )
        if restriction.requested_by in OBTAINED_BY_SUBJECT and not informed_how:
            errors.add(
                "informed_how",
                "required",
                _(
                    "The person asked for this restriction: tell them "
                    "before it is lifted (Art. 18(3)) and say how."
                ),
            )
        if told_on is not None and told_on < restriction.requested_on:
            errors.add(
                "informed_on",
                "before_request",
                _("They were told before the restriction was asked for."),
            )
        errors.raise_if_any()
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = actor
        restriction.lift_reason = reason
        restriction.lift_informed_how = informed_how if told else ""
        restriction.lift_informed_on = told_on
        restriction.save(
            update_fields=[
                "lifted_at",
                "lifted_by",
                "lift_reason",
                "lift_informed_how",
                "lift_informed_on",
            ]
        )
        audit_record(
            actor=actor,
            action="restriction.lift",
            target_type="restriction",
            target_id=restriction.pk,
            subject_id=person.pk,
            fields=[
                "lifted_at",
                "lift_reason",
                *(["lift_informed_how", "lift_informed_on"] if told else []),
            ],
            categories=FAMILIES,
            purpose=PURPOSE,
            details={"informed": informed_how} if told else {},
        )
    return restriction


# --------------------------------------------------------------------------
# Objection (Art. 21) and the suppression list
# --------------------------------------------------------------------------


def _addresses(person: Person) -> list[tuple[str, str]]:
    out = [
        (ContactKind.EMAIL, e.email) for e in PersonEmail.objects.filter(person=person)
    ]
    out += [
        (ContactKind.PHONE, p.number) for p in PersonPhone.objects.filter(person=person)
    ]
    return [(k, str(v)) for k, v in out if v and not str(v).startswith("[")]


def _suppress(pairs: list[tuple[str, str]]) -> int:
    """Add addresses to the list (digests only); returns how many were new."""
    added = 0
    for kind, value in pairs:
        d = suppression.digest(kind, value)
        if d is None:
            continue
        _obj, created = SuppressedContact.objects.get_or_create(kind=kind, digest=d)
        added += created
    return added


@write_service(
    subject=NONE,
    reason="writes keyed digests of addresses to the suppression list, no person's row",
)
def suppression_add(
    *,
    actor: Any,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    case_ref: str = "",
) -> int:
    """Put addresses of someone the register does not hold on the list (an
    objection to direct marketing from a requester with no data here): if
    the address enters the register later, by an import or by hand, the
    person is flagged and left out of marketing. The privacy officer only;
    returns how many digests were new. The audit event holds the counts and
    ``case_ref``, never an address."""
    _require_privacy_officer(actor)
    pairs = [(ContactKind.EMAIL, str(e)) for e in emails if e] + [
        (ContactKind.PHONE, str(p)) for p in phones if p
    ]
    with transaction.atomic():
        added = _suppress(pairs)
        audit_record(
            actor=actor,
            action="suppression.add",
            target_type="suppression",
            categories=FAMILIES,
            purpose=PURPOSE,
            details={
                "addresses": len(pairs),
                "added": added,
                **({"case_ref": case_ref[:40]} if case_ref else {}),
            },
        )
    return added


@write_service(subject=PERSON)
def objection_record(
    *,
    actor: Any,
    person: Person,
    purpose: str,
    note: str = "",
    received_on: dt.date | None = None,
    case_ref: str = "",
) -> Objection:
    """Record the person's objection to ``purpose`` (``case_ref``: the
    rights-request case it came in, named in the audit event).

    Direct marketing: anyone who may change the person's privacy data records
    it (a call, an email); it is absolute. Legitimate interest: the privacy
    officer records it with the balancing note (why processing stops, or the
    compelling grounds that override the objection).
    """
    person = _require_person(person)
    errors = FieldErrors()
    if purpose not in ObjectionPurpose.values:
        errors.add("purpose", "invalid_choice", _("Choose a purpose."))
    legitimate = purpose == ObjectionPurpose.LEGITIMATE_INTEREST
    note = _text(errors, "note", note, required=legitimate)
    day = _day(errors, "received_on", received_on)
    errors.raise_if_any()
    if legitimate and actor is not None:
        _require_privacy_officer(actor)
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=FAMILIES,
        operation="objection.record",
    )
    if Objection.objects.filter(person=person, purpose=purpose).exists():
        raise Conflict(
            _("This objection has already been recorded."), code="objection_exists"
        )
    with transaction.atomic():
        objection = Objection.objects.create(
            person=person,
            purpose=purpose,
            note=note or None,
            received_on=day,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        suppressed = 0
        if purpose == ObjectionPurpose.DIRECT_MARKETING:
            suppressed = _suppress(_addresses(person))
        audit_record(
            actor=actor,
            action="objection.record",
            target_type="objection",
            target_id=objection.pk,
            subject_id=person.pk,
            fields=["purpose", "received_on", *(["note"] if note else [])],
            categories=FAMILIES,
            purpose=PURPOSE,
            details={
                "purpose": purpose,
                "suppressed": suppressed,
                **({"case_ref": case_ref[:40]} if case_ref else {}),
            },
        )
    return objection


def is_suppressed(kind: str, value: str) -> bool:
    """The registry's suppression query: is this address on the list?"""
    found = suppression.digests(kind, value)
    return (
        bool(found)
        and SuppressedContact.objects.filter(kind=kind, digest__in=found).exists()
    )


def suppressed_of(kind: str, values: Sequence[str]) -> set[str]:
    """The registry's batched suppression query: those of ``values`` on the
    list, one query for the lot."""
    digests: dict[str, str] = {}
    for value in values:
        for d in suppression.digests(kind, value):
            digests[d] = value
    if not digests:
        return set()
    # The digests as one parameter (core/idlist.py).
    hits = SuppressedContact.objects.filter(
        idlist.among("digest", list(digests), text=True), kind=kind
    ).values_list("digest", flat=True)
    return {digests[d] for d in hits}


def objects_to_marketing(person_id: uuid.UUID) -> bool:
    return Objection.objects.filter(
        person_id=person_id, purpose=ObjectionPurpose.DIRECT_MARKETING
    ).exists()


@not_a_write_service(
    "the registry's batched contact listener, inside a bulk create after it authorized"
)
def suppression_check_many(
    *, actor: Any, added: Sequence[tuple[Person, list[str], list[str]]]
) -> None:
    """:func:`suppression_check` for a batch: one query for the objections
    and one for the addresses on the list; the persons either concerns go
    through :func:`suppression_check` itself."""
    ids = [person.pk for person, _e, _p in added]
    objecting = set(
        Objection.objects.filter(
            person_id__in=ids, purpose=ObjectionPurpose.DIRECT_MARKETING
        ).values_list("person_id", flat=True)
    )
    hits: set[tuple[str, str]] = set()
    for kind in (ContactKind.EMAIL, ContactKind.PHONE):
        values = [
            v
            for _person, emails, phones in added
            for v in (emails if kind == ContactKind.EMAIL else phones)
        ]
        hits |= {(kind, v) for v in suppressed_of(kind, values)}
    for person, emails, phones in added:
        if (
            person.pk in objecting
            or any((ContactKind.EMAIL, e) in hits for e in emails)
            or any((ContactKind.PHONE, p) in hits for p in phones)
        ):
            suppression_check(actor=actor, person=person, emails=emails, phones=phones)


@not_a_write_service(
    "the registry's contact listener, inside person_create or person_update "
    "after they authorized"
)
def suppression_check(
    *, actor: Any, person: Person, emails: list[str], phones: list[str]
) -> None:
    """The registry's contact listener (runs in the write's transaction).

    A new address of a person who objected to marketing joins the list; an
    address already on it flags the person (once per kind), recorded as
    ``suppression.match`` with the kind only.
    """
    pairs = [(ContactKind.EMAIL, e) for e in emails] + [
        (ContactKind.PHONE, p) for p in phones
    ]
    if objects_to_marketing(person.pk):
        _suppress(pairs)
        return
    digests = {
        (kind, d) for kind, value in pairs for d in suppression.digests(kind, value)
    }
    if not digests:
        return
    hit_kinds = set()
    for kind, d in digests:
        if SuppressedContact.objects.filter(kind=kind, digest=d).exists():
            hit_kinds.add(kind)
    for kind in sorted(hit_kinds):
        _match, created = SuppressionMatch.objects.get_or_create(
            person=person, kind=kind
        )
        if created:
            audit_record(
                actor=actor,
                action="suppression.match",
                target_type="person",
                target_id=person.pk,
                subject_id=person.pk,
                fields=["emails" if kind == ContactKind.EMAIL else "phones"],
                categories=FAMILIES,
                purpose=PURPOSE,
                details={"kind": kind},
            )
