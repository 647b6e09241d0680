"""Payments: manual entry, bank-file import and the computed invoice status.

Matching is by reference number only (Finnish or RF, which reduce to the same
digits). Every transaction of an imported file ends in the import report with
an outcome; nothing is guessed:

* ``matched`` — paid the outstanding amount exactly;
* ``partial`` — less than outstanding (recorded; the invoice is partly paid);
* ``overpaid`` — more than outstanding (recorded; the excess is reported);
* ``unknown_reference`` / ``no_reference`` / ``invalid_reference`` —
  not recorded, left for a person to resolve;
* ``not_credit`` (a debit, a reversal, a direct debit not made) /
  ``not_booked`` (status not BOOK) / ``currency`` (not euros) /
  ``no_amount`` (missing or not plain decimal) — skipped;
* ``amount_too_large`` / ``sub_cent`` / ``future_date`` /
  ``date_out_of_range`` — refused, as manual entry would refuse them;
* ``duplicate`` — this bank transaction was imported before (by another file).

Re-importing the same file (same SHA-256) adds nothing and returns the
earlier import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import ORGANIZATION, authorize_write, write_service
from rekisteri.audit.services import audit_record
from rekisteri.billing.camt import CamtError, read_camt054
from rekisteri.billing.choices import (
    PURPOSE,
    InvoiceKind,
    InvoiceState,
    PaymentSource,
    PaymentStatus,
)
from rekisteri.billing.cleaning import clean_decimal
from rekisteri.billing.ktl import KtlError, read_ktl
from rekisteri.billing.models import CENT, MONEY, Invoice, Payment, PaymentImport
from rekisteri.core import formats, validation
from rekisteri.core.errors import Conflict, FieldErrors, ValidationFailed

ZERO = Decimal("0.00")
# The largest payment recorded, by hand or from a file: far above any real
# invoice, far below what the money columns hold (14 digits).
MAX_PAYMENT = Decimal("9999999999")


# --------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """What an invoice is worth now: gross, minus credit notes, minus paid."""

    gross: Decimal
    credited: Decimal
    paid: Decimal
    status: str

    @property
    def due(self) -> Decimal:
        return self.gross - self.credited

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


def status_of(
    *, state: str, kind: str, gross: Decimal, credited: Decimal, paid: Decimal
) -> str:
    if state == InvoiceState.DRAFT:
        return PaymentStatus.DRAFT
    if kind == InvoiceKind.CREDIT_NOTE:
        return PaymentStatus.CREDITED
    due = gross - credited
    if paid > due:
        return PaymentStatus.OVERPAID
    if credited > 0 and due <= 0:
        return PaymentStatus.CREDITED
    if paid == due:
        return PaymentStatus.PAID
    if paid > 0:
        return PaymentStatus.PARTLY_PAID
    return PaymentStatus.OPEN


def _money_sum(qs: QuerySet, field: str) -> Coalesce:
    return Coalesce(
        Subquery(qs.values(field)[:1]),
        Value(ZERO),
        output_field=DecimalField(**MONEY),
    )


def with_balances(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate ``paid_sum`` and ``credited_sum`` (one query for a list)."""
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
    )
    credited = (
        Invoice.objects.filter(
            credited_invoice=OuterRef("pk"), state=InvoiceState.ISSUED
        )
        .order_by()
        .values("credited_invoice")
        .annotate(s=Sum("total_gross"))
    )
    return qs.annotate(
        paid_sum=_money_sum(paid, "s"), credited_neg=_money_sum(credited, "s")
    )


def balance_of(invoice: Invoice) -> Balance:
    """The invoice's balance and status (uses annotations when present)."""
    if hasattr(invoice, "paid_sum"):
        paid, credited = Decimal(invoice.paid_sum), -Decimal(invoice.credited_neg)
    else:
        paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
        credited = -(
            Invoice.objects.filter(
                credited_invoice=invoice, state=InvoiceState.ISSUED
            ).aggregate(s=Sum("total_gross"))["s"]
            or ZERO
        )
    # Sums come back from the database in its own decimal form (SQLite:
    # "787.510000000000"); a balance is in cents.
    paid, credited = paid.quantize(CENT), credited.quantize(CENT)
    gross = invoice.total_gross
    return Balance(
        gross=gross,
        credited=credited,
        paid=paid,
        status=status_of(
            state=invoice.state,
            kind=invoice.kind,
            gross=gross,
            credited=credited,
            paid=paid,
        ),
    )


# --------------------------------------------------------------------------
# Manual payments
# --------------------------------------------------------------------------


@write_service(subject=ORGANIZATION)
def payment_record(
    *,
    actor: Any,
    invoice: Invoice,
    amount: Any,
    paid_on: dt.date | None = None,
    reference: str = "",
) -> Payment:
    """Record money received for an issued invoice (by hand).

    ``reference``, when given, must be a valid Finnish or RF reference and
    must be this invoice's: a payment is never filed under another invoice.
    """
    errors = FieldErrors()
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        raise Conflict(
            _("Payments are recorded for issued invoices only."), code="not_payable"
        )
    value = clean_decimal(errors, "amount", amount, maximum=MAX_PAYMENT)
    if value is not None and value <= 0:
        errors.add("amount", "too_small", _("Enter an amount greater than zero."))
    try:
        validation.check_date(paid_on)
    except formats.FormatError as exc:
        errors.add("paid_on", exc.code, exc.message)
    else:
        if paid_on > timezone.localdate():
            errors.add("paid_on", "future", _("The payment date is in the future."))
    ref = ""
    if reference:
        try:
            ref = formats.national_reference(reference)
        except formats.FormatError as exc:
            errors.add("reference", exc.code, exc.message)
        else:
            if ref != invoice.reference:
                errors.add(
                    "reference",
                    "reference_mismatch",
                    _("This reference number belongs to another invoice."),
                )
    errors.raise_if_any()
    authorize_write(actor=actor, families=("financial",), operation="payment.create")
    with transaction.atomic():
        payment = Payment.objects.create(
            invoice=invoice,
            amount=value,
            paid_on=paid_on,
            reference=ref,
            source=PaymentSource.MANUAL,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="payment.create",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=invoice.billing_contact_id,
            purpose=PURPOSE,
            details={"payment": str(payment.pk)},
        )
    return payment


# --------------------------------------------------------------------------
# Bank files
# --------------------------------------------------------------------------

MAX_IMPORT_BYTES = 50 * 1024 * 1024


@dataclass
class ImportResult:
    """What an import did. ``already`` when the same file was imported before."""

    payment_import: PaymentImport
    already: bool


def _digest(stream: IO[bytes]) -> tuple[str, int, bool]:
    """SHA-256 and size of the file, and whether it declares a DTD anywhere
    (a bank file never does; ElementTree would expand its entities)."""
    sha = hashlib.sha256()
    size = 0
    tail = b""
    dtd = False
    while chunk := stream.read(1 << 16):
        sha.update(chunk)
        size += len(chunk)
        window = tail + chunk
        dtd = dtd or b"<!DOCTYPE" in window or b"<!ENTITY" in window
        tail = chunk[-16:]
    stream.seek(0)
    return sha.hexdigest(), size, dtd


def _report_line(position: int, outcome: str, **extra: Any) -> dict[str, Any]:
    line = {"position": position, "outcome": outcome}
    line.update(
        {
            k: (str(v) if isinstance(v, Decimal | dt.date) else v)
            for k, v in extra.items()
        }
    )
    return line


def _match(
    tx: Any, *, fmt: str, outstanding: dict[str, Decimal], invoices: dict
) -> tuple[dict[str, Any], Payment | None]:
    """Outcome of one transaction, and the payment to record if any."""
    if not tx.credit:
        return _report_line(tx.position, "not_credit"), None
    if not tx.booked:
        # Pending (PDNG) and informational (INFO) entries can still change.
        return _report_line(
            tx.position, "not_booked", status=tx.status[:4] or "-"
        ), None
    if tx.amount is None or tx.amount <= 0:
        return _report_line(tx.position, "no_amount"), None
    if tx.currency != "EUR" or tx.account_currency not in ("", "EUR"):
        # Invoices are in euros; a foreign amount is not a euro amount.
        return _report_line(
            tx.position,
            "currency",
            amount=tx.amount,
            currency=(tx.currency or "-")[:8],
        ), None
    if tx.amount > MAX_PAYMENT:
        return _report_line(tx.position, "amount_too_large"), None
    if tx.amount != tx.amount.quantize(CENT):
        # 125.499 € cannot be paid; rounding it would be a guess.
        return _report_line(tx.position, "sub_cent", amount=tx.amount), None
    today = timezone.localdate()
    if tx.booking_date is not None and tx.booking_date > today:
        return _report_line(
            tx.position, "future_date", amount=tx.amount, date=tx.booking_date
        ), None
    if tx.booking_date is not None and not validation.in_date_range(tx.booking_date):
        return _report_line(tx.position, "date_out_of_range", amount=tx.amount), None
    if not tx.references:
        return _report_line(tx.position, "no_reference", amount=tx.amount), None
    if len(tx.references) > 1:
        # Several invoices paid at once: splitting it would be a guess.
        return _report_line(tx.position, "several_references", amount=tx.amount), None
    try:
        ref = formats.national_reference(tx.references[0])
    except formats.FormatError:
        return _report_line(tx.position, "invalid_reference", amount=tx.amount), None
    invoice = invoices.get(ref)
    if invoice is None:
        invoice = (
            Invoice.objects.filter(
                reference=ref, state=InvoiceState.ISSUED, kind=InvoiceKind.INVOICE
            )
            .only("id", "number", "total_gross", "reference", "billing_contact_id")
            .first()
        )
        if invoice is None:
            return _report_line(
                tx.position, "unknown_reference", amount=tx.amount, reference=ref
            ), None
        invoices[ref] = invoice
        outstanding[ref] = balance_of(invoice).outstanding
    before = outstanding[ref]
    outstanding[ref] = before - tx.amount
    if tx.amount == before:
        outcome = "matched"
    elif tx.amount < before:
        outcome = "partial"
    else:
        outcome = "overpaid"
    line = _report_line(
        tx.position,
        outcome,
        amount=tx.amount,
        invoice=invoice.number,
        reference=ref,
        outstanding=outstanding[ref],
    )
    payment = Payment(
        invoice=invoice,
        amount=tx.amount.quantize(CENT),
        paid_on=tx.booking_date or today,
        reference=ref,
        source=fmt,
        bank_reference=tx.bank_reference or None,
    )
    return line, payment


@write_service(subject=ORGANIZATION)
def payment_import(
    *, actor: Any, stream: IO[bytes], fmt: str = PaymentSource.CAMT054
) -> ImportResult:
    """Import a bank file (camt.054 or KTL) and record the matched payments.

    All or nothing: a file that cannot be read records nothing and raises
    :class:`ValidationFailed` on ``file``. A file imported before returns the
    earlier import (``already=True``) and adds nothing.
    """
    digest, size, dtd = _digest(stream)
    if size == 0 or size > MAX_IMPORT_BYTES:
        raise ValidationFailed.single(
            "file", "file_size", _("The file is empty or larger than 50 MB.")
        )
    if dtd and fmt == PaymentSource.CAMT054:
        raise ValidationFailed.single(
            "file",
            "file_unreadable",
            _("The file could not be read: %(reason)s")
            % {"reason": _("document type declarations are not allowed")},
        )
    authorize_write(actor=actor, families=("financial",), operation="payment.import")
    earlier = PaymentImport.objects.filter(digest=digest).first()
    if earlier is not None:
        return ImportResult(earlier, already=True)
    reader = read_camt054 if fmt == PaymentSource.CAMT054 else read_ktl
    report: list[dict[str, Any]] = []
    outstanding: dict[str, Decimal] = {}
    invoices: dict[str, Invoice] = {}
    matched = entries = 0
    try:
        with transaction.atomic():
            batch = PaymentImport.objects.create(
                digest=digest,
                format=fmt,
                imported_by=actor if getattr(actor, "pk", None) else None,
            )
            pending: list[Payment] = []
            seen: set[str] = set()
            for tx in reader(stream):
                entries += 1
                line, payment = _match(
                    tx, fmt=fmt, outstanding=outstanding, invoices=invoices
                )
                if (
                    payment is not None
                    and payment.bank_reference
                    and (
                        payment.bank_reference in seen
                        or Payment.objects.filter(
                            bank_reference=payment.bank_reference
                        ).exists()
                    )
                ):
                    # Imported before in another file: undo the running total.
                    outstanding[payment.reference] += payment.amount
                    line = _report_line(
                        tx.position,
                        "duplicate",
                        amount=tx.amount,
                        invoice=payment.invoice.number,
                    )
                    payment = None
                if payment is not None:
                    payment.payment_import = batch
                    payment.created_by = batch.imported_by
                    if payment.bank_reference:
                        seen.add(payment.bank_reference)
                    pending.append(payment)
                    matched += 1
                report.append(line)
                if len(pending) >= 500:
                    Payment.objects.bulk_create(pending)
                    pending = []
            Payment.objects.bulk_create(pending)
            batch.entries, batch.matched, batch.report = entries, matched, report
            batch.save(update_fields=["entries", "matched", "report"])
            audit_record(
                actor=actor,
                action="payment.import",
                target_type="payment_import",
                target_id=batch.pk,
                purpose=PURPOSE,
                details={"entries": entries, "matched": matched, "format": fmt},
            )
    except (CamtError, KtlError) as exc:
        raise ValidationFailed.single(
            "file",
            "file_unreadable",
            _("The file could not be read: %(reason)s") % {"reason": exc},
        ) from None
    except IntegrityError:
        # The same file imported concurrently: the other import won.
        earlier = PaymentImport.objects.filter(digest=digest).first()
        if earlier is None:
            raise
        return ImportResult(earlier, already=True)
    return ImportResult(batch, already=False)
