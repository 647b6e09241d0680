"""``{% cell_name role family action %}``: the form field of one matrix cell."""

from django import template

register = template.Library()


@register.simple_tag
def cell_name(role: str, family: str, action: str) -> str:
    return f"{role}__{family}__{action}"
