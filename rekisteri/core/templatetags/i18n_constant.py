"""Django's ``i18n`` template library, with constant translations kept.

``{% translate "Persons" %}`` made a lazy translation, evaluated it, escaped
and marked the result on every render: about fifty Python calls, and the
person page renders some 140 of them (docs/benchmarks.md, the person page).
The text depends only on the message, the active language, the catalogues
and autoescaping, so a node whose message is a plain literal (no filters,
no context) keeps its result per language and autoescaping, and gives it
again. Everything else is Django's library unchanged. The settings register
this module under the name ``i18n`` (TEMPLATES' ``libraries``), so templates
keep ``{% load i18n %}``.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library, Variable
from django.template.base import render_value_in_context
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# Bumped when a setting that changes the catalogues changes (tests), so no
# node gives a translation made from other catalogues.
_generation = 0


@receiver(setting_changed)
def _catalogues_changed(*, setting: str, **kwargs: Any) -> None:
    global _generation
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _generation += 1


class ConstantTranslateNode(django_i18n.TranslateNode):
    """A translate node of a plain literal message, its result kept."""

    def render(self, context: Any) -> str:
        key = (get_language(), context.autoescape, _generation)
        kept = self.__dict__.setdefault("_kept", {})
        value = kept.get(key)
        if value is None:
            # As TranslateNode.render makes it (django/templatetags/i18n.py).
            self.filter_expression.var.translate = not self.noop
            output = self.filter_expression.resolve(context)
            value = render_value_in_context(output, context)
            is_safe = isinstance(value, SafeData)
            value = value.replace("%%", "%")
            # Safe text stays safe after the replace, as in Django.
            value = kept[key] = mark_safe(value) if is_safe else value  # noqa: S308
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant(node: django_i18n.TranslateNode) -> bool:
    expression = node.filter_expression
    var = expression.var
    return (
        node.message_context is None
        and not expression.filters
        and isinstance(var, Variable)
        and var.literal is not None
        and var.lookups is None
    )


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Any, token: Any) -> django_i18n.TranslateNode:
    node = django_i18n.do_translate(parser, token)
    if type(node) is django_i18n.TranslateNode and _constant(node):
        node.__class__ = ConstantTranslateNode
    return node
