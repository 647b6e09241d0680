"""Forms of the privacy office. They only parse input; services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import RETENTION_RULES, Purpose
from rekisteri.core.validation import BoundedDateField
from rekisteri.privacy.choices import DestructionMethod, PartyRole, TransferMechanism
from rekisteri.privacy.facts import PURPOSE_TEXT_PREFIX, catalogue_categories
from rekisteri.privacy.vocabulary import category_label

TEXTAREA = forms.Textarea(attrs={"rows": 4})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def category_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Data categories labelled in the page's language (fi, sv or en), the
    catalogue's code left out: it is what is stored, not what people read."""
    language = (language or get_language() or "en")[:2]
    if language not in ("fi", "sv", "en"):
        language = "en"
    return [(key, category_label(key, language)) for key in catalogue_categories()]


class ProfileForm(forms.Form):
    controller_name = forms.CharField(label=_("Controller"), max_length=200)
    business_id = forms.CharField(label=_("Business ID"), required=False, max_length=12)
    street = forms.CharField(label=_("Street address"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10)
    city = forms.CharField(label=_("Post office"), max_length=100)
    country = forms.CharField(label=_("Country"), max_length=2, initial="FI")
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    email = forms.CharField(label=_("Email"), max_length=254)
    contact_name = forms.CharField(label=_("Privacy contact person"), max_length=200)
    contact_title = forms.CharField(
        label=_("Contact person's title"), required=False, max_length=200
    )
    contact_phone = forms.CharField(
        label=_("Contact person's phone"), required=False, max_length=30
    )
    contact_email = forms.CharField(label=_("Contact person's email"), max_length=254)
    dpo_name = forms.CharField(
        label=_("Data protection officer"),
        required=False,
        max_length=200,
        help_text=_("Leave empty if no DPO is designated."),
    )
    dpo_phone = forms.CharField(label=_("DPO's phone"), required=False, max_length=30)
    dpo_email = forms.CharField(label=_("DPO's email"), required=False, max_length=254)
    review_interval_months = forms.IntegerField(
        label=_("Notice review interval (months)"), initial=12
    )
    authority_links = forms.CharField(
        label=_("Links to authorities"),
        required=False,
        widget=TEXTAREA,
        help_text=_("One per line: label | https://address"),
    )

    def links(self) -> list[dict[str, str]]:
        result = []
        for line in (self.cleaned_data.get("authority_links") or "").splitlines():
            if not line.strip():
                continue
            lbl, _sep, url = line.partition("|")
            result.append({"label": lbl.strip(), "url": url.strip()})
        return result


TEXT_LABELS: dict[str, Any] = {
    "register_name": _("Name of the register"),
    "introduction": _("Introduction"),
    "legitimate_interests": _("Legitimate interests (if that basis is used)"),
    "sources_note": _("Note on sources"),
    "retention": _("Retention, in words"),
    "security_technical": _("Security: technical measures"),
    "security_organisational": _("Security: organisational measures"),
    "provision_requirement": _(
        "Is providing the data a statutory or contractual requirement?"
    ),
    "automated_decisions": _("Automated decision-making and profiling"),
}


class TextsForm(forms.Form):
    """The notice texts of one language; one field per text key."""

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in keys:
            if key.startswith(PURPOSE_TEXT_PREFIX):
                purpose = key.removeprefix(PURPOSE_TEXT_PREFIX)
                lbl = _("Purpose explained: %(purpose)s") % {
                    "purpose": Purpose(purpose).label
                }
            else:
                lbl = TEXT_LABELS.get(key, key)
            self.fields[key] = forms.CharField(
                label=lbl, required=False, widget=forms.Textarea(attrs={"rows": 3})
            )


class WaiveForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why this does not apply"), required=False, widget=TEXTAREA
    )


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    service = forms.CharField(label=_("Service"), max_length=300)
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("ISO code, for example FI or SE")
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agreement_date = BoundedDateField(
        label=_("Agreement date"), required=False, widget=DATE
    )
    guarantees = forms.CharField(label=_("Guarantees"), required=False, widget=TEXTAREA)
    next_review_on = BoundedDateField(
        label=_("Next review"), required=False, widget=DATE
    )
    transfer_mechanism = forms.ChoiceField(
        label=_("Transfer mechanism"),
        choices=TransferMechanism.choices,
        initial=TransferMechanism.NONE,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_categories"].choices = category_choices()


class ManualRecordForm(forms.Form):
    title = forms.CharField(
        label=_("Material"),
        max_length=200,
        help_text=_("Name the material, not the people in it."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=TEXTAREA
    )
    location = forms.CharField(
        label=_("Where it is kept"), max_length=200, initial=_("Locked archive room")
    )
    retention_rule = forms.ChoiceField(label=_("Retention rule"))
    created_on = BoundedDateField(label=_("Created or received on"), widget=DATE)
    destroy_by = BoundedDateField(label=_("Destroy by"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["retention_rule"].choices = [
            (k, f"{k}: {v}") for k, v in RETENTION_RULES.items()
        ]


def _staff_queryset():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class DestroyForm(forms.Form):
    destroyed_on = BoundedDateField(label=_("Destroyed on"), widget=DATE)
    destruction_method = forms.ChoiceField(
        label=_("Method"),
        choices=DestructionMethod.choices,
        initial=DestructionMethod.SHREDDING,
    )
    destroyed_by = StaffChoiceField(label=_("Destroyed by"), queryset=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destroyed_by"].queryset = _staff_queryset()


class BreachForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("breach", "Title"), max_length=200)
    discovered_at = forms.DateTimeField(
        label=_("Discovered at"),
        required=False,
        widget=DATETIME,
        input_formats=DT_FORMATS,
        help_text=_("The 72-hour clock to the authority runs from this time."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"),
        required=False,
        widget=DATETIME,
        input_formats=DT_FORMATS,
    )
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Describe the incident; do not name the people affected."),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"), required=False, widget=forms.CheckboxSelectMultiple
    )
    people_approx = forms.IntegerField(
        label=_("People affected (approx.)"), required=False, min_value=0
    )
    records_approx = forms.IntegerField(
        label=_("Records affected (approx.)"), required=False, min_value=0
    )
    consequences = forms.CharField(
        label=_("Likely consequences"), required=False, widget=TEXTAREA
    )
    measures = forms.CharField(
        label=_("Measures taken or proposed"), required=False, widget=TEXTAREA
    )
    authority_notified_at = forms.DateTimeField(
        label=_("Authority notified at"),
        required=False,
        widget=DATETIME,
        input_formats=DT_FORMATS,
    )
    authority_reference = forms.CharField(
        label=_("Authority's reference"), required=False, max_length=100
    )
    authority_not_required_reason = forms.CharField(
        label=_("Why the authority is not notified (risk unlikely)"),
        required=False,
        widget=TEXTAREA,
    )
    delay_reason = forms.CharField(
        label=_("Reasons for a late notification"), required=False, widget=TEXTAREA
    )
    people_notified_at = forms.DateTimeField(
        label=_("People notified at"),
        required=False,
        widget=DATETIME,
        input_formats=DT_FORMATS,
    )
    people_not_notified_reason = forms.CharField(
        label=_("Why the people are not notified"), required=False, widget=TEXTAREA
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_categories"].choices = category_choices()


class AffectedForm(forms.Form):
    account = StaffChoiceField(label=_("Account"), queryset=None)
    start = forms.DateTimeField(
        label=_("From"), widget=DATETIME, input_formats=DT_FORMATS
    )
    end = forms.DateTimeField(
        label=_("Until"), widget=DATETIME, input_formats=DT_FORMATS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = get_user_model().objects.order_by("username")
