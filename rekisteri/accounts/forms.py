"""Forms of the account pages. They parse input; the services validate."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rekisteri.accounts.choices import TokenScope


class ApiTokenForm(forms.Form):
    """Name, scope and lifetime of a new personal API token."""

    use_required_attribute = False

    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "100"}),
        help_text=_("What the token is for, for example “Invoicing sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": "1", "max": "366"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default_days = settings.REKISTERI["API_TOKEN_DEFAULT_DAYS"]
        self.fields["days"].initial = default_days
        self.fields["days"].help_text = _("1–366 days.")
