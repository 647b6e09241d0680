"""The hash chain: canonical row content and its keyed digest.

The chain key is derived from the index key with HKDF, so it never sits in
the database: someone who can write to the database but does not hold the
keys cannot forge a consistent chain after editing a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rekisteri.core.keyring import provider

GENESIS = "0" * 64
_INFO = b"rekisteri/audit-chain/v1"


@cache
def _derive(index_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        index_key
    )


def chain_key() -> bytes:
    """The HMAC key of the chain (cached per index key)."""
    return _derive(provider().index_key())


# One encoder, reused: compact, keys of nested objects sorted (PostgreSQL's
# jsonb reorders them), non-ASCII kept as is.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical(values: list[Any]) -> bytes:
    """Stable bytes of an event's content: a JSON array in column order."""
    return _ENCODER.encode(values).encode()


def link(key: bytes, prev_hash: str, content: bytes) -> str:
    """The hash of an event: HMAC(key, prev_hash | content)."""
    message = prev_hash.encode() + b"|" + content
    return hmac.digest(key, message, "sha256").hex()


# The columns a hash covers, in the order ``canonical`` sees them. ``at`` is
# hashed as ISO text in UTC with microseconds and ``subject_id`` as the UUID's
# text, so SQLite and PostgreSQL give the same bytes.
CHAINED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "client",
    "action",
    "outcome",
    "target_type",
    "target_id",
    "subject_id",
    "fields",
    "categories",
    "purpose",
    "details",
)
AT = CHAINED_FIELDS.index("at")
SUBJECT = CHAINED_FIELDS.index("subject_id")


def iso_at(value: Any) -> str:
    """The hashed form of ``at``: UTC ISO text with microseconds."""
    if isinstance(value, str):
        return value
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def content_of(values: dict[str, Any]) -> bytes:
    """Canonical content of a row given its column values."""
    return content_of_row([values[name] for name in CHAINED_FIELDS])


def content_of_row(row: list[Any]) -> bytes:
    """:func:`content_of` of the values in :data:`CHAINED_FIELDS`' order
    (``row`` is changed)."""
    row[AT] = iso_at(row[AT])
    if row[SUBJECT] is not None:
        row[SUBJECT] = str(row[SUBJECT])
    return canonical(row)


def head_seal(
    key: bytes,
    *,
    first_id: int,
    anchor_hash: str,
    last_id: int,
    last_hash: str,
    count: int,
) -> str:
    """The head's own HMAC: where the chain starts and ends and how long it is."""
    message = f"head|{first_id}|{anchor_hash}|{last_id}|{last_hash}|{count}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
