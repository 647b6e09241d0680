"""Template helpers for the register: sources, statuses, search matches.

Phone numbers, addresses, dates and the form-error summary are the shared
kit's (``{% load core_tags %}``, rekisteri/core/templatetags/core_tags.py).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def source_name(source: Any) -> str:
    """A data source's name in the current language.

    Built-in sources are named "Finnish / English"; registry names such as
    "Fonecta Oy" have one form for both.
    """
    name = str(getattr(source, "name", source) or "")
    if " / " not in name:
        return name
    finnish, english = name.split(" / ", 1)
    return english if (get_language() or "fi").startswith("en") else finnish


@register.filter
def status_class(status: str) -> str:
    """CSS modifier for an organization status badge."""
    return {
        "customer": "badge--ok",
        "prospect": "badge--info",
        "former": "badge--muted",
    }.get(status, "badge--muted")


@register.filter
def match_label(kind: str) -> str:
    """What a search matched, in words."""
    labels = {
        "email": _("Email"),
        "phone": _("Phone"),
        "customer_number": _("Customer number"),
        "business_id": _("Business ID"),
        "name": _("Name"),
    }
    return str(labels.get(kind, ""))
