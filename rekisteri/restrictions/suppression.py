"""Keyed digests of the suppression list.

An address is normalised first (an email in its one canonical form,
``core.formats.normalise_email``; a phone number in E.164), then digested
with HMAC-SHA256 under a key of its own, derived with HKDF from the
blind-index key (as each blind-index field's key is) under a different
salt, one key per kind. The whole 256-bit digest is kept: unlike a blind
index, the list must never match an address it does not hold, and it is
small. Without the index key the digests cannot be tested against guessed
addresses.
"""

from __future__ import annotations

import hmac
import unicodedata
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rekisteri.core import formats
from rekisteri.core.keyring import provider
from rekisteri.restrictions.choices import ContactKind

SALT = b"rekisteri-suppression/v1"


@lru_cache(maxsize=8)
def _key(index_key: bytes, kind: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=SALT, info=kind.encode()
    ).derive(index_key)


def normalise(kind: str, value: str) -> str | None:
    """The canonical form of an address, or None if it is not one."""
    try:
        if kind == ContactKind.EMAIL:
            return formats.normalise_email(value)
        return formats.normalise_phone(value)
    except formats.FormatError:
        return None


def digest(kind: str, value: str) -> str | None:
    """Hex HMAC-SHA256 of the normalised address (None if not an address);
    inside ``formats.memo`` once per address (an import's batch asks for
    its addresses before it writes, and the listener again after)."""
    return formats.derived(f"suppression:{kind}", value, lambda v: _digest(kind, v))


def _digest(kind: str, value: str) -> str | None:
    normal = normalise(kind, value)
    if normal is None:
        return None
    key = _key(provider().index_key(), str(kind))
    return hmac.new(key, normal.encode("utf-8"), "sha256").hexdigest()


def digests(kind: str, value: str) -> tuple[str, ...]:
    """The digests the list may hold ``value`` under, to look it up by:
    :func:`digest` first, then, for an email address whose domain is not
    ASCII, those of the spellings entries were recorded in before
    addresses had one canonical form (the domain in punycode, or
    decomposed; each address was kept as typed, lowercased). Migration
    ``restrictions.0004`` records the canonical digest of every address of
    a person who objected, but an erased person's entries stay as they
    were written: this is how they still match. Empty if not an address."""
    return formats.derived(
        f"suppression-lookup:{kind}", value, lambda v: _digests(kind, v)
    )


def _digests(kind: str, value: str) -> tuple[str, ...]:
    normal = normalise(kind, value)
    if normal is None:
        return ()
    spellings = [normal]
    if kind == ContactKind.EMAIL and not normal.isascii():
        for legacy in (
            formats.ascii_email(normal),
            unicodedata.normalize("NFD", normal),
        ):
            if legacy not in spellings:
                spellings.append(legacy)
    key = _key(provider().index_key(), str(kind))
    return tuple(
        hmac.new(key, s.encode("utf-8"), "sha256").hexdigest() for s in spellings
    )
