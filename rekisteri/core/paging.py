"""Keyset paging, the one way lists are paged in every app.

A selector returns a :class:`Page`: the rows and an opaque cursor, the id of
the last row shown, never a name (names can be personal data and the cursor
travels in a URL; docs/architecture.md, Search). The API's page schemas
derive from :class:`rekisteri.core.schemas.Page`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Page:
    """One page of a keyset-paginated list. ``next_cursor`` is an opaque id."""

    items: list
    next_cursor: str | None = None
