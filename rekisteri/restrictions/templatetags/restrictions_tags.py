"""The person page's privacy section and restriction banner."""

from __future__ import annotations

from typing import Any

from django import template

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
    person._privacy_section = {
        "section": section,
        "restrict_form": RestrictForm(),
        "lift_form": LiftForm(),
        "object_form": ObjectForm(),
    }
    return person._privacy_section
