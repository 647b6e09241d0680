"""The person page's privacy section and restriction banner."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from rekisteri.restrictions import selectors
from rekisteri.restrictions.forms import LiftForm, ObjectForm, RestrictForm

register = template.Library()


@register.simple_tag(takes_context=True)
def person_privacy(context: Any, person: Any) -> dict[str, Any]:
    """The section's data for the current user (see selectors.person_privacy)."""
    cached = getattr(person, "_privacy_section", None)
    if cached is not None:
        return cached
    request = context.get("request")
    user = getattr(request, "user", None)
    section = selectors.person_privacy(user=user, person=person)
    person._privacy_section = {"section": section}
    return person._privacy_section


_BLANK_FORMS: dict[str, type[forms.Form]] = {
    "restrict": RestrictForm,
    "lift": LiftForm,
    "object": ObjectForm,
}
_blank_html: dict[tuple[str, str | None], SafeString] = {}


@register.simple_tag
def blank_form(name: str) -> SafeString:
    """The section's form ``name``, unbound, as ``as_div`` renders it.

    An unbound form renders the same for every person and viewer in one
    language (no initial values, no prefix), so it is rendered once per
    language and process, and only where the section shows it: the page
    once built all three forms and rendered one of them on every view
    (docs/benchmarks.md, the person page)."""
    key = (name, get_language())
    html = _blank_html.get(key)
    if html is None:
        html = _blank_html[key] = _BLANK_FORMS[name]().as_div()
    return html
