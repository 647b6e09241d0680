"""The invoice run: many invoices issued at once (month-end billing).

Same rules as :func:`rekisteri.billing.services.invoice_create` followed by
:func:`~rekisteri.billing.services.invoice_issue`, validated for every item
before anything is written (errors are keyed ``items.<i>.<field>``), then
written in batches: per batch one transaction that reserves consecutive
numbers from the gapless series, inserts the invoices as drafts and their
lines in bulk, and flips them to issued with one UPDATE (the voucher triggers
allow that: the rows are still drafts). Every invoice gets its own audit
event, as if issued one by one. A batch that fails rolls back with its
numbers, so the series stays gapless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import PERSON, write_service
from rekisteri.audit.services import audit_record
from rekisteri.billing.choices import PURPOSE, InvoiceState
from rekisteri.billing.cleaning import check_date_field
from rekisteri.billing.contacts import snapshot_contact, snapshot_parties
from rekisteri.billing.finvoice_rules import finvoice_problems
from rekisteri.billing.models import Invoice, InvoiceLine, InvoiceSeries
from rekisteri.billing.seller import require_seller
from rekisteri.billing.services import (
    CONTACT_CATEGORIES,
    CONTACT_FIELDS,
    INVOICE_NUMBER_START,
    INVOICE_SERIES,
    authorize_invoice,
    invoice_reference,
)
from rekisteri.billing.totals import LineData, clean_lines, compute_totals
from rekisteri.billing.vat import vat_rates_on
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import FieldErrors
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import Organization, Person, Role

BATCH_SIZE = 250


@dataclass
class RunItem:
    """One invoice of a run."""

    organization: Organization
    billing_contact: Person
    lines: list[dict[str, Any]]
    buyer_reference: str = ""
    contract: Any = None
    clean: list[LineData] = field(default_factory=list, repr=False)


def _chunks(items: list[RunItem], size: int) -> Iterator[list[RunItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _reserve_numbers(count: int) -> int:
    """Reserve ``count`` consecutive numbers in the caller's transaction."""
    series = InvoiceSeries.objects.select_for_update().filter(name=INVOICE_SERIES)
    row = series.first()
    if row is None:
        InvoiceSeries.objects.get_or_create(
            name=INVOICE_SERIES, defaults={"next_number": INVOICE_NUMBER_START}
        )
        row = series.get()
    first = row.next_number
    InvoiceSeries.objects.filter(name=INVOICE_SERIES).update(next_number=first + count)
    return first


def _validate(items: list[RunItem], on: dt.date, seller: Any) -> None:
    errors = FieldErrors()
    today = timezone.localdate()
    org_ids = {it.organization.pk for it in items}
    person_ids = {it.billing_contact.pk for it in items}
    contacts = set(
        Role.objects.current(on=today)
        .filter(
            kind=RoleKind.BILLING_CONTACT,
            organization_id__in=org_ids,
            person_id__in=person_ids,
        )
        .values_list("organization_id", "person_id")
    )
    erased = keyring.destroyed_subjects(person_ids, KeyClass.CRM)
    codes = {str(line.get("vat_code") or "") for it in items for line in it.lines}
    rates = vat_rates_on(codes, on)
    if not items:
        errors.add("items", "no_items", _("An invoice run needs at least one invoice."))
    for i, item in enumerate(items):
        own = FieldErrors()
        item.clean = clean_lines(own, item.lines, on=on, credit=False, rates=rates)
        org, person = item.organization, item.billing_contact
        if (org.pk, person.pk) not in contacts:
            own.add(
                "billing_contact",
                "not_billing_contact",
                _("This person is not a billing contact of the organization."),
            )
        elif person.pk in erased:
            own.add(
                "billing_contact",
                "contact_erased",
                _("This person's data has been erased; choose another contact."),
            )
        if not (org.postal_street and org.postal_postal_code and org.postal_city):
            own.add(
                "organization",
                "buyer_address_missing",
                _("The organization has no postal address; add it before issuing."),
            )
        if not own.fields:
            # What Finvoice cannot carry is refused before any number is used.
            probe = Invoice(organization=org)
            snapshot_contact(probe, person)
            snapshot_parties(probe, seller)
            for field, message in finvoice_problems(probe):
                own.add(field, "finvoice_length", message)
        if item.contract is not None and item.contract.organization_id != org.pk:
            own.add(
                "contract",
                "contract_other_organization",
                _("The contract belongs to another organization."),
            )
        for name, errs in own.fields.items():
            for code, message in errs:
                errors.add(f"items.{i}.{name}", code, message)
    errors.raise_if_any()


@write_service(subject=PERSON)
def invoice_run(
    *,
    actor: Any,
    items: Iterable[RunItem],
    invoice_date: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[Invoice]:
    """Issue one invoice per item, dated ``invoice_date`` (today), due after
    the seller's payment terms. All items are validated first; nothing is
    written if any is invalid."""
    items = list(items)
    seller = require_seller()
    if invoice_date is not None:
        check_date_field("invoice_date", invoice_date)
    on = invoice_date or timezone.localdate()
    actor_row = actor if getattr(actor, "pk", None) else None
    issued: list[Invoice] = []
    with keyring.ensure_scope():
        keyring.prefetch({it.billing_contact.pk for it in items}, KeyClass.CRM)
        keyring.prefetch({it.billing_contact.pk for it in items}, KeyClass.BOOKKEEPING)
        _validate(items, on, seller)
        authorize_invoice(
            actor=actor,
            person_ids=sorted({it.billing_contact.pk for it in items}, key=str),
            operation="invoice.issue",
        )
        due = on + dt.timedelta(days=seller.payment_terms_days)
        for batch in _chunks(items, batch_size):
            issued.extend(
                _write_batch(batch, seller=seller, on=on, due=due, actor=actor_row)
            )
    return issued


def _write_batch(
    batch: list[RunItem], *, seller: Any, on: dt.date, due: dt.date, actor: Any
) -> list[Invoice]:
    with transaction.atomic():
        first = _reserve_numbers(len(batch))
        invoices, lines = [], []
        for item in batch:
            invoice = Invoice(
                organization=item.organization,
                contract=item.contract,
                invoice_date=on,
                due_date=due,
                payment_terms_days=seller.payment_terms_days,
                buyer_reference=item.buyer_reference,
                created_by=actor,
            )
            snapshot_contact(invoice, item.billing_contact)
            snapshot_parties(invoice, seller)
            totals = compute_totals(item.clean)
            invoice.total_net, invoice.total_vat, invoice.total_gross = (
                totals.net,
                totals.vat,
                totals.gross,
            )
            invoices.append(invoice)
            own = [
                InvoiceLine(
                    invoice=invoice,
                    position=n,
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    vat_code=line.vat_code,
                    vat_rate=line.vat_rate,
                    vat_category=line.vat_category,
                    net_amount=line.net_amount,
                )
                for n, line in enumerate(item.clean, start=1)
            ]
            # The caller (an export right after the run) reads them without
            # a query per invoice.
            invoice._prefetched_objects_cache = {"lines": own}
            lines.extend(own)
        Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create(lines)
        now = timezone.now()
        for offset, invoice in enumerate(invoices):
            invoice.number = first + offset
            invoice.reference = invoice_reference(
                invoice.buyer_customer_number, invoice.number
            )
            invoice.state = InvoiceState.ISSUED
            invoice.issued_at = now
            invoice.issued_by = actor
        Invoice.objects.bulk_update(
            invoices, ["number", "reference", "state", "issued_at", "issued_by"]
        )
        for invoice in invoices:
            audit_record(
                actor=actor,
                action="invoice.issue",
                target_type="invoice",
                target_id=invoice.pk,
                subject_id=invoice.billing_contact_id,
                fields=CONTACT_FIELDS,
                categories=CONTACT_CATEGORIES,
                purpose=PURPOSE,
                details={"number": invoice.number, "run": True},
            )
    return invoices
