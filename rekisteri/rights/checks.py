"""System check: every person's data is reachable by the rights engine.

A model holding personal data of a data subject must lead to a person
through its catalogue subject paths, or be covered by a registered
participant (rekisteri.core.participants); otherwise an access export would
silently miss it and an erasure would leave it behind. ``manage.py check``
(and so the test suite) fails with ``rights.E001`` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import checks

from rekisteri.core.catalogue import iter_models
from rekisteri.rights import engine


@checks.register("catalogue")
def check_reachable(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list:
    return [
        checks.Error(
            f"{problem}: the data-subject rights engine cannot reach it from a person.",
            hint=(
                "Give the field a subject path that leads to the Person, a "
                "condition (when=) that makes organization data a person's, or "
                "register a participant covering the model in its app's "
                "AppConfig.ready (rekisteri.core.participants)."
            ),
            id="rights.E001",
        )
        for problem in engine.unreachable(iter_models(app_configs))
    ]
