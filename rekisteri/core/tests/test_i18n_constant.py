"""{% translate %} of a constant message gives what Django's tag gives, in
each language, and keeps nothing across languages."""

from __future__ import annotations

from django.template import engines
from django.templatetags import i18n as django_i18n
from django.utils import translation

from rekisteri.core.templatetags.i18n_constant import ConstantTranslateNode

SOURCE = (
    '{% load i18n %}{% translate "Persons" %}|{% translate "Persons" as p %}{{ p }}|'
    '{% translate "Persons"|upper %}|{% translate "Persons" context "menu" %}'
)


def test_constant_messages_translate_as_django_does_in_each_language():
    template = engines["django"].from_string(SOURCE)
    nodes = [
        n
        for n in template.template.nodelist
        if isinstance(n, django_i18n.TranslateNode)
    ]
    # Literal messages are kept; with a filter or a context they are Django's.
    assert [type(n) for n in nodes] == [
        ConstantTranslateNode,
        ConstantTranslateNode,
        django_i18n.TranslateNode,
        django_i18n.TranslateNode,
    ]
    with translation.override("fi"):
        persons = translation.gettext("Persons")
        in_menu = translation.pgettext("menu", "Persons")
    assert persons != "Persons"
    want = f"{persons}|{persons}|{persons.upper()}|{in_menu}"
    for _ in range(2):  # the second render gives the kept text
        with translation.override("fi"):
            assert template.render({}) == want
        with translation.override("en"):
            assert template.render({}) == "Persons|Persons|PERSONS|Persons"
