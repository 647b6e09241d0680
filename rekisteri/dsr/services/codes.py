"""One-time codes, download tokens and keyed digests: the database holds
only their keyed hashes."""

from __future__ import annotations

import hmac
import secrets

from django.utils.crypto import salted_hmac

from rekisteri.core import keyring
from rekisteri.core.crypto import blind

MAX_CODE_ATTEMPTS = 5


_DIGEST_BITS = 63


def new_code(digits: int = 8) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(purpose: str, value: str) -> str:
    """Keyed hash of a code or token: the database never holds them."""
    return salted_hmac(f"rekisteri.dsr.{purpose}", value.strip()).hexdigest()


def secret_matches(purpose: str, value: str, stored: str) -> bool:
    return hmac.compare_digest(secret_hash(purpose, value or ""), stored)


def contact_digest(kind: str, normalised: str) -> int:
    """Keyed digest of a normalised email or phone (duplicate detection)."""
    key = blind.field_key(keyring.provider().index_key(), f"dsr.requester.{kind}")
    return blind.digest(key, normalised, _DIGEST_BITS)
