"""The form kit every app's staff UI uses.

Forms only parse and shape input: text stays text, dates become dates,
repeated inputs become lists. Every business rule (formats, uniqueness,
required fields, complete addresses) lives in the services, which report
problems as :class:`~rekisteri.core.errors.ValidationFailed`;
:func:`apply_service_errors` puts those next to the fields they concern.
The templates that render them are ``core/partials/field.html`` and
``core/partials/form_errors.html`` (docs/architecture.md, The shared kit).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages

from rekisteri.core.errors import ServiceError, ValidationFailed


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO 8601."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ListField(forms.Field):
    """Repeated inputs with the same name (``emails``, ``phones``) as a list.

    The template renders one input per value plus an empty one for adding;
    empty inputs are dropped here so the services see only real values.
    """

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [v.strip() for v in value if v and v.strip()]


class ServiceForm(forms.Form):
    """Base form; its fields never carry the ``required`` rule themselves."""

    # Service errors are shown in place; a browser-side "required" would
    # block the submit before the server could report every problem at once.
    use_required_attribute = False


def apply_service_errors(exc: ServiceError, *forms_: forms.Form) -> None:
    """Attach each service field error to the first form that has the field.

    A field no form knows (for example ``source``), and a refusal that is not
    about one field (such as an erased person), becomes a non-field error on
    the first form, so it is still shown at the top of the page.
    """
    if not isinstance(exc, ValidationFailed):
        forms_[0].add_error(None, exc.message)
        return
    for name, errors in exc.fields.items():
        target = next((f for f in forms_ if name in f.fields), None)
        for _code, message in errors:
            if target is None:
                forms_[0].add_error(None, message)
            else:
                target.add_error(name, message)


def message_form_errors(request: Any, form: forms.Form) -> None:
    """A small form posted from another page (a button with a field or
    two) that redirects back: its errors as messages on the page it returns
    to, each once, rather than a redirect that says nothing."""
    for problems in form.errors.values():
        for message in dict.fromkeys(problems):
            messages.error(request, message)
