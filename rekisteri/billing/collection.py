"""Overdue handling: payment reminders, penalty interest and collection cases.

Penalty interest runs per day from the day after the due date:
``outstanding × rate % × days / 365``, computed with Decimal and rounded to
cents (half up) once, at the end. The rate and the reminder fee come from the
seller settings at the time of the reminder and are stored on it.

An open collection case (open or at an agency) is a legal hold on the
billing contact's data (rekisteri.core.holds): erasure is refused, naming it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import ORGANIZATION, authorize_write, write_service
from rekisteri.audit.services import audit_record
from rekisteri.billing.choices import CollectionStatus, InvoiceState
from rekisteri.billing.models import (
    CollectionAgency,
    CollectionCase,
    Invoice,
    Reminder,
)
from rekisteri.billing.payments import balance_of
from rekisteri.billing.seller import require_seller
from rekisteri.billing.totals import money
from rekisteri.core import compiled, formats, idlist
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed
from rekisteri.core.holds import Hold

REMINDER_TERMS_DAYS = 14
DAYS_IN_YEAR = Decimal(365)
PURPOSE = "collection"
# EU member states, Iceland, Liechtenstein and Norway; Åland is Finland.
EEA = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR"),
        *("HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO"),
        *("SE", "SI", "SK", "IS", "LI", "NO", "AX"),
    }
)


def penalty_interest(
    outstanding: Decimal, rate_percent: Decimal, due_date: dt.date, on: dt.date
) -> Decimal:
    """Interest on ``outstanding`` from the day after ``due_date`` to ``on``."""
    days = (on - due_date).days
    if days <= 0 or outstanding <= 0:
        return Decimal("0.00")
    return money(outstanding * rate_percent / 100 * days / DAYS_IN_YEAR)


def _overdue(invoice: Invoice, on: dt.date) -> Decimal:
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        raise Conflict(
            _("Only an issued invoice can be reminded or collected."),
            code="not_collectable",
        )
    outstanding = balance_of(invoice).outstanding
    if outstanding <= 0:
        raise Conflict(_("The invoice has nothing left to pay."), code="nothing_due")
    if on <= invoice.due_date:
        raise Conflict(_("The invoice is not overdue yet."), code="not_overdue")
    return outstanding


# Reminders and collection write the customer's debt, no data of the billing
# contact: a restriction of the contact's processing does not stop them (the
# claim is the exception of Art. 18(2)); the matrix's "financial" does.
@write_service(subject=ORGANIZATION)
def reminder_create(
    *, actor: Any, invoice: Invoice, on: dt.date | None = None
) -> Reminder:
    """Send a payment reminder (maksumuistutus): the outstanding amount, the
    seller's reminder fee and penalty interest to ``on``, and a new due date
    14 days later. A further reminder waits for the previous one's due date."""
    on = on or timezone.localdate()
    seller = require_seller()
    _authorize(actor, "reminder.create")
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        outstanding = _overdue(invoice, on)
        last = invoice.reminders.order_by("-sequence").first()
        if last is not None and on <= last.new_due_date:
            raise Conflict(
                _("The previous reminder is not due yet."), code="reminder_not_due"
            )
        reminder = Reminder.objects.create(
            invoice=invoice,
            sequence=(last.sequence + 1) if last else 1,
            sent_on=on,
            new_due_date=on + dt.timedelta(days=REMINDER_TERMS_DAYS),
            outstanding=outstanding,
            fee=seller.reminder_fee,
            interest_rate=seller.penalty_interest_rate,
            interest=penalty_interest(
                outstanding, seller.penalty_interest_rate, invoice.due_date, on
            ),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="reminder.create",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=invoice.billing_contact_id,
            purpose=PURPOSE,
            details={"sequence": reminder.sequence},
        )
    return reminder


def _authorize(actor: Any, operation: str) -> None:
    authorize_write(actor=actor, families=("financial",), operation=operation)


@write_service(subject=ORGANIZATION)
def collection_case_open(
    *, actor: Any, invoice: Invoice, on: dt.date | None = None
) -> CollectionCase:
    """Open debt collection (perintä) of an overdue invoice that has been
    reminded at least once. One open case per invoice."""
    on = on or timezone.localdate()
    _authorize(actor, "collection.open")
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        _overdue(invoice, on)
        if not invoice.reminders.exists():
            raise Conflict(
                _("Send a payment reminder before opening collection."),
                code="no_reminder",
            )
        if invoice.collection_cases.filter(
            status__in=CollectionStatus.holding()
        ).exists():
            raise Conflict(
                _("The invoice already has an open collection case."),
                code="case_open",
            )
        try:
            with transaction.atomic():
                case = CollectionCase.objects.create(
                    invoice=invoice,
                    opened_on=on,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            raise Conflict(
                _("The invoice already has an open collection case."),
                code="case_open",
            ) from None
        audit_record(
            actor=actor,
            action="collection.open",
            target_type="collection_case",
            target_id=case.pk,
            subject_id=invoice.billing_contact_id,
            purpose=PURPOSE,
        )
    return case


@write_service(subject=ORGANIZATION)
def collection_case_hand_over(
    *,
    actor: Any,
    case: CollectionCase,
    agency_name: str,
    agency_business_id: str = "",
    agency_country: str = "FI",
    on: dt.date | None = None,
) -> CollectionCase:
    """Hand an open case to a collection agency, recorded as a recipient of
    the invoicing data. An agency outside the EU/EEA is refused: the privacy
    notice promises no transfers outside it."""
    errors = FieldErrors()
    try:
        name = formats.clean_text(agency_name, max_length=200)
    except formats.FormatError as exc:
        errors.add("agency_name", exc.code, exc.message)
        name = ""
    if not name and "agency_name" not in errors.fields:
        errors.add("agency_name", "required", _("This field is required."))
    country = ""
    try:
        country = formats.normalise_country(agency_country)
    except formats.FormatError as exc:
        errors.add("agency_country", exc.code, exc.message)
    else:
        if country not in EEA:
            errors.add(
                "agency_country",
                "outside_eea",
                _(
                    "The agency is outside the EU/EEA; invoicing data is not "
                    "transferred there."
                ),
            )
    business_id = ""
    if agency_business_id and country in ("FI", "AX"):
        try:
            business_id = formats.normalise_business_id(agency_business_id)
        except formats.FormatError as exc:
            errors.add("agency_business_id", exc.code, exc.message)
    elif agency_business_id:
        business_id = agency_business_id.strip()[:20]
    errors.raise_if_any()
    if case.status != CollectionStatus.OPEN:
        raise Conflict(
            _("Only an open case can be handed to an agency."), code="case_not_open"
        )
    _authorize(actor, "collection.hand_over")
    with transaction.atomic():
        agency = (
            CollectionAgency.objects.filter(
                business_id=business_id, country=country
            ).first()
            if business_id
            else None
        ) or CollectionAgency.objects.create(
            name=name, business_id=business_id, country=country
        )
        case.agency = agency
        case.status = CollectionStatus.AT_AGENCY
        case.handed_over_on = on or timezone.localdate()
        case.save(update_fields=["agency", "status", "handed_over_on"])
        audit_record(
            actor=actor,
            action="collection.hand_over",
            target_type="collection_case",
            target_id=case.pk,
            subject_id=case.invoice.billing_contact_id,
            purpose=PURPOSE,
            details={"agency": str(agency.pk)},
        )
    return case


@write_service(subject=ORGANIZATION)
def collection_case_close(
    *, actor: Any, case: CollectionCase, status: str, on: dt.date | None = None
) -> CollectionCase:
    """Close a case as paid or cancelled; the legal hold ends with it."""
    if status not in (CollectionStatus.PAID, CollectionStatus.CANCELLED):
        raise ValidationFailed.single(
            "status", "invalid_choice", _("Choose paid or cancelled.")
        )
    if case.status not in CollectionStatus.holding():
        raise Conflict(_("The case is already closed."), code="case_closed")
    _authorize(actor, "collection.close")
    with transaction.atomic():
        case.status = status
        case.closed_on = on or timezone.localdate()
        case.save(update_fields=["status", "closed_on"])
        audit_record(
            actor=actor,
            action="collection.close",
            target_type="collection_case",
            target_id=case.pk,
            subject_id=case.invoice.billing_contact_id,
            purpose=PURPOSE,
            details={"status": status},
        )
    return case


def _collection_hold() -> Hold:
    return Hold(
        code="collection_case_open",
        message=_("Open collection case: the invoicing data is kept."),
    )


def collection_holds(person_id: uuid.UUID) -> list[Hold]:
    """Legal holds from open collection cases of invoices naming the person."""
    return collection_holds_bulk([person_id]).get(person_id, [])


def collection_holds_bulk(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Hold]]:
    """:func:`collection_holds` for many persons, one query per chunk
    (``core.idlist``)."""
    held: set[uuid.UUID] = set()
    for chunk in idlist.chunks(person_ids):
        # Compiled once per process (core/compiled.py): every erasure asks.
        held.update(
            pid
            for (pid,) in compiled.among_rows(
                "billing.collection.holds",
                lambda keys: (
                    CollectionCase.objects.filter(
                        idlist.among("invoice__billing_contact_id", keys),
                        status__in=CollectionStatus.holding(),
                    )
                    .order_by()
                    .values_list("invoice__billing_contact_id")
                    .distinct()
                ),
                chunk,
                model=CollectionCase,
            )
        )
    return {pid: [_collection_hold()] for pid in held}
