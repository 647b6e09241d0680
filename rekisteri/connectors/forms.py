"""Forms of the connectors' staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.connectors.contacts import uploads
from rekisteri.connectors.models import ContactMapping


class ContactUploadForm(forms.Form):
    """A contact list and the saved mapping to read it with."""

    file = forms.FileField(
        label=_("Contact list (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    mapping = forms.ModelChoiceField(
        label=_("Saved mapping"),
        queryset=ContactMapping.objects.select_related("source"),
        empty_label=None,
        to_field_name="name",
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > uploads.MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than %(mb)d MB; import it with the "
                    "'registry import-contacts' command instead."
                )
                % {"mb": uploads.MAX_BYTES // (1024 * 1024)}
            )
        return upload
