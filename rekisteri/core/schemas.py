"""The API kit every app's REST schemas stand on.

Input schemas check types and generous length caps only; business rules
stay in the services, so the API and the staff UI report the same error
codes (docs/architecture.md, Services and selectors). Unknown fields are
refused (``extra="forbid"``): a misspelt field in a PATCH would otherwise be
silently ignored. Text holding a NUL character or a lone surrogate
(``"\\ud800"`` in the JSON) is refused too (error type ``text_character``,
code ``invalid_character``): a lone surrogate cannot be stored as UTF-8, and
PostgreSQL refuses NUL in text where SQLite keeps it, so a lookup by such a
value failed on one database only. Lists are keyset-paginated: :class:`Page`
is the base of every page schema, :class:`rekisteri.core.paging.Page` what
selectors return.

No ``from __future__ import annotations`` here: ninja and pydantic read these
annotations at runtime from other modules.
"""

import uuid
from functools import lru_cache
from typing import Any, get_args

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from rekisteri.core.ids import is_canonical


def _unstorable(value: Any) -> bool:
    """Text (or a list of texts) with a NUL or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list | tuple):
        return any(_unstorable(item) for item in value)
    return False


@lru_cache(maxsize=1024)
def _takes_ids(schema: type, name: str) -> bool:
    """Whether the field ``name`` of ``schema`` holds UUIDs (alone, optional
    or in a list)."""
    field = schema.model_fields.get(name)  # type: ignore[attr-defined]
    pending = [field.annotation] if field is not None else []
    while pending:
        annotation = pending.pop()
        if annotation is uuid.UUID:
            return True
        pending.extend(get_args(annotation))
    return False


def _other_spelling(value: Any) -> bool:
    """An id (or list of ids) as text in another spelling than the one the
    register writes (``rekisteri.core.ids.as_uuid``)."""
    if isinstance(value, str):
        return not is_canonical(value)
    if isinstance(value, list | tuple):
        return any(isinstance(v, str) and not is_canonical(v) for v in value)
    return False


class InputSchema(Schema):
    """Base of request bodies: unknown fields, unstorable text and ids in a
    second spelling are an error."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _one_spelling_of_an_id(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads "urn:uuid:…", braces and 32 bare hex digits as the
        # same id; paths and cursors do not (core/ids.py): one spelling
        # everywhere, so an id is the same text in every log and audit row.
        if (
            info.field_name
            and _takes_ids(cls, info.field_name)
            and _other_spelling(value)
        ):
            raise PydanticCustomError("uuid_parsing", "Not an id.")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_unstorable_text(cls, value: Any) -> Any:
        if _unstorable(value):
            raise PydanticCustomError(
                "text_character", "The text holds a NUL or a lone surrogate."
            )
        return value


class Page(Schema):
    """Keyset page: pass ``next_cursor`` as ``after`` to get the next one."""

    next_cursor: str | None = Field(
        None, description="Opaque cursor for the next page; null on the last page."
    )
