"""The API kit every app's REST schemas stand on.

Input schemas check types and generous length caps only; business rules
stay in the services, so the API and the staff UI report the same error
codes (docs/architecture.md, Services and selectors). Unknown fields are
refused (``extra="forbid"``): a misspelt field in a PATCH would otherwise be
silently ignored. Lists are keyset-paginated: :class:`Page` is the base of
every page schema, :class:`rekisteri.core.paging.Page` what selectors return.

No ``from __future__ import annotations`` here: ninja and pydantic read these
annotations at runtime from other modules.
"""

from ninja import Field, Schema
from pydantic import ConfigDict


class InputSchema(Schema):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Page(Schema):
    """Keyset page: pass ``next_cursor`` as ``after`` to get the next one."""

    next_cursor: str | None = Field(
        None, description="Opaque cursor for the next page; null on the last page."
    )
