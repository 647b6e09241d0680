"""Template helpers: ``{% load access %}``.

``{% if user|can_view:"phone" %}`` and ``{% if user|can:"export:phone" %}``
ask the need-to-know matrix; ``{% visible_families as shown %}`` puts the
viewer's viewable families in the context (pages that show several families
should get the set once from their view instead).
"""

from __future__ import annotations

from typing import Any

from django import template

from rekisteri.access.choices import Action
from rekisteri.access.families import label
from rekisteri.access.selectors import visible_families as _visible

register = template.Library()


@register.filter
def can_view(user: Any, family: str) -> bool:
    return family in _visible(user, Action.VIEW)


@register.filter
def can(user: Any, action_family: str) -> bool:
    action, _sep, family = str(action_family).partition(":")
    return family in _visible(user, action)


@register.simple_tag(takes_context=True)
def visible_families(context: Any, action: str = Action.VIEW) -> frozenset[str]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return _visible(user, action)


@register.filter
def family_label(key: str) -> str:
    return label(key)
