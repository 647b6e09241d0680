"""The hash chain: canonical row content and its keyed digest.

The chain key is derived from the index key with HKDF, so it never sits in
the database: someone who can write to the database but does not hold the
keys cannot forge a consistent chain after editing a row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

GENESIS = "0" * 64
_INFO = b"rekisteri/audit-chain/v1"


@cache
def _derive(index_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        index_key
    )


def chain_key() -> bytes:
    """The HMAC key of the chain (cached per index key)."""
    from rekisteri.keystore.keys import provider

    return _derive(provider().index_key())


def canonical(row: dict[str, Any]) -> bytes:
    """Stable bytes of an event's content (everything but the hashes)."""
    return json.dumps(
        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def link(key: bytes, prev_hash: str, content: bytes) -> str:
    """The hash of an event: HMAC(key, prev_hash | content)."""
    message = prev_hash.encode() + b"|" + content
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# The columns a hash covers, in the order ``canonical`` sees them. ``at`` is
# stored as ISO text so SQLite and PostgreSQL give the same bytes.
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


def content_of(values: dict[str, Any]) -> bytes:
    """Canonical content of a row given its column values."""
    row = {}
    for name in CHAINED_FIELDS:
        value = values[name]
        if name == "at":
            value = value.isoformat(timespec="microseconds")
        elif name == "subject_id" and value is not None:
            value = str(value)
        row[name] = value
    return canonical(row)
