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


def test_the_check_keeps_warning_of_every_other_library_clash() -> None:
    """The backend leaves out only the intended ``i18n`` pair of Django's
    ``templates.W003``; another name given to two modules still warns."""
    from rekisteri.core.template_backend import Templates

    def warnings(libraries: dict[str, str]) -> list[str]:
        engine = Templates(
            {
                "NAME": "check",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {"libraries": libraries},
            }
        )
        return [m.msg for m in engine.check() if m.id == "templates.W003"]

    intended = {"i18n": "rekisteri.core.templatetags.i18n_constant"}
    assert warnings(intended) == []
    clash = {**intended, "static": "rekisteri.core.templatetags.core_tags"}
    assert [m.split(" is used")[0] for m in warnings(clash)] == ["'static'"]
