"""Forms of the invoicing UI. They parse input only; the services validate.

Service field errors such as ``lines.2.quantity`` are put next to the right
input by :func:`apply_errors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.billing.choices import CollectionStatus, PaymentSource
from rekisteri.core.errors import ServiceError, ValidationFailed
from rekisteri.core.forms import DateInput, ServiceForm
from rekisteri.core.validation import BoundedDateField


def _text(label: Any, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=True, widget=forms.TextInput(attrs=attrs)
    )


def _date(label: Any) -> forms.DateField:
    return BoundedDateField(label=label, required=False, widget=DateInput())


class InvoiceForm(ServiceForm):
    """The invoice header: contact, dates, terms, references."""

    billing_contact = forms.ChoiceField(label=_("Billing contact"), required=False)
    contract = forms.ChoiceField(label=_("Contract"), required=False)
    contact_first_name = _text(_("First name"), autocomplete="off")
    contact_last_name = _text(_("Last name"), autocomplete="off")
    contact_street = _text(_("Street address"), autocomplete="off")
    contact_postal_code = _text(_("Postal code"), autocomplete="off", size=6)
    contact_city = _text(_("Post office"), autocomplete="off")
    invoice_date = _date(_("Invoice date"))
    payment_terms_days = _text(_("Payment terms (days)"), inputmode="numeric", size=4)
    due_date = _date(_("Due date"))
    buyer_reference = _text(_("Your reference"))
    einvoice_address = _text(_("E-invoice address"), spellcheck="false")
    einvoice_operator = _text(_("E-invoice operator"), spellcheck="false")
    notes = forms.CharField(
        label=_("Free text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, contacts: list = (), contracts: list = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {str(p.pk): p for p in contacts}
        self.contracts = {str(c.pk): c for c in contracts}
        self.fields["contract"].choices = [
            ("", _("No contract")),
            *((str(c.pk), str(c)) for c in contracts),
        ]
        self.fields["billing_contact"].choices = [
            ("", _("Type a new contact below")),
            *((str(p.pk), p.full_name) for p in contacts),
        ]
        self.fields["invoice_date"].help_text = _("Empty: the day it is issued.")
        self.fields["due_date"].help_text = _("Empty: invoice date + payment terms.")
        self.fields["einvoice_address"].help_text = _(
            "For e-invoicing: the buyer's OVT or IBAN address and their "
            "operator's code. Empty: no operator routing."
        )

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        contact = self.contacts.get(data.get("billing_contact") or "")
        typed = None
        if contact is None:
            typed = {
                "first_name": data["contact_first_name"],
                "last_name": data["contact_last_name"],
                "street": data["contact_street"],
                "postal_code": data["contact_postal_code"],
                "city": data["contact_city"],
            }
        return {
            "billing_contact": contact,
            "contact": typed,
            "contract": self.contracts.get(data.get("contract") or ""),
            "invoice_date": data.get("invoice_date"),
            "due_date": data.get("due_date"),
            "payment_terms_days": data.get("payment_terms_days") or None,
            "buyer_reference": data.get("buyer_reference", ""),
            "einvoice_address": data.get("einvoice_address", ""),
            "einvoice_operator": data.get("einvoice_operator", ""),
            "notes": data.get("notes", ""),
        }


class LineForm(ServiceForm):
    description = _text(_("Description"))
    quantity = _text(_("Quantity"), inputmode="decimal", size=6)
    unit = _text(_("Unit"), size=4)
    unit_price = _text(_("Unit price"), inputmode="decimal", size=8)
    vat_code = forms.ChoiceField(label=_("VAT"), required=False)

    def __init__(self, *args: Any, vat_choices: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vat_code"].choices = vat_choices

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(f) for f in ("description", "quantity", "unit_price"))


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=200)


def line_formset(data: Any, *, initial: list[dict], vat_choices: list, extra: int):
    """A formset of lines: the given ones plus ``extra`` empty rows."""
    formset_class = forms.formset_factory(LineForm, extra=extra, max_num=200)
    return formset_class(
        data,
        initial=initial,
        prefix="lines",
        form_kwargs={"vat_choices": vat_choices},
    )


def lines_for_service(formset: Any) -> tuple[list[dict], list[int]]:
    """Non-blank rows as service dicts, and their form indexes."""
    rows, index = [], []
    for i, form in enumerate(formset.forms):
        if form.is_blank():
            continue
        rows.append({k: form.cleaned_data.get(k) for k in LineForm.base_fields})
        index.append(i)
    return rows, index


def apply_errors(
    exc: ServiceError, form: forms.Form, formset: Any = None, index: list[int] = ()
) -> None:
    """Service errors next to their inputs; the rest on top of the form."""
    if not isinstance(exc, ValidationFailed):
        form.add_error(None, exc.message)
        return
    for name, errors in exc.fields.items():
        for _code, message in errors:
            parts = name.split(".")
            if parts[0] == "lines" and len(parts) == 3 and formset is not None:
                row = index[int(parts[1])] if int(parts[1]) < len(index) else 0
                target = formset.forms[row]
                if parts[2] in target.fields:
                    target.add_error(parts[2], message)
                    continue
            if name in form.fields:
                form.add_error(name, message)
            elif name == "contact_country":
                form.add_error("contact_city", message)
            else:
                form.add_error(None, message)


class SellerForm(ServiceForm):
    name = _text(_("Company name"))
    business_id = _text(_("Business ID"), size=10)
    street = _text(_("Street address"))
    postal_code = _text(_("Postal code"), size=6)
    city = _text(_("Post office"))
    country = _text(_("Country"), size=2, maxlength=2)
    iban = _text(_("IBAN"), spellcheck="false")
    bic = _text(_("BIC"), size=11, spellcheck="false")
    email = _text(_("Invoicing email"))
    payment_terms_days = _text(_("Payment terms (days)"), inputmode="numeric")
    reminder_fee = _text(_("Reminder fee (€)"), inputmode="decimal")
    penalty_interest_rate = _text(
        _("Penalty interest (% per year)"), inputmode="decimal"
    )


class PaymentForm(ServiceForm):
    amount = _text(_("Amount (€)"), inputmode="decimal")
    paid_on = _date(_("Payment date"))
    reference = _text(_("Reference number"), spellcheck="false")


class ImportForm(ServiceForm):
    format = forms.ChoiceField(
        label=_("File format"),
        choices=[
            (PaymentSource.CAMT054, _("camt.054 (ISO 20022 XML)")),
            (PaymentSource.KTL, _("KTL reference payments (fixed width)")),
        ],
    )
    file = forms.FileField(label=_("Bank file"))


class HandOverForm(ServiceForm):
    agency_name = _text(_("Agency name"))
    agency_business_id = _text(_("Agency business ID"))
    agency_country = _text(_("Country"), size=2, maxlength=2)


class CloseCaseForm(ServiceForm):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (CollectionStatus.PAID, CollectionStatus.PAID.label),
            (CollectionStatus.CANCELLED, CollectionStatus.CANCELLED.label),
        ],
    )
