"""Forms of the rights pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rekisteri.core.forms import ServiceForm
from rekisteri.registry.forms import PersonForm
from rekisteri.rights.models import NoticeChannel, NoticeState


class RectifyForm(PersonForm):
    """The person form with the reference of the request it answers."""

    case_ref = forms.CharField(
        label=_("Reference of the rectification request"),
        max_length=64,
        required=False,
        help_text=_("For example the request case's number, such as DSR-2026-0012."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A correction asked for by the person comes from the person: the
        # service records that source itself.
        self.fields.pop("source", None)

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``rectify`` (which sets the source)."""
        return dict(self.cleaned_data)


class NoticeForm(ServiceForm):
    """What happened to one recipient's notification."""

    state = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (NoticeState.NOTIFIED, NoticeState.NOTIFIED.label),
            (NoticeState.IMPOSSIBLE, NoticeState.IMPOSSIBLE.label),
        ],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("Choose")), *NoticeChannel.choices],
        required=False,
    )
