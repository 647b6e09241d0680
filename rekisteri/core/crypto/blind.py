"""Blind indexes: keyed, truncated HMACs of normalised values.

Each indexed field has its own key, derived with HKDF from the index key, so
digests of the same email in two fields are unrelated. Digests are truncated
to ``BITS`` bits: an attacker holding the database learns which rows share a
digest (equality, with deliberate collisions), not the values; lookups filter
the collisions out after decryption. docs/security.md sizes the truncation.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rekisteri.core.formats import search_key

# Exact-match digests (email, phone): at 1M values a lookup meets on average
# 1e6 / 2**32 ≈ 0.0002 unrelated rows. Name tokens and prefixes are far fewer
# distinct values, and shorter digests leak less about them.
EXACT_BITS = 32
TOKEN_BITS = 24
MIN_PREFIX = 3
MAX_TOKEN = 40


@lru_cache(maxsize=64)
def field_key(index_key: bytes, label: str) -> bytes:
    """Per-field HMAC key derived from the index key."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"rekisteri-blind-index/v1",
        info=label.encode(),
    ).derive(index_key)


@lru_cache(maxsize=64)
def _keyed(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256's inner and outer hash states with ``key`` absorbed
    (RFC 2104, as the standard library's own pure-Python HMAC keeps them),
    copied for each term: the key's padding is hashed once per key instead
    of once per term, which was most of what a short term cost."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(key.translate(_IPAD))
    outer = hashlib.sha256(key.translate(_OPAD))
    return inner, outer


_BLOCK = hashlib.sha256().block_size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _mac(key: bytes, term: str) -> bytes:
    """HMAC-SHA256 of ``term`` under ``key`` (equal to ``hmac.digest``)."""
    inner, outer = _keyed(key)
    i = inner.copy()
    i.update(term.encode("utf-8"))
    o = outer.copy()
    o.update(i.digest())
    return o.digest()


def digest(key: bytes, term: str, bits: int) -> int:
    """A signed 64-bit-safe integer of the first ``bits`` bits of the HMAC."""
    return int.from_bytes(_mac(key, term)[:8], "big") >> (64 - bits)


def digests(key: bytes, terms: list[str], bits: int) -> list[int]:
    """:func:`digest` of each term (a person's name terms, in one loop)."""
    shift = 64 - bits
    inner, outer = _keyed(key)
    new_inner, new_outer = inner.copy, outer.copy
    out = []
    for t in terms:
        i = new_inner()
        i.update(t.encode("utf-8"))
        o = new_outer()
        o.update(i.digest())
        out.append(int.from_bytes(o.digest()[:8], "big") >> shift)
    return out


def unique_digest(key: bytes, term: str) -> str:
    """The full HMAC-SHA256 of a term as 64 hex digits, for a unique
    constraint: unlike the truncated index digest it has no collisions, so
    the database itself can refuse a second row with the same value."""
    return _mac(key, term).hex()


def exact_terms(value: str) -> list[str]:
    return [value] if value else []


def name_terms(value: str) -> list[str]:
    """Every token of a name and each of its prefixes of MIN_PREFIX or more.

    ``"Anna-Liisa Järvinen"`` gives the tokens anna-liisa, anna, liisa and
    järvinen, each with its prefixes (ann, anna, anna-, …, jär, järv, …).
    Tokens shorter than MIN_PREFIX are indexed whole only.
    """
    terms: set[str] = set()
    for part in search_key(value).split():
        for token in {part, *(p for p in part.split("-") if p)}:
            token = token[:MAX_TOKEN]
            if len(token) < MIN_PREFIX:
                terms.add(token)
                continue
            terms.update(token[:end] for end in range(MIN_PREFIX, len(token) + 1))
    return sorted(terms)
