"""Identifiers: new primary keys, and ids from requests (URLs, cursors,
form and API values)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from uuid_utils.compat import uuid7 as _uuid7

from rekisteri.core.errors import NotFound
from rekisteri.core.formats import MAX_NUMBER_DIGITS

_CANONICAL = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def is_canonical(text: str) -> bool:
    """Whether ``text`` is an id in the one spelling :func:`as_uuid` reads."""
    return _CANONICAL.fullmatch(text) is not None


def as_uuid(value: Any) -> uuid.UUID:
    """``value`` as a UUID; ``NotFound`` for anything that is not one, so a
    malformed id answers exactly like a missing row.

    One spelling only, the one the register writes: 8-4-4-4-12 hex digits
    (either case). ``uuid.UUID`` also reads ``urn:uuid:…``, braces, no
    dashes, and reads the digits with ``int()``, which takes other scripts'
    digits (Arabic-Indic, fullwidth): each would find the row under a second
    name, in URLs, caches and anything keyed by the id as sent."""
    if isinstance(value, uuid.UUID):
        return value
    text = value if isinstance(value, str) else str(value)
    if not is_canonical(text):
        raise NotFound()
    return uuid.UUID(text)


def time_ordered_id() -> uuid.UUID:
    """A new primary key for a register row: a UUID of version 7.

    The first 48 bits are the creation time in milliseconds and the other 74
    (after the version and variant) are random (RFC 9562). Rows created
    together sit together in every index on the key, so a bulk insert
    appends to a few index pages instead of touching one page per row all
    over the index; the 74 random bits still make an id impossible to
    guess from its neighbours. The time in the id is the row's creation
    time, which the row and the audit log hold anyway (docs/security.md,
    Identifiers).

    ``uuid_utils.compat`` returns the standard library's ``uuid.UUID``, so
    nothing else sees a different type; Python 3.14's ``uuid.uuid7`` can
    take over once it is the floor.
    """
    return _uuid7()


def random_id() -> uuid.UUID:
    """A new identifier that reveals nothing, not even when it was made: a
    UUID of version 4, for handles given to people outside the staff
    (portal drafts, download links, codes and tokens; docs/security.md,
    Identifiers)."""
    return uuid.uuid4()


class RowNumber:
    """The ``<id:...>`` path converter: a row's whole-number id in its one
    spelling, no leading zeros and at most 18 digits (``<int:>`` also takes
    ``0002`` as row 2, a second name for it in URLs, logs and audit rows)."""

    regex = f"[1-9][0-9]{{0,{MAX_NUMBER_DIGITS - 1}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))
