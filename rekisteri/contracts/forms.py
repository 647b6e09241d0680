"""Forms of the contracts UI. They parse input only; every rule is in the
services, whose errors are shown next to the fields (apply_service_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.contracts.selectors import DEFAULT_ENDING_DAYS, MAX_ENDING_DAYS
from rekisteri.core.forms import DateInput, ServiceForm
from rekisteri.core.validation import BoundedDateField


def _date(label: Any, help_text: Any = "") -> forms.DateField:
    return BoundedDateField(
        label=label, required=False, widget=DateInput(), help_text=help_text
    )


class ContractForm(ServiceForm):
    """Product, period, notice and terms of a contract."""

    product = forms.ChoiceField(label=_("Product or service"), required=False)
    start_date = _date(_("Start date"))
    end_date = _date(_("End date"), _("Leave empty for an open-ended contract."))
    notice_period = forms.IntegerField(
        label=_("Notice period"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": "4"}),
    )
    notice_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=NoticeUnit.choices,
        required=False,
        initial=NoticeUnit.MONTHS,
    )
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Special terms of this contract. Avoid personal details: people "
            "belong under Persons attached."
        ),
    )

    def __init__(self, *args: Any, products: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            ("", _("Choose a product or service")),
            *((p.code, str(p)) for p in products),
        ]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("notice_period") is None:
            data["notice_period"] = 0
        data["notice_unit"] = data.get("notice_unit") or NoticeUnit.MONTHS
        return data

    @classmethod
    def initial_for(cls, contract: Any) -> dict[str, Any]:
        return {
            "product": contract.product.code,
            "start_date": contract.start_date,
            "end_date": contract.end_date,
            "notice_period": contract.notice_period,
            "notice_unit": contract.notice_unit,
            "terms": contract.terms or "",
        }


class OrganizationPickForm(ServiceForm):
    """A new contract's customer, by customer number or business ID."""

    organization = forms.CharField(
        label=_("Customer (customer number or business ID)"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("For example 10009 or 1234567-8."),
    )


class EndForm(ServiceForm):
    end_date = _date(_("Last day in force"), _("Today when left empty."))


class TerminateForm(ServiceForm):
    notice_given_on = _date(_("Notice given on"), _("Today when left empty."))
    termination_date = _date(
        _("Termination date"),
        _("The last day in force. The end of the notice period when left empty."),
    )
    override_notice = forms.BooleanField(
        label=_("Override the notice period"), required=False
    )
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the notice period is overridden."),
    )


class PartyForm(ServiceForm):
    """Attach one of the organization's people to the contract."""

    person = forms.ChoiceField(label=_("Person"), required=False)
    kind = forms.ChoiceField(
        label=_("Role on the contract"),
        choices=[("", _("Choose a role")), *PartyKind.choices],
        required=False,
    )
    start_date = _date(_("From"), _("The contract's start (or today) when empty."))
    end_date = _date(_("To"), _("Leave empty for the whole contract."))

    def __init__(self, *args: Any, people: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            ("", _("Choose a person")),
            *((str(p.id), p.full_name) for p in people),
        ]


class ContractFilterForm(forms.Form):
    """List filters; nothing personal, so they may travel in the URL."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *ContractStatus.choices],
        required=False,
    )
    days = forms.IntegerField(
        label=_("Ending within (days)"),
        required=False,
        min_value=0,
        max_value=MAX_ENDING_DAYS,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "size": "5", "placeholder": "–"}
        ),
        help_text=_("For example %(n)d.") % {"n": DEFAULT_ENDING_DAYS},
    )

    def selector_args(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        args: dict[str, Any] = {}
        if self.cleaned_data["status"]:
            args["status"] = self.cleaned_data["status"]
        if self.cleaned_data["days"] is not None:
            args["ending_within"] = self.cleaned_data["days"]
        return args

    def query_string(self) -> str:
        if not self.is_valid():
            return ""
        parts = [
            f"{name}={self.cleaned_data[name]}"
            for name in ("status", "days")
            if self.cleaned_data[name] not in (None, "")
        ]
        return "&".join(parts)
