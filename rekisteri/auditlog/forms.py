"""The audit-log viewer's filter form (GET: no personal data in it, the
actor is chosen by account id)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.audit.choices import Outcome
from rekisteri.core.validation import BoundedDateField


class EventFilterForm(forms.Form):
    actor = forms.TypedChoiceField(
        label=_("Staff user"), required=False, coerce=int, empty_value=None
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("For example person.view, or person. for every person event"),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any"))] + list(Outcome.choices),
    )
    since = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = BoundedDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = (
            get_user_model().objects.order_by("username").values_list("id", "username")
        )
        self.fields["actor"].choices = [("", _("Anyone"))] + list(users)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end is before the start."))
        return data

    def selector_args(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.event_list`` (valid form only)."""
        data = self.cleaned_data
        tz = timezone.get_current_timezone()

        def start(day: dt.date | None) -> dt.datetime | None:
            if day is None:
                return None
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz)

        until = data.get("until")
        return {
            "actor_id": data.get("actor"),
            "action": (data.get("action") or "").strip() or None,
            "outcome": data.get("outcome") or None,
            "since": start(data.get("since")),
            # Inclusive of the whole last day.
            "until": start(until + dt.timedelta(days=1)) if until else None,
            "before": data.get("before"),
        }

    def used(self) -> list[str]:
        """Names of the filters in use (recorded, never their values)."""
        return sorted(
            name
            for name in ("actor", "action", "outcome", "since", "until")
            if self.cleaned_data.get(name) not in (None, "")
        )

    def query_string(self) -> str:
        """The filters (not the cursor) for the next-page link."""
        from urllib.parse import urlencode

        pairs = [
            (name, self.data.get(name))
            for name in ("actor", "action", "outcome", "since", "until")
            if self.data.get(name)
        ]
        return urlencode(pairs)
