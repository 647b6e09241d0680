"""Writes of invoicing: drafts, issuing and credit notes.

The pieces they are made of have their own modules: ``vat`` (rates by code
and date), ``seller`` (the seller settings and their service), ``totals``
(lines, money and the rounding below), ``contacts`` (the billing contact and
the parties' copies on an invoice) and ``cleaning`` (shared field checks).

Every service is keyword-only, takes the acting staff user, validates
everything first (all field errors at once), writes in one transaction and
records an audit event. Issued invoices are vouchers: services refuse to
change them and the database refuses too (migration 0003).

Rounding (docs/billing.md): each line's net amount is quantity × unit price
rounded to cents; VAT is computed once per VAT rate on the sum of that rate's
line nets and rounded to cents; all rounding is ROUND_HALF_UP.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.billing.choices import PURPOSE, InvoiceKind, InvoiceState, VatCategory
from rekisteri.billing.cleaning import (
    check_date_field,
    clean_decimal,
    clean_field,
    clean_text_field,
)
from rekisteri.billing.contacts import (
    check_contact,
    clean_typed_contact,
    create_typed_contact,
    snapshot_contact,
    snapshot_parties,
)
from rekisteri.billing.finvoice_rules import finvoice_problems
from rekisteri.billing.models import (
    Invoice,
    InvoiceSeries,
    SellerSettings,
)
from rekisteri.billing.seller import require_seller, seller_get
from rekisteri.billing.totals import LineData, clean_lines, compute_totals, write_lines
from rekisteri.billing.vat import UNKNOWN_RATE, vat_rates_on
from rekisteri.core import formats, keyring, validation
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.registry.models import Organization, Person

INVOICE_SERIES = "invoice"
INVOICE_NUMBER_START = 1000
# The invoice number's width inside the reference: a fixed width keeps
# references unique whatever the customer number's length.
REFERENCE_NUMBER_WIDTH = 8
CONTACT_FIELDS = [
    "contact_name",
    "contact_street",
    "contact_postal_code",
    "contact_city",
    "contact_country",
]
CONTACT_CATEGORIES = ["user.name", "user.contact.address"]
# What writing an invoice touches in the need-to-know matrix: the billing
# contact's snapshot and the invoicing data itself.
INVOICE_FAMILIES = (*CONTACT_CATEGORIES, "financial")


@not_a_write_service("the enforcement call of the invoicing services")
def authorize_invoice(
    *, actor: Any, person_ids: Any, operation: str, families: Any = INVOICE_FAMILIES
) -> None:
    """The enforcement point for invoicing writes (before anything is written)."""
    authorize_write(
        actor=actor,
        person_ids=[p for p in person_ids if p is not None],
        families=families,
        operation=operation,
    )


# --------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------


def _clean_dates(
    errors: FieldErrors,
    invoice_date: dt.date | None,
    due_date: dt.date | None,
    payment_terms_days: Any,
) -> int | None:
    terms = clean_decimal(
        errors,
        "payment_terms_days",
        payment_terms_days,
        places=0,
        maximum=Decimal(365),
    )
    for name, value in (("invoice_date", invoice_date), ("due_date", due_date)):
        if value is not None:
            clean_field(errors, name, validation.check_date, value)
    if (
        not errors.fields.keys() & {"invoice_date", "due_date"}
        and isinstance(invoice_date, dt.date)
        and isinstance(due_date, dt.date)
        and due_date < invoice_date
    ):
        errors.add(
            "due_date",
            "due_before_invoice_date",
            _("The due date is before the invoice date."),
        )
    return int(terms) if terms is not None else None


_EINVOICE_ID = re.compile(r"[0-9A-Z]{2,35}")


def _clean_einvoice(errors: FieldErrors, address: Any, operator: Any) -> dict:
    """The buyer's e-invoice address (OVT such as 003712345671, or an IBAN)
    and operator code (OVT or BIC): both or neither, 2–35 letters and digits
    (spaces and hyphens dropped)."""
    out = {}
    for field, value in (
        ("einvoice_address", address),
        ("einvoice_operator", operator),
    ):
        compact = re.sub(r"[\s-]", "", str(value or "")).upper()
        if compact and not _EINVOICE_ID.fullmatch(compact):
            errors.add(
                field,
                "einvoice_invalid",
                _("Enter 2 to 35 letters A–Z and digits 0–9."),
            )
        out[field] = compact
    if bool(out["einvoice_address"]) != bool(out["einvoice_operator"]):
        missing = "einvoice_operator" if out["einvoice_address"] else "einvoice_address"
        errors.add(
            missing,
            "einvoice_incomplete",
            _("Give both the e-invoice address and the operator, or neither."),
        )
    return out


def _draft_values(
    *,
    organization: Organization,
    lines: list[dict[str, Any]],
    billing_contact: Person | None,
    contact: dict[str, Any] | None,
    invoice_date: dt.date | None,
    due_date: dt.date | None,
    payment_terms_days: Any,
    buyer_reference: str,
    notes: str,
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> tuple[dict, list[LineData], dict | None]:
    errors = FieldErrors()
    if contract is not None and contract.organization_id != organization.pk:
        errors.add(
            "contract",
            "contract_other_organization",
            _("The contract belongs to another organization."),
        )
    seller = seller_get()
    if payment_terms_days is None:
        payment_terms_days = seller.payment_terms_days if seller else 14
    terms = _clean_dates(errors, invoice_date, due_date, payment_terms_days)
    on = invoice_date if isinstance(invoice_date, dt.date) else timezone.localdate()
    cleaned = clean_lines(errors, lines, on=on, credit=False)
    typed = None
    if billing_contact is None and contact:
        typed = clean_typed_contact(errors, contact)
    elif billing_contact is None:
        errors.add(
            "billing_contact",
            "required",
            _("Choose the billing contact or type one in."),
        )
    check_contact(errors, organization, billing_contact)
    values = {
        "invoice_date": invoice_date,
        "due_date": due_date,
        "payment_terms_days": terms,
        "buyer_reference": clean_text_field(
            errors, "buyer_reference", buyer_reference, max_length=70, required=False
        ),
        "notes": clean_text_field(
            errors, "notes", notes, max_length=500, required=False
        ),
        "contract": contract,
        **_clean_einvoice(errors, einvoice_address, einvoice_operator),
    }
    errors.raise_if_any()
    return values, cleaned, typed


@write_service(subject=PERSON)
def invoice_create(
    *,
    actor: Any,
    organization: Organization,
    lines: list[dict[str, Any]],
    billing_contact: Person | None = None,
    contact: dict[str, Any] | None = None,
    invoice_date: dt.date | None = None,
    due_date: dt.date | None = None,
    payment_terms_days: int | None = None,
    buyer_reference: str = "",
    notes: str = "",
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> Invoice:
    """A draft invoice for ``organization``. It has no number until issued.

    ``billing_contact`` is a Person with a current billing-contact role
    there; alternatively ``contact`` (first_name, last_name, street,
    postal_code, city, country) is typed in and becomes such a Person.
    ``invoice_date`` defaults to the issuing day and ``due_date`` to the
    invoice date plus ``payment_terms_days`` (the seller's default).
    ``contract``, optional, is one of the organization's contracts.
    ``einvoice_address`` and ``einvoice_operator`` (both or neither) route
    the Finvoice to the buyer's e-invoicing operator.
    """
    values, cleaned, typed = _draft_values(
        organization=organization,
        lines=lines,
        billing_contact=billing_contact,
        contact=contact,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_terms_days=payment_terms_days,
        buyer_reference=buyer_reference,
        notes=notes,
        contract=contract,
        einvoice_address=einvoice_address,
        einvoice_operator=einvoice_operator,
    )
    authorize_invoice(
        actor=actor,
        person_ids=[billing_contact.pk if billing_contact else None],
        operation="invoice.create",
    )
    with transaction.atomic():
        if typed is not None:
            billing_contact = create_typed_contact(
                actor=actor, organization=organization, data=typed
            )
        assert billing_contact is not None
        invoice = Invoice(
            organization=organization,
            created_by=actor if getattr(actor, "pk", None) else None,
            **values,
        )
        snapshot_contact(invoice, billing_contact)
        totals = compute_totals(cleaned)
        invoice.total_net, invoice.total_vat, invoice.total_gross = (
            totals.net,
            totals.vat,
            totals.gross,
        )
        invoice.save(force_insert=True)
        write_lines(invoice, cleaned)
        audit_record(
            actor=actor,
            action="invoice.create",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=billing_contact.pk,
            fields=CONTACT_FIELDS,
            categories=CONTACT_CATEGORIES,
            purpose=PURPOSE,
        )
    return invoice


def _require_draft(invoice: Invoice, *, lock: bool = False) -> None:
    rows = Invoice.objects.filter(pk=invoice.pk)
    if lock:
        rows = rows.select_for_update()
    state = rows.values_list("state", flat=True).first()
    if state is None:
        raise NotFound()
    if state != InvoiceState.DRAFT:
        raise Conflict(
            _(
                "An issued invoice is a bookkeeping voucher and cannot be changed "
                "or deleted; correct it with a credit note."
            ),
            code="invoice_issued",
        )


@write_service(subject=PERSON)
def invoice_update(
    *,
    actor: Any,
    invoice: Invoice,
    lines: list[dict[str, Any]],
    billing_contact: Person | None = None,
    contact: dict[str, Any] | None = None,
    invoice_date: dt.date | None = None,
    due_date: dt.date | None = None,
    payment_terms_days: int | None = None,
    buyer_reference: str = "",
    notes: str = "",
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> Invoice:
    """Replace a draft's contents (same arguments as :func:`invoice_create`)."""
    _require_draft(invoice)
    values, cleaned, typed = _draft_values(
        organization=invoice.organization,
        lines=lines,
        billing_contact=billing_contact,
        contact=contact,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_terms_days=payment_terms_days,
        buyer_reference=buyer_reference,
        notes=notes,
        contract=contract,
        einvoice_address=einvoice_address,
        einvoice_operator=einvoice_operator,
    )
    authorize_invoice(
        actor=actor,
        person_ids=[
            invoice.billing_contact_id,
            billing_contact.pk if billing_contact else None,
        ],
        operation="invoice.update",
    )
    with transaction.atomic():
        if typed is not None:
            billing_contact = create_typed_contact(
                actor=actor, organization=invoice.organization, data=typed
            )
        assert billing_contact is not None
        for name, value in values.items():
            setattr(invoice, name, value)
        snapshot_contact(invoice, billing_contact)
        totals = compute_totals(cleaned)
        invoice.total_net, invoice.total_vat, invoice.total_gross = (
            totals.net,
            totals.vat,
            totals.gross,
        )
        invoice.save()
        write_lines(invoice, cleaned)
        audit_record(
            actor=actor,
            action="invoice.update",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=billing_contact.pk,
            fields=CONTACT_FIELDS,
            categories=CONTACT_CATEGORIES,
            purpose=PURPOSE,
        )
    return invoice


@write_service(subject=PERSON)
def invoice_delete(*, actor: Any, invoice: Invoice) -> None:
    """Delete a draft. Issued invoices are refused (credit them instead)."""
    _require_draft(invoice)
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="invoice.delete",
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="invoice.delete",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=invoice.billing_contact_id,
            purpose=PURPOSE,
        )
        invoice.delete()


# --------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------


def _next_number() -> int:
    """The next number of the gapless series; must run in the issuing
    transaction, which holds the series row's lock until it commits. A
    rollback returns the number with everything else."""
    series = InvoiceSeries.objects.select_for_update().filter(name=INVOICE_SERIES)
    row = series.first()
    if row is None:
        InvoiceSeries.objects.get_or_create(
            name=INVOICE_SERIES, defaults={"next_number": INVOICE_NUMBER_START}
        )
        row = series.get()
    number = row.next_number
    InvoiceSeries.objects.filter(name=INVOICE_SERIES).update(next_number=number + 1)
    return number


def invoice_reference(customer_number: str, number: int) -> str:
    """Reference number: customer number, invoice number (fixed width) and
    the 7-3-1 check digit. Unique because the invoice number is."""
    digits = "".join(ch for ch in customer_number if "0" <= ch <= "9")
    return formats.reference_from_base(f"{digits}{number:0{REFERENCE_NUMBER_WIDTH}d}")


def _issue(
    *, actor: Any, invoice: Invoice, seller: SellerSettings, on: dt.date
) -> Invoice:
    """Number, date, snapshot and freeze a validated draft (in a transaction)."""
    invoice.invoice_date = invoice.invoice_date or on
    # A draft stored before the date bounds existed is checked again: the due
    # date is computed from it.
    check_date_field("invoice_date", invoice.invoice_date)
    if invoice.due_date is not None:
        check_date_field("due_date", invoice.due_date)
    if invoice.due_date is None:
        days = 0 if invoice.is_credit_note else invoice.payment_terms_days
        invoice.due_date = invoice.invoice_date + dt.timedelta(days=days)
    if invoice.due_date < invoice.invoice_date:
        raise ValidationFailed.single(
            "due_date",
            "due_before_invoice_date",
            _("The due date is before the invoice date."),
        )
    # Rates by the invoice date, which may differ from the draft's day; a
    # credit note corrects its invoice at the invoice's rates.
    rate_date = (
        invoice.credited_invoice.invoice_date
        if invoice.is_credit_note
        else invoice.invoice_date
    )
    lines = list(invoice.lines.all())
    fresh: list[LineData] = []
    errors = FieldErrors()
    rates = vat_rates_on({line.vat_code for line in lines}, rate_date)
    for i, line in enumerate(lines):
        rate = rates.get(line.vat_code)
        if rate is None:
            errors.add(f"lines.{i}.vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
            continue
        fresh.append(
            LineData(
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                rate.code,
                rate.rate,
                rate.category,
            )
        )
    if not lines:
        errors.add("lines", "no_lines", _("An invoice needs at least one line."))
    errors.raise_if_any()
    # Rewrite the lines only when a rate changed since the draft was saved.
    if any(
        (old.vat_rate, old.vat_category) != (new.vat_rate, new.vat_category)
        for old, new in zip(lines, fresh, strict=True)
    ):
        write_lines(invoice, fresh)
    totals = compute_totals(fresh)
    invoice.total_net, invoice.total_vat, invoice.total_gross = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    snapshot_parties(invoice, seller)
    if not (invoice.buyer_street and invoice.buyer_postal_code and invoice.buyer_city):
        # The VAT Act (209 e §) requires the buyer's address on an invoice.
        raise ValidationFailed.single(
            "organization",
            "buyer_address_missing",
            _("The organization has no postal address; add it before issuing."),
        )
    if not invoice.buyer_vat_number and any(
        line.vat_category == VatCategory.REVERSE_CHARGE for line in fresh
    ):
        # Reverse charge shifts the VAT to the buyer; the invoice must name
        # the buyer's VAT number (VAT Act 209 f §, VAT Directive 226 (4)).
        raise ValidationFailed.single(
            "organization",
            "buyer_vat_missing",
            _(
                "A reverse-charge invoice needs the buyer's VAT number: add the "
                "organization's business ID or VAT number before issuing."
            ),
        )
    person = invoice.billing_contact
    # The contact as they are at issue, unless their CRM data is erased (the
    # draft's snapshot stays) or this corrects an invoice (same contact text).
    if not invoice.is_credit_note and not keyring.is_destroyed(person.pk, KeyClass.CRM):
        snapshot_contact(invoice, person)
    # What Finvoice cannot carry is refused now: the voucher cannot change.
    problems = finvoice_problems(invoice)
    if problems:
        raise ValidationFailed(
            {field: [("finvoice_length", message)] for field, message in problems}
        )
    invoice.number = _next_number()
    invoice.reference = invoice_reference(invoice.buyer_customer_number, invoice.number)
    invoice.state = InvoiceState.ISSUED
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor if getattr(actor, "pk", None) else None
    invoice.save()
    audit_record(
        actor=actor,
        action="credit_note.issue" if invoice.is_credit_note else "invoice.issue",
        target_type="invoice",
        target_id=invoice.pk,
        subject_id=invoice.billing_contact_id,
        fields=CONTACT_FIELDS,
        categories=CONTACT_CATEGORIES,
        purpose=PURPOSE,
        details={"number": invoice.number},
    )
    return invoice


@write_service(subject=PERSON)
def invoice_issue(
    *, actor: Any, invoice: Invoice, invoice_date: dt.date | None = None
) -> Invoice:
    """Issue a draft: the next number of the gapless series, the reference
    number, the invoice and due dates, the seller and buyer as they are now.
    The invoice cannot be changed afterwards."""
    seller = require_seller()
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="invoice.issue",
    )
    if invoice_date is not None:
        check_date_field("invoice_date", invoice_date)
        invoice.invoice_date = invoice_date
    with transaction.atomic():
        # Lock the draft so two clicks cannot issue it twice.
        _require_draft(invoice, lock=True)
        return _issue(actor=actor, invoice=invoice, seller=seller, on=_today())


def _today() -> dt.date:
    return timezone.localdate()


def credited_total(invoice: Invoice) -> Decimal:
    """How much issued credit notes have taken off ``invoice`` (positive)."""
    total = sum(
        (
            -cn.total_gross
            for cn in Invoice.objects.filter(
                credited_invoice=invoice, state=InvoiceState.ISSUED
            )
        ),
        Decimal("0.00"),
    )
    return total


@write_service(subject=PERSON)
def credit_note_issue(
    *,
    actor: Any,
    invoice: Invoice,
    lines: list[dict[str, Any]] | None = None,
    notes: str = "",
    invoice_date: dt.date | None = None,
) -> Invoice:
    """Correct an issued invoice with a credit note, issued at once.

    Without ``lines`` the whole invoice is credited (each line negated);
    otherwise the lines have negative quantities. A credit note cannot take
    off more than is left of the invoice after earlier credit notes.
    """
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        raise Conflict(
            _("Only an issued invoice can be credited."), code="not_creditable"
        )
    seller = require_seller()
    if invoice_date is not None:
        check_date_field("invoice_date", invoice_date)
    on = invoice_date or _today()
    if lines is None:
        lines = [
            {
                "description": line.description,
                "quantity": -line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "vat_code": line.vat_code,
            }
            for line in invoice.lines.all()
        ]
    errors = FieldErrors()
    # The original invoice's rates apply to its correction.
    cleaned = clean_lines(errors, lines, on=invoice.invoice_date, credit=True)
    notes = clean_text_field(errors, "notes", notes, max_length=500, required=False)
    errors.raise_if_any()
    totals = compute_totals(cleaned)
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="credit_note.issue",
    )
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        remaining = invoice.total_gross - credited_total(invoice)
        if -totals.gross > remaining:
            raise ValidationFailed.single(
                "lines",
                "credit_exceeds_invoice",
                _("The credit note is larger than what is left of the invoice."),
            )
        note = Invoice(
            kind=InvoiceKind.CREDIT_NOTE,
            credited_invoice=invoice,
            organization=invoice.organization,
            invoice_date=on,
            payment_terms_days=0,
            due_date=on,
            buyer_reference=invoice.buyer_reference,
            einvoice_address=invoice.einvoice_address,
            einvoice_operator=invoice.einvoice_operator,
            contract_id=invoice.contract_id,
            notes=notes,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        # The credit note names the contact the invoice named.
        note.billing_contact = invoice.billing_contact
        for name in CONTACT_FIELDS:
            setattr(note, name, getattr(invoice, name))
        note.save(force_insert=True)
        write_lines(note, cleaned)
        return _issue(actor=actor, invoice=note, seller=seller, on=on)
