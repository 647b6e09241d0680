"""Second-factor secrets at rest: TOTP keys sealed, recovery codes hashed.

django-otp keeps the TOTP shared secret as hex and the recovery codes as
typed, so anyone who reads the database or a backup could log in as the
second factor. Here:

* the TOTP secret is sealed with AES-256-GCM under a key derived (HKDF) from
  the index key, bound to the account id; the ``key`` column holds
  ``s1:`` + base64(nonce | ciphertext), which fits django-otp's 80 characters;
* a recovery code is stored as a keyed HMAC (64 bits, 16 hex characters,
  the width of django-otp's column) of the normalised code; a code read from
  the database is useless, and without the index key nothing can be tested
  against the digests offline.

The derived keys never sit in the database; the index key does not rotate
with the master key, so master-key rotation leaves these values alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rekisteri.core.keyring import provider

SEALED_PREFIX = "s1:"
_HEX = re.compile(r"^[0-9a-fA-F]*$")


@cache
def _derive(index_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        index_key
    )


def _seal_key() -> bytes:
    return _derive(provider().index_key(), b"rekisteri/totp-seal/v1")


def _digest_key() -> bytes:
    return _derive(provider().index_key(), b"rekisteri/recovery-code/v1")


def _aad(user_id: object) -> bytes:
    return f"rekisteri-totp|{user_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def seal_totp_key(hex_key: str, user_id: object) -> str:
    """The stored form of a hex TOTP secret."""
    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key()).encrypt(nonce, bytes.fromhex(hex_key), _aad(user_id))
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def open_totp_key(stored: str, user_id: object) -> bytes:
    """The raw TOTP secret of a stored value; ValueError if it is not sealed
    or does not authenticate for this account."""
    if not is_sealed(stored):
        raise ValueError("TOTP secret is not sealed")
    raw = base64.b64decode(stored[len(SEALED_PREFIX) :])
    try:
        return AESGCM(_seal_key()).decrypt(raw[:12], raw[12:], _aad(user_id))
    except InvalidTag:
        raise ValueError("TOTP secret does not authenticate") from None


def recovery_digest(code: str) -> str:
    """The stored form of a recovery code (normalised: no spaces, dashes)."""
    normal = re.sub(r"[\s-]", "", code or "").lower()
    return hmac.new(_digest_key(), normal.encode(), hashlib.sha256).hexdigest()[:16]


def looks_like_plain_hex(stored: str) -> bool:
    return bool(_HEX.match(stored))


def enrolment_digest(code: str) -> str:
    """The stored form of a one-time enrolment code (keyed, full length)."""
    normal = re.sub(r"[\s-]", "", code or "").upper()
    key = _derive(provider().index_key(), b"rekisteri/enrolment-code/v1")
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()
