"""Forms of the person page's privacy section."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.core.validation import BoundedDateField
from rekisteri.restrictions.choices import (
    LiftNotice,
    ObjectionPurpose,
    RequestedBy,
    RestrictionGround,
)


class RestrictForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground"), choices=RestrictionGround.choices)
    requested_by = forms.ChoiceField(
        label=_("Requested by"), choices=RequestedBy.choices
    )
    requested_on = BoundedDateField(label=_("Requested on"), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for lifting"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Art. 18(3): required by the service when the person asked for it.
    informed_how = forms.ChoiceField(
        label=_("The person was told before the lifting"),
        choices=[("", _("– not told (the restriction was not theirs)"))]
        + list(LiftNotice.choices),
        required=False,
    )
    informed_on = BoundedDateField(label=_("Told on (empty: today)"), required=False)


class ObjectForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Objection to"), choices=ObjectionPurpose.choices
    )
    received_on = BoundedDateField(label=_("Received on"), required=False)
    note = forms.CharField(
        label=_("Balancing note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for an objection to processing on legitimate interest: "
            "why processing stops, or the compelling grounds that override it."
        ),
    )
