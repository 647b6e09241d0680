"""Rectification under a request (Art. 16) and the notification of the
recipients who received the corrected data (Art. 19).

A rectification is an ordinary edit of the person (the registry's
``person_update``, so the same validation, the same enforcement point and
the same audit of the write) made under a request's reference. What this
module adds is the record the law asks for: which fields changed (names,
never values), which data categories they belong to (from the catalogue),
and one notification task per outside recipient that receives any of those
categories (from the privacy office's party register and the other apps'
recipient providers, the same list the access export and the notice use).
The person may be told who the recipients were: the tasks are part of the
person's access export, and the rectification page lists them.

docs/rights.md, Rectification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import PERSON, authorize_write, write_service
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.audit.services import audit_record
from rekisteri.core import compiled, idlist, participants
from rekisteri.core.catalogue import classification_of, subject_fields
from rekisteri.core.errors import FieldErrors, Forbidden, NotFound
from rekisteri.core.participants import Participant, PlanItem, Record
from rekisteri.registry import services as registry
from rekisteri.registry.models import Person, PersonEmail, PersonPhone
from rekisteri.rights.models import (
    NoticeCause,
    NoticeChannel,
    NoticeState,
    RecipientNotice,
    Rectification,
)
from rekisteri.rights.notices import open_for
from rekisteri.rights.services import CASE_REF

# The person's own editable values, each with the model field that holds it,
# so its category comes from the catalogue.
_LISTS = {"emails": (PersonEmail, "email"), "phones": (PersonPhone, "number")}

# The data family of the rights records themselves (requests, restrictions).
FAMILIES = ("user.privacy_preferences",)


def _category(name: str) -> str:
    model, field_name = _LISTS.get(name, (Person, name))
    classification = classification_of(model, model._meta.get_field(field_name))
    if classification is None or not classification.personal:
        raise LookupError(f"{name} is not catalogued as personal data")
    return classification.category


def _snapshot(person: Person) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(person, name) for name in sorted(registry.PERSON_EDITABLE)
    }
    values["emails"] = sorted(e.email for e in person.emails.all())
    values["phones"] = sorted(p.number for p in person.phones.all())
    return values


def _case_ref(errors: FieldErrors, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        errors.add(
            "case_ref",
            "required",
            _("Give the reference of the rectification request."),
        )
    elif not CASE_REF.match(value):
        errors.add(
            "case_ref",
            "invalid",
            _(
                "A request or case reference: letters, digits and . _ / - only, "
                "at most 64 characters."
            ),
        )
    return value


@write_service(subject=PERSON)
def rectify(
    *,
    actor: Any,
    person: Person,
    case_ref: str,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    **changes: Any,
) -> Rectification:
    """Correct the person's values under the request ``case_ref`` and create
    a notification task for every recipient of a corrected category.

    The values came from the data subject, so their provenance says so.
    Refused like any edit (the matrix's change column, a restriction of
    processing, an erased person) before anything is written; a request that
    changes nothing is refused too, so no empty record is made.
    """
    errors = FieldErrors()
    case_ref = _case_ref(errors, case_ref)
    errors.raise_if_any()
    # The rights record is written with the edit: the role must be allowed
    # to change it as well as the person's values (checked again, for the
    # values, by person_update itself).
    authorize_write(
        actor=actor,
        person_id=person.pk,
        families=FAMILIES,
        operation="rights.rectify",
    )
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        before = _snapshot(locked)
        registry.person_update(
            actor=actor,
            person=locked,
            emails=emails,
            phones=phones,
            source="data_subject",
            **changes,
        )
        after = _snapshot(Person.objects.get(pk=person.pk))
        changed = [name for name in before if before[name] != after[name]]
        if not changed:
            errors.add(
                "case_ref",
                "unchanged",
                _("Nothing was changed: correct at least one value."),
            )
            errors.raise_if_any()
        categories = sorted({_category(name) for name in changed})
        record = Rectification.objects.create(
            person=locked,
            case_ref=case_ref,
            fields=changed,
            categories=categories,
            made_by=actor if getattr(actor, "pk", None) else None,
        )
        notices = open_for(
            locked,
            cause=NoticeCause.RECTIFICATION,
            categories=categories,
            case_ref=case_ref,
            rectification=record,
        )
        audit_record(
            actor=actor,
            action="rights.rectify",
            target_type="rectification",
            target_id=record.pk,
            subject_id=person.pk,
            fields=changed,
            categories=categories,
            purpose="customer_relationship",
            details={"case_ref": case_ref, "recipients": len(notices)},
        )
    return record


@write_service(subject=PERSON)
def notice_record(
    *,
    actor: Any,
    notice: RecipientNotice,
    state: str,
    channel: str = "",
) -> RecipientNotice:
    """Record that a recipient was told (with the channel), or that telling
    it proved impossible or disproportionate (Art. 19), for a rectification,
    an erasure or a restriction alike. The privacy office records it; a
    recorded notice is not changed again."""
    if actor is not None and not has_perm(actor, Perm.PRIVACY_MANAGE):
        raise Forbidden(
            _("Only the privacy officer may do this."), code="privacy_officer_only"
        )
    errors = FieldErrors()
    if state not in (NoticeState.NOTIFIED, NoticeState.IMPOSSIBLE):
        errors.add("state", "invalid_choice", _("Choose what happened."))
    if state == NoticeState.NOTIFIED and channel not in NoticeChannel.values:
        errors.add("channel", "required", _("Choose how the recipient was told."))
    if state == NoticeState.IMPOSSIBLE:
        channel = ""
    errors.raise_if_any()
    person_id = notice.person_id
    authorize_write(
        actor=actor,
        person_id=person_id,
        families=FAMILIES,
        operation="rights.recipient_notice",
    )
    with transaction.atomic():
        locked = RecipientNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.state != NoticeState.OPEN:
            errors.add(
                "state", "already_recorded", _("This notice is already recorded.")
            )
            errors.raise_if_any()
        locked.state = state
        locked.channel = channel
        locked.done_at = timezone.now()
        locked.done_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["state", "channel", "done_at", "done_by"])
        audit_record(
            actor=actor,
            action="rights.recipient_notice",
            target_type="recipient_notice",
            target_id=locked.pk,
            subject_id=person_id,
            categories=locked.categories,
            purpose="customer_relationship",
            details={"state": state, "channel": channel},
        )
    return locked


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeRow:
    """An open notice as the privacy office's list shows it: no value of the
    person's, only the link to the person's page."""

    notice: RecipientNotice
    person_id: Any
    case_ref: str
    cause: str
    fields: list[str]


def rectifications_for_case(
    person_ids: list[Any], case_ref: str
) -> list[Rectification]:
    """The rectifications made under the request ``case_ref`` for these
    persons, oldest first (a rights-request case confirms its own)."""
    return list(
        Rectification.objects.filter(
            person_id__in=person_ids, case_ref=case_ref
        ).order_by("made_at", "pk")
    )


def rectifications_of(person: Person) -> list[Rectification]:
    """The person's rectifications, newest first, with their notices."""
    return list(Rectification.objects.filter(person=person).prefetch_related("notices"))


def open_notices(*, limit: int = 200) -> list[NoticeRow]:
    """Notices still to be done (rectifications, erasures, restrictions),
    oldest first."""
    rows = (
        RecipientNotice.objects.filter(state=NoticeState.OPEN)
        .select_related("rectification")
        .order_by("created_at", "recipient")[:limit]
    )
    return [
        NoticeRow(
            notice=n,
            person_id=n.person_id,
            case_ref=n.case_ref
            or (n.rectification.case_ref if n.rectification else ""),
            cause=n.cause,
            fields=list(n.rectification.fields) if n.rectification else [],
        )
        for n in rows
    ]


def notice_get(notice_id: Any) -> RecipientNotice:
    found = (
        RecipientNotice.objects.select_related("rectification")
        .filter(pk=notice_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such notice."))
    return found


# --------------------------------------------------------------------------
# The person's rectifications in the access export and the erasure plan
# --------------------------------------------------------------------------

_MODELS: tuple[type, ...] = (Rectification, RecipientNotice)


def _rows(model: type, person: Any):
    if model is Rectification:
        return Rectification.objects.filter(person=person).order_by("made_at")
    return RecipientNotice.objects.filter(person=person).order_by(
        "created_at", "recipient"
    )


def _context(row: Any) -> dict[str, Any]:
    if isinstance(row, Rectification):
        return {
            "case_ref": row.case_ref,
            "fields": list(row.fields),
            "categories": list(row.categories),
        }
    # Art. 19: the person may be told who the recipients were.
    return {
        "cause": row.cause,
        "rectification": str(row.rectification_id) if row.rectification_id else None,
        "recipient": row.recipient,
        "categories": list(row.categories),
        "channel": row.channel,
    }


def rectifications_scope(person: Any) -> dict[str, tuple[str, ...]]:
    return {
        m._meta.label: tuple(e.field_name for e in subject_fields(m))
        for m in _MODELS
        if _rows(m, person).exists()
    }


def rectifications_export(person: Any) -> list[Record]:
    records = []
    for model in _MODELS:
        names = [e.field_name for e in subject_fields(model)]
        for row in _rows(model, person):
            records.append(
                Record(
                    model=model._meta.label,
                    id=str(row.pk),
                    values={n: getattr(row, n) for n in names},
                    context=_context(row),
                )
            )
    return records


_KEPT_NOTE = (
    "the record of how the person's rectification, erasure or restriction was "
    "honoured and which recipients were told of it (GDPR Art. 5(2), 19)"
)


def rectifications_plan(person: Any) -> list[PlanItem]:
    items = []
    for model in _MODELS:
        count = _rows(model, person).count()
        if count:
            items.append(
                PlanItem(
                    model=model._meta.label,
                    count=count,
                    fate="kept",
                    fields=tuple(e.field_name for e in subject_fields(model)),
                    ground="privacy_case",
                    retention="privacy_case",
                    note=_KEPT_NOTE,
                )
            )
    return items


# Many persons at once (a batch erasure): one grouped count per model.
_PERSON_PATH = {Rectification: "person_id", RecipientNotice: "person_id"}


def _counts_many(persons: list[Any]) -> dict[Any, dict[type, int]]:
    """Person id → rows per model. The scope asks it and the plan asks it
    again: inside a batch (``participants.batch_scope``) it is read once."""
    ids = [p.pk for p in persons]
    key = ("rights.rectifications", participants.ids_key(ids))
    return participants.memo(key, lambda: _read_counts_many(ids))


def _read_counts_many(ids: list[Any]) -> dict[Any, dict[type, int]]:
    """One query per chunk: each model's grouped count, tagged with the
    model's place in ``_MODELS``, in a UNION."""
    out: dict[Any, dict[type, int]] = {pid: {} for pid in ids}
    for chunk in idlist.chunks(ids):
        # Compiled once per process (core/compiled.py): every erasure's
        # plan asks it.
        for pid, n, k in compiled.among_rows(
            "rights.rectification.counts", _counts_union, chunk, model=_MODELS[0]
        ):
            out[pid][_MODELS[k]] = n
    return out


def _counts_union(ids: list[Any]) -> Any:
    parts = [
        model.objects.filter(idlist.among(_PERSON_PATH[model], ids))
        .order_by()
        .values_list(_PERSON_PATH[model])
        .annotate(n=Count("pk"), kind=Value(k, output_field=IntegerField()))
        for k, model in enumerate(_MODELS)
    ]
    return parts[0].union(*parts[1:], all=True)


def rectifications_scope_many(persons: list[Any]) -> dict[Any, dict]:
    return {
        pid: {
            m._meta.label: tuple(e.field_name for e in subject_fields(m))
            for m in _MODELS
            if counts.get(m)
        }
        for pid, counts in _counts_many(persons).items()
    }


def rectifications_plan_many(persons: list[Any]) -> dict[Any, list[PlanItem]]:
    return {
        pid: [
            PlanItem(
                model=m._meta.label,
                count=counts[m],
                fate="kept",
                fields=tuple(e.field_name for e in subject_fields(m)),
                ground="privacy_case",
                retention="privacy_case",
                note=_KEPT_NOTE,
            )
            for m in _MODELS
            if counts.get(m)
        ]
        for pid, counts in _counts_many(persons).items()
    }


PARTICIPANT = Participant(
    name="rights.rectifications",
    covers=tuple(m._meta.label for m in _MODELS),
    scope=rectifications_scope,
    export=rectifications_export,
    plan=rectifications_plan,
    scope_many=rectifications_scope_many,
    plan_many=rectifications_plan_many,
)
