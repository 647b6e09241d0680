"""Messages and reasons are asserted in English (the source language); the
Finnish catalog is tested explicitly in test_views."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield
