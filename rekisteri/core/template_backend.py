"""Django's template backend, knowing of the one library it replaces.

The settings register ``rekisteri.core.templatetags.i18n_constant`` under
the name ``i18n`` (TEMPLATES' ``libraries``), in place of Django's own, on
purpose: templates keep ``{% load i18n %}``. Django's check warns of any
two modules under one library name (``templates.W003``). This backend
leaves out that one intended pair and keeps the warning for every other
clash, rather than silencing the check.
"""

from __future__ import annotations

from typing import Any

from django.template.backends.django import DjangoTemplates

REPLACED = {
    "i18n": "'django.templatetags.i18n', 'rekisteri.core.templatetags.i18n_constant'"
}


class Templates(DjangoTemplates):
    def check(self, **kwargs: Any) -> list[Any]:
        return [
            message
            for message in super().check(**kwargs)
            if not (
                message.id == "templates.W003"
                and any(
                    message.msg == f"{name!r} is used for multiple template tag "
                    f"modules: {pair}"
                    for name, pair in REPLACED.items()
                )
            )
        ]
