"""Identifiers from requests: URLs, cursors, form and API values."""

from __future__ import annotations

import uuid
from typing import Any

from rekisteri.core.errors import NotFound


def as_uuid(value: Any) -> uuid.UUID:
    """``value`` as a UUID; ``NotFound`` for anything that is not one, so a
    malformed id answers exactly like a missing row."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None
