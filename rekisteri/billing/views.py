"""Staff UI of invoicing and collection.

Thin views: reads through :mod:`rekisteri.billing.selectors`, writes through
the services with ``actor=request.user``. Showing an invoice shows its
billing contact's name and address, so the view records a view event; the
Finvoice download is recorded as an export.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rekisteri.accounts.permissions import Perm, has_perm, require
from rekisteri.audit.services import audit_record
from rekisteri.billing import collection, payments, selectors, services
from rekisteri.billing.choices import InvoiceState, PaymentSource
from rekisteri.billing.contacts import billing_contacts
from rekisteri.billing.finvoice import REVERSE_CHARGE_TEXT, finvoice_bytes
from rekisteri.billing.forms import (
    CloseCaseForm,
    HandOverForm,
    ImportForm,
    InvoiceForm,
    PaymentForm,
    SellerForm,
    apply_errors,
    line_formset,
    lines_for_service,
)
from rekisteri.billing.models import Invoice
from rekisteri.billing.seller import SELLER_FIELDS, seller_get, seller_update
from rekisteri.billing.totals import MAX_LINES, compute_totals, line_vat
from rekisteri.billing.vat import vat_codes
from rekisteri.contracts.selectors import organization_contracts
from rekisteri.core import formats
from rekisteri.core.errors import ServiceError
from rekisteri.core.fieldlimit import accepts_truncated_post, field_limit
from rekisteri.core.forms import message_form_errors
from rekisteri.registry import selectors as registry_selectors

CONTACT_FIELDS = services.CONTACT_FIELDS


def _invoice(request: HttpRequest, invoice_id: Any) -> Invoice:
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


def _vat_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{r.rate.normalize():f} % – {r.name}") for r in vat_codes()]


def _audit_view(request: HttpRequest, invoice: Invoice, action: str) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target_type="invoice",
        target_id=invoice.pk,
        subject_id=invoice.billing_contact_id,
        fields=CONTACT_FIELDS,
        categories=services.CONTACT_CATEGORIES,
        purpose=services.PURPOSE,
        request=request,
    )


# --------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------


@require(Perm.BILLING_VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    """The newest invoices; filter drafts, issued or overdue."""
    view = request.GET.get("show", "")
    invoices = selectors.invoice_list(
        user=request.user,
        state=view if view in InvoiceState.values else None,
        overdue=view == "overdue",
    )
    rows = [(inv, payments.balance_of(inv)) for inv in invoices]
    return render(
        request,
        "billing/invoice_list.html",
        {
            "rows": rows,
            "show": view,
            "cases": selectors.open_collection_cases(user=request.user),
            "imports": selectors.payment_imports(user=request.user),
            "can_change": has_perm(request.user, Perm.BILLING_CHANGE),
            "seller": seller_get(),
        },
    )


# --------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------


def _contracts(request: HttpRequest, organization: Any) -> list:
    """The organization's contracts the user may see (none without access)."""
    if not has_perm(request.user, Perm.CONTRACTS_VIEW):
        return []
    return organization_contracts(user=request.user, organization=organization)


_LINE_FIELD = re.compile(r"^lines-(\d+)-")


def _first_lines(post: Any) -> Any:
    """A truncated post cut to whole lines: the header, and the lines before
    ``MAX_LINES`` (the last one may have lost fields to the cut)."""
    kept = post.copy()
    numbers = [int(m.group(1)) for key in post if (m := _LINE_FIELD.match(key))]
    last_whole = max(numbers, default=-1)  # the highest line may be cut
    stop = min(MAX_LINES, last_whole)
    for key in list(kept.keys()):
        m = _LINE_FIELD.match(key)
        if m and int(m.group(1)) >= stop:
            del kept[key]
    kept["lines-TOTAL_FORMS"] = str(max(stop, 0))
    initial = kept.get("lines-INITIAL_FORMS", "0")
    if (formats.request_number(initial) or 0) > stop:
        kept["lines-INITIAL_FORMS"] = str(max(stop, 0))
    return kept


def _invoice_form(
    request: HttpRequest, organization: Any, invoice: Invoice | None
) -> HttpResponse:
    contacts = billing_contacts(organization)
    contracts = _contracts(request, organization)
    if invoice is not None and invoice.billing_contact not in contacts:
        contacts.append(invoice.billing_contact)
    data = request.POST if request.method == "POST" else None
    sent = getattr(request, "post_truncated", 0)
    if sent:
        data = _first_lines(request.POST)
    initial: dict[str, Any] = {}
    line_initial: list[dict] = []
    if invoice is not None:
        initial = {
            "billing_contact": str(invoice.billing_contact_id),
            "contract": str(invoice.contract_id or ""),
            "invoice_date": invoice.invoice_date,
            "due_date": invoice.due_date,
            "payment_terms_days": invoice.payment_terms_days,
            "buyer_reference": invoice.buyer_reference,
            "einvoice_address": invoice.einvoice_address,
            "einvoice_operator": invoice.einvoice_operator,
            "notes": invoice.notes,
        }
        line_initial = [
            {
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit": line.unit,
                "unit_price": f"{line.unit_price.normalize():f}",
                "vat_code": line.vat_code,
            }
            for line in invoice.lines.all()
        ]
    else:
        if contacts:
            initial = {"billing_contact": str(contacts[0].pk)}
        # The organization's e-invoice address as on its latest invoice.
        latest = selectors.latest_einvoice_address(
            user=request.user, organization=organization
        )
        if latest:
            initial["einvoice_address"], initial["einvoice_operator"] = latest
    seller = seller_get()
    initial.setdefault(
        "payment_terms_days", seller.payment_terms_days if seller else 14
    )
    form = InvoiceForm(data, initial=initial, contacts=contacts, contracts=contracts)
    formset = line_formset(
        data,
        initial=line_initial,
        vat_choices=_vat_choices(),
        extra=2 if line_initial else 3,
    )
    if sent:
        # More fields than one request may carry: show what arrived, the
        # first MAX_LINES lines at most, and save nothing.
        form.is_valid()
        formset.is_valid()
        form.add_error(
            None,
            _(
                "The form sent %(sent)d fields; one request may carry at most "
                "%(limit)d, and an invoice holds at most %(lines)d lines. "
                "Nothing was saved: the first lines are shown again below, "
                "check them and save."
            )
            % {"sent": sent, "limit": field_limit(), "lines": MAX_LINES},
        )
    elif request.method == "POST" and form.is_valid() and formset.is_valid():
        rows, index = lines_for_service(formset)
        try:
            if invoice is None:
                invoice = services.invoice_create(
                    actor=request.user,
                    organization=organization,
                    lines=rows,
                    **form.service_fields(),
                )
            else:
                services.invoice_update(
                    actor=request.user,
                    invoice=invoice,
                    lines=rows,
                    **form.service_fields(),
                )
        except ServiceError as exc:
            apply_errors(exc, form, formset, index)
        else:
            messages.success(request, _("Saved"))
            return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "formset": formset,
            "organization": organization,
            "invoice": invoice,
            "has_contacts": bool(contacts),
        },
    )


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
@accepts_truncated_post
def invoice_create(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    """A new draft invoice for an organization."""
    organization = registry_selectors.organization_get(
        user=request.user, organization_id=organization_id
    )
    return _invoice_form(request, organization, None)


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
@accepts_truncated_post
def invoice_edit(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    """Edit a draft; an issued invoice goes back to its page with a notice."""
    invoice = _invoice(request, invoice_id)
    if invoice.is_issued:
        messages.error(
            request, _("An issued invoice cannot be changed; issue a credit note.")
        )
        return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    return _invoice_form(request, invoice.organization, invoice)


# --------------------------------------------------------------------------
# One invoice
# --------------------------------------------------------------------------


@require(Perm.BILLING_VIEW)
def invoice_detail(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    """The invoice as printed (print stylesheet), with payments and actions."""
    invoice = _invoice(request, invoice_id)
    _audit_view(request, invoice, "invoice.view")
    lines = list(invoice.lines.all())
    totals = compute_totals(lines)
    context = {
        "invoice": invoice,
        "lines": [(line, line_vat(line)) for line in lines],
        "totals": totals,
        # The VAT Act's wording, printed as such in any UI language.
        "reverse_charge_text": REVERSE_CHARGE_TEXT,
        "balance": payments.balance_of(invoice),
        "payments": list(invoice.payments.all()),
        "reminders": list(invoice.reminders.all()),
        "cases": list(invoice.collection_cases.select_related("agency")),
        "credit_notes": list(invoice.credit_notes.all()),
        "can_change": has_perm(request.user, Perm.BILLING_CHANGE),
        "payment_form": PaymentForm(),
        "reference": formats.format_reference(invoice.reference)
        if invoice.reference
        else "",
        "rf_reference": formats.format_rf_reference(
            formats.rf_reference(invoice.reference)
        )
        if invoice.reference
        else "",
        "iban": formats.format_iban(invoice.seller_iban) if invoice.seller_iban else "",
    }
    return render(request, "billing/invoice_detail.html", context)


def _refusal(request: HttpRequest, exc: ServiceError) -> None:
    for reason in exc.reasons():
        messages.error(request, reason)


@require(Perm.BILLING_CHANGE)
@require_POST
def invoice_issue(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    try:
        services.invoice_issue(actor=request.user, invoice=invoice)
    except ServiceError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Invoice issued"))
    return redirect("billing:invoice_detail", invoice_id=invoice.pk)


@require(Perm.BILLING_CHANGE)
@require_POST
def invoice_delete(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    org_id = invoice.organization_id
    try:
        services.invoice_delete(actor=request.user, invoice=invoice)
    except ServiceError as exc:
        _refusal(request, exc)
        return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    messages.success(request, _("Draft deleted"))
    return redirect("registry:organization_detail", organization_id=org_id)


@require(Perm.BILLING_CHANGE)
@require_POST
def credit_note_create(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    """Credit the whole invoice (a correction is a new voucher)."""
    invoice = _invoice(request, invoice_id)
    try:
        note = services.credit_note_issue(actor=request.user, invoice=invoice)
    except ServiceError as exc:
        _refusal(request, exc)
        return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    messages.success(request, _("Credit note issued"))
    return redirect("billing:invoice_detail", invoice_id=note.pk)


@require(Perm.BILLING_VIEW)
def invoice_finvoice(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    """Download the Finvoice 3.0 XML of an issued invoice."""
    invoice = _invoice(request, invoice_id)
    if not invoice.is_issued:
        raise Http404
    _audit_view(request, invoice, "invoice.export")
    response = HttpResponse(
        finvoice_bytes(invoice), content_type="application/xml; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="finvoice-{invoice.number}.xml"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payments.payment_record(
                actor=request.user, invoice=invoice, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("Payment recorded"))
            return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    return render(
        request, "billing/payment_form.html", {"form": form, "invoice": invoice}
    )


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
def payment_import(request: HttpRequest) -> HttpResponse:
    """Upload a bank file; the import report follows."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = payments.payment_import(
                actor=request.user,
                stream=upload.file,
                fmt=form.cleaned_data["format"] or PaymentSource.CAMT054,
            )
        except ServiceError as exc:
            apply_errors(exc, form)
        else:
            if result.already:
                messages.info(
                    request, _("This file was imported before; nothing was added.")
                )
            return redirect(
                "billing:payment_import_detail", import_id=result.payment_import.pk
            )
    return render(request, "billing/payment_import.html", {"form": form})


@require(Perm.BILLING_VIEW)
def payment_import_detail(request: HttpRequest, import_id: uuid.UUID) -> HttpResponse:
    batch = selectors.payment_import_get(user=request.user, import_id=import_id)
    return render(request, "billing/payment_import_detail.html", {"batch": batch})


# --------------------------------------------------------------------------
# Overdue handling
# --------------------------------------------------------------------------


@require(Perm.BILLING_CHANGE)
@require_POST
def reminder_create(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    try:
        collection.reminder_create(actor=request.user, invoice=invoice)
    except ServiceError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Reminder created"))
    return redirect("billing:invoice_detail", invoice_id=invoice.pk)


@require(Perm.BILLING_CHANGE)
@require_POST
def collection_open(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    try:
        collection.collection_case_open(actor=request.user, invoice=invoice)
    except ServiceError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Collection case opened"))
    return redirect("billing:invoice_detail", invoice_id=invoice.pk)


def _case(request: HttpRequest, case_id: Any):
    return selectors.collection_case_get(user=request.user, case_id=case_id)


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
def collection_hand_over(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Hand a case to a collection agency (recorded as a recipient)."""
    case = _case(request, case_id)
    form = HandOverForm(request.POST or None, initial={"agency_country": "FI"})
    if request.method == "POST" and form.is_valid():
        try:
            collection.collection_case_hand_over(
                actor=request.user, case=case, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("Handed to the agency"))
            return redirect("billing:invoice_detail", invoice_id=case.invoice_id)
    return render(request, "billing/hand_over_form.html", {"form": form, "case": case})


@require(Perm.BILLING_CHANGE)
@require_POST
def collection_close(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _case(request, case_id)
    form = CloseCaseForm(request.POST)
    if form.is_valid():
        try:
            collection.collection_case_close(
                actor=request.user, case=case, status=form.cleaned_data["status"]
            )
        except ServiceError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Collection case closed"))
    else:
        message_form_errors(request, form)
    return redirect("billing:invoice_detail", invoice_id=case.invoice_id)


# --------------------------------------------------------------------------
# Seller settings
# --------------------------------------------------------------------------


@require(Perm.BILLING_CHANGE)
@require_http_methods(["GET", "POST"])
def seller_settings(request: HttpRequest) -> HttpResponse:
    seller = seller_get()
    initial = (
        {f: getattr(seller, f) for f in SELLER_FIELDS}
        if seller
        else {"country": "FI", "payment_terms_days": 14}
    )
    form = SellerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            seller_update(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            apply_errors(exc, form)
        else:
            messages.success(request, _("Saved"))
            return redirect("billing:seller_settings")
    return render(request, "billing/seller_form.html", {"form": form})
