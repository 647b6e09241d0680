"""``manage.py check`` warns about a ``REKISTERI_`` setting no app declares.

Every setting the apps read is declared in an app's ``conf.py``
(``rekisteri/core/conf.py``); one that is set in the settings module but
declared nowhere is read by nothing, most likely a misspelt name or one that
has been renamed (docs/architecture.md, Settings).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import checks

from rekisteri.core import conf


@checks.register()
def undeclared_settings(
    app_configs: Iterable[Any] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    known = conf.declared()
    warnings: list[checks.CheckMessage] = []
    for name in sorted(dir(settings)):
        if not (name == conf.PREFIX.rstrip("_") or name.startswith(conf.PREFIX)):
            continue
        if name in known:
            continue
        near = difflib.get_close_matches(name, known, n=3, cutoff=0.8)
        near += sorted(n for n in known if n.startswith(f"{name}_") and n not in near)
        warnings.append(
            checks.Warning(
                f"The setting {name} is declared by no app: nothing reads it.",
                hint=(f"Did you mean {', '.join(near[:6])}? " if near else "")
                + "Each app's conf.py declares the settings it reads.",
                id="rekisteri.W001",
            )
        )
    return warnings
