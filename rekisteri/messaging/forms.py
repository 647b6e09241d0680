"""Forms of the message history. They parse input; the services decide what
is valid (rekisteri.core.forms.apply_service_errors shows their errors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.messaging.choices import Channel, Direction
from rekisteri.messaging.conf import setting
from rekisteri.messaging.extensions import Duty


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; none is fine."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class MessageForm(forms.Form):
    """Log a call, a meeting note, a chat, a ticket or an email by hand."""

    owner = forms.ChoiceField(label=_("Customer"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    occurred_at = forms.DateTimeField(
        label=_("Time"), widget=DateTimeInput(), required=False
    )
    contract = forms.ChoiceField(label=_("Related contract"), required=False)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=998)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    people = forms.MultipleChoiceField(
        label=_("People who took part"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others = forms.CharField(
        label=_("Other participants"),
        required=False,
        help_text=_("One email address, phone number or name per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        owners: list[tuple[str, str]],
        people: list[tuple[str, str]],
        contracts: list[tuple[str, str]] | None = None,
        duties: Sequence[Duty] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners
        self.fields["people"].choices = people
        self.fields["contract"].choices = [("", _("None")), *(contracts or [])]
        # What is owed to the people offered (messaging.extensions): one
        # choice each, required by the view when the message goes to them.
        self.duties = list(duties)
        for duty in self.duties:
            self.fields[self.duty_field(duty)] = forms.ChoiceField(
                label=duty.heading,
                choices=duty.choices,
                required=False,
                widget=forms.RadioSelect,
                help_text=duty.detail,
            )
        if len(owners) <= 1:
            self.fields["owner"].widget = forms.HiddenInput()
        mb = setting("REKISTERI_MESSAGING_MAX_ATTACHMENT_BYTES") // (1024 * 1024)
        self.fields["attachments"].help_text = _("At most %(mb)s MB per file.") % {
            "mb": mb
        }

    @staticmethod
    def duty_field(duty: Duty) -> str:
        return f"duty_{duty.key}"

    def duty_rows(self) -> list[tuple[Duty, forms.BoundField]]:
        return [(d, self[self.duty_field(d)]) for d in self.duties]

    def other_participants(self) -> list[str]:
        return [
            line.strip()
            for line in (self.cleaned_data.get("others") or "").splitlines()
            if line.strip()
        ]


class ImportForm(forms.Form):
    """Upload of one .eml or Outlook .msg file or one mbox."""

    file = forms.FileField(
        label=_("Email file"),
        help_text=_("An .eml or Outlook .msg file, or an mbox with many messages."),
    )
