"""The breach register's services (GDPR Art. 33 and 34).

The 72-hour clock to the authority runs from discovery. The people affected
can be derived from the audit log: the distinct data subjects of events by
one account in a time window (for example everyone a stolen account viewed).
Only the count is stored on the breach; the list is computed again when the
privacy officer exports it, from the append-only log, and the export itself
is audited per person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record
from rekisteri.core.errors import FieldErrors, ValidationFailed

# The clock is read where breaches are listed; callers keep their old path.
from rekisteri.privacy.clock import DUE_SOON, clock_state  # noqa: F401
from rekisteri.privacy.models import BREACH_DEADLINE, Breach
from rekisteri.privacy.services import audited_update
from rekisteri.privacy.validation import categories, long_text, short
from rekisteri.registry.models import Person

BREACH_FIELDS = (
    "title",
    "discovered_at",
    "occurred_at",
    "description",
    "data_categories",
    "people_approx",
    "records_approx",
    "consequences",
    "measures",
    "authority_notified_at",
    "authority_reference",
    "authority_not_required_reason",
    "delay_reason",
    "people_notified_at",
    "people_not_notified_reason",
)


def _count(e: FieldErrors, field: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
        if n < 0:
            raise ValueError
    except (TypeError, ValueError):
        e.add(field, "count_invalid", _("Enter a whole number, zero or more."))
        return None
    return n


def _clean_breach(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    e = FieldErrors()
    out: dict[str, Any] = {
        "title": short(e, "title", data.get("title"), required=True),
        "description": long_text(
            e, "description", data.get("description"), required=True
        ),
        "consequences": long_text(e, "consequences", data.get("consequences")),
        "measures": long_text(e, "measures", data.get("measures")),
        "authority_reference": short(
            e, "authority_reference", data.get("authority_reference"), max_length=100
        ),
        "authority_not_required_reason": long_text(
            e,
            "authority_not_required_reason",
            data.get("authority_not_required_reason"),
        ),
        "delay_reason": long_text(e, "delay_reason", data.get("delay_reason")),
        "people_not_notified_reason": long_text(
            e, "people_not_notified_reason", data.get("people_not_notified_reason")
        ),
        "people_approx": _count(e, "people_approx", data.get("people_approx")),
        "records_approx": _count(e, "records_approx", data.get("records_approx")),
        "data_categories": categories(
            e, "data_categories", data.get("data_categories")
        ),
    }
    for name in (
        "discovered_at",
        "occurred_at",
        "authority_notified_at",
        "people_notified_at",
    ):
        value = data.get(name)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value is not None and value > now + dt.timedelta(minutes=5):
            e.add(name, "date_future", _("This time is in the future."))
        out[name] = value
    discovered = out["discovered_at"]
    if discovered is None:
        e.add(
            "discovered_at",
            "required",
            _("The discovery time is required: the 72-hour clock runs from it."),
        )
    else:
        if out["occurred_at"] and out["occurred_at"] > discovered:
            e.add(
                "occurred_at",
                "date_order",
                _("A breach cannot occur after it was discovered."),
            )
        for name in ("authority_notified_at", "people_notified_at"):
            if out[name] and out[name] < discovered:
                e.add(
                    name,
                    "date_order",
                    _("A notification cannot be before the breach was discovered."),
                )
        notified = out["authority_notified_at"]
        if (
            notified
            and notified > discovered + BREACH_DEADLINE
            and not out["delay_reason"]
        ):
            e.add(
                "delay_reason",
                "delay_reason_required",
                _(
                    "The authority was notified after 72 hours: Art. 33(1) "
                    "requires the reasons for the delay."
                ),
            )
    if out["authority_notified_at"] and out["authority_not_required_reason"]:
        e.add(
            "authority_not_required_reason",
            "contradiction",
            _("The authority was notified; remove the reason for not notifying."),
        )
    if out["people_notified_at"] and out["people_not_notified_reason"]:
        e.add(
            "people_not_notified_reason",
            "contradiction",
            _("The people were notified; remove the reason for not notifying."),
        )
    e.raise_if_any()
    return out


def breach_create(
    *,
    actor: Any,
    data: dict[str, Any],
    now: dt.datetime | None = None,
    request: Any = None,
) -> Breach:
    """Record a breach. The discovery time is required: the clock runs from it."""
    cleaned = _clean_breach(data, now or timezone.now())
    with transaction.atomic():
        breach = Breach.objects.create(
            **cleaned, recorded_by=actor if getattr(actor, "pk", None) else None
        )
        audit_record(
            actor=actor,
            action="breach.create",
            target_type="privacy.Breach",
            target_id=breach.pk,
            fields=[k for k, v in cleaned.items() if v not in (None, "", [])],
            purpose="accountability",
            request=request,
        )
    return breach


def breach_update(
    *,
    actor: Any,
    breach: Breach,
    data: dict[str, Any],
    now: dt.datetime | None = None,
    request: Any = None,
) -> Breach:
    """Change a breach record: notifications, measures, numbers."""
    cleaned = _clean_breach(data, now or timezone.now())
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        audited_update(
            breach, cleaned, actor=actor, action="breach.update", request=request
        )
    return breach


# --------------------------------------------------------------------------
# People affected, from the audit log
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AffectedWindow:
    account_id: int
    start: dt.datetime
    end: dt.datetime


def affected_subject_ids(window: AffectedWindow) -> Iterator[uuid.UUID]:
    """Distinct data subjects of the account's audit events in the window."""
    yield from (
        AuditEvent.objects.filter(
            actor_id=window.account_id,
            at__gte=window.start,
            at__lt=window.end,
            subject_id__isnull=False,
        )
        .order_by("subject_id")
        .values_list("subject_id", flat=True)
        .distinct()
        .iterator(chunk_size=2000)
    )


def breach_affected_compute(
    *,
    actor: Any,
    breach: Breach,
    account_id: int | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    request: Any = None,
) -> Breach:
    """Count the people an account's events touched in a window; store the count."""
    e = FieldErrors()
    account = None
    if account_id is None:
        e.add("account", "required", _("Choose the account."))
    else:
        account = get_user_model().objects.filter(pk=account_id).first()
        if account is None:
            e.add("account", "account_unknown", _("No such account."))
    if start is None:
        e.add("start", "required", _("This field is required."))
    if end is None:
        e.add("end", "required", _("This field is required."))
    if start and end and end <= start:
        e.add("end", "date_order", _("The window must end after it starts."))
    e.raise_if_any()
    assert account is not None and start is not None and end is not None
    window = AffectedWindow(account.pk, start, end)
    count = sum(1 for _s in affected_subject_ids(window))
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        breach.affected_account = account
        breach.affected_from = start
        breach.affected_until = end
        breach.affected_count = count
        breach.affected_computed_at = timezone.now()
        breach.save()
        audit_record(
            actor=actor,
            action="breach.affected_compute",
            target_type="privacy.Breach",
            target_id=breach.pk,
            fields=[
                "affected_account",
                "affected_from",
                "affected_until",
                "affected_count",
            ],
            purpose="accountability",
            details={"count": count},
            request=request,
        )
    return breach


@dataclass(frozen=True)
class AffectedPerson:
    person_id: uuid.UUID
    name: str
    email: str
    exists: bool


def breach_affected_export(
    *, actor: Any, breach: Breach, request: Any = None
) -> list[AffectedPerson]:
    """The people affected, with a name and email to notify them (Art. 34).

    Each person shown is audited as a view by the privacy officer, under the
    purpose ``breach_notification``; an erased person appears by id only.
    """
    if breach.affected_account_id is None or breach.affected_from is None:
        raise ValidationFailed.single(
            "account",
            "not_computed",
            _("Compute the people affected first."),
        )
    window = AffectedWindow(
        breach.affected_account_id, breach.affected_from, breach.affected_until
    )
    ids = list(affected_subject_ids(window))
    people = {
        p.pk: p for p in Person.objects.filter(pk__in=ids).prefetch_related("emails")
    }
    result = []
    with transaction.atomic():
        for pid in ids:
            person = people.get(pid)
            if person is None:
                result.append(AffectedPerson(pid, "", "", False))
                continue
            emails = list(person.emails.all())
            result.append(
                AffectedPerson(
                    pid, person.full_name, emails[0].email if emails else "", True
                )
            )
            audit_record(
                actor=actor,
                action="breach.affected_export",
                target_type="privacy.Breach",
                target_id=breach.pk,
                subject_id=pid,
                fields=["first_name", "last_name", "email"],
                categories=["user.name", "user.contact.email"],
                purpose="breach_notification",
                request=request,
            )
    return result
