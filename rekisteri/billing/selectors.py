"""Reads of invoicing data, restricted to users with the billing permission.

Out of scope and missing look the same (:class:`NotFound`). Callers that
show an invoice's billing contact record a view event (see views).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.billing.choices import CollectionStatus, InvoiceKind, InvoiceState
from rekisteri.billing.models import (
    CollectionCase,
    Invoice,
    PaymentImport,
)
from rekisteri.billing.payments import with_balances
from rekisteri.core.errors import NotFound
from rekisteri.core.ids import as_uuid
from rekisteri.registry.models import Organization

LIST_SIZE = 50


def _require(user: Any) -> None:
    if not has_perm(user, Perm.BILLING_VIEW):
        raise NotFound()


def invoice_get(*, user: Any, invoice_id: Any) -> Invoice:
    """One invoice with its balance annotations, lines prefetched."""
    _require(user)
    invoice = (
        with_balances(Invoice.objects.all())
        .select_related("organization", "credited_invoice", "billing_contact")
        .prefetch_related("lines")
        .filter(pk=as_uuid(invoice_id))
        .first()
    )
    if invoice is None:
        raise NotFound()
    return invoice


def invoice_list(
    *, user: Any, state: str | None = None, overdue: bool = False
) -> QuerySet[Invoice]:
    """The newest invoices (optionally drafts/issued, or overdue only)."""
    from django.utils import timezone

    _require(user)
    qs = with_balances(Invoice.objects.select_related("organization"))
    if state in InvoiceState.values:
        qs = qs.filter(state=state)
    if overdue:
        # Past due and still owing: paid, overpaid and credited invoices are
        # not overdue, and a credit note is never owed.
        qs = qs.filter(
            state=InvoiceState.ISSUED,
            kind=InvoiceKind.INVOICE,
            due_date__lt=timezone.localdate(),
        ).filter(
            total_gross__gt=F("paid_sum") - F("credited_neg"),
        )
    return qs.order_by("-created_at", "-id")[:LIST_SIZE]


def organization_invoices(*, user: Any, organization: Organization) -> list[Invoice]:
    """An organization's invoices for its page; empty without permission."""
    if not has_perm(user, Perm.BILLING_VIEW):
        return []
    return list(
        with_balances(Invoice.objects.filter(organization=organization)).order_by(
            "-created_at", "-id"
        )[:LIST_SIZE]
    )


def person_invoices(*, user: Any, person: Any) -> list[Invoice]:
    """Invoices naming the person as billing contact; empty without access."""
    if not has_perm(user, Perm.BILLING_VIEW):
        return []
    return list(
        with_balances(
            Invoice.objects.filter(billing_contact=person).select_related(
                "organization"
            )
        ).order_by("-created_at", "-id")[:LIST_SIZE]
    )


def latest_einvoice_address(
    *, user: Any, organization: Organization
) -> tuple[str, str] | None:
    """The e-invoice address and operator of the organization's latest
    invoice that had them, to offer on a new draft; None without access."""
    if not has_perm(user, Perm.BILLING_VIEW):
        return None
    row = (
        Invoice.objects.filter(organization=organization)
        .exclude(einvoice_address="")
        .order_by("-created_at", "-id")
        .values_list("einvoice_address", "einvoice_operator")
        .first()
    )
    return (row[0], row[1]) if row else None


def collection_case_get(*, user: Any, case_id: Any) -> CollectionCase:
    _require(user)
    case = (
        CollectionCase.objects.select_related("invoice", "agency")
        .filter(pk=as_uuid(case_id))
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def open_collection_cases(*, user: Any) -> QuerySet[CollectionCase]:
    _require(user)
    return CollectionCase.objects.filter(
        status__in=CollectionStatus.holding()
    ).select_related("invoice", "invoice__organization", "agency")


def payment_import_get(*, user: Any, import_id: Any) -> PaymentImport:
    _require(user)
    found = PaymentImport.objects.filter(pk=as_uuid(import_id)).first()
    if found is None:
        raise NotFound()
    return found


def payment_imports(*, user: Any) -> QuerySet[PaymentImport]:
    _require(user)
    return PaymentImport.objects.order_by("-imported_at")[:20]
