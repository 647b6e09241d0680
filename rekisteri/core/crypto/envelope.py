"""Versioned AES-256-GCM envelopes bound to their place.

Layout of a sealed value (bytes)::

    version (1) | key version (4, big-endian) | nonce (12) | ciphertext+tag

The associated data is the header followed by the table, field, row and key
class, so a ciphertext copied to another row, another column or another key
class fails authentication instead of decrypting to someone else's data. The
key version tells which generation of the subject's data key sealed the value.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
HEADER = struct.Struct(">BI")
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = HEADER.size + NONCE_BYTES + TAG_BYTES


class IntegrityError(Exception):
    """A sealed value failed authentication: tampered, moved or wrong key.

    The message names the place (table.field and row), never the value.
    """


@dataclass(frozen=True)
class Place:
    """Where a value lives; bound into the ciphertext as associated data."""

    table: str
    field: str
    row: str
    key_class: str

    def aad(self) -> bytes:
        return aad_of(self.table, self.field, self.row, self.key_class)

    def __str__(self) -> str:
        return f"{self.table}.{self.field} row {self.row}"


def aad_of(table: str, field: str, row: str, key_class: str) -> bytes:
    """A place's associated data (:meth:`Place.aad`), without the
    :class:`Place` (bulk writers seal thousands of values a batch)."""
    # Length-prefixed so no two places produce the same bytes.
    return row_aad(_column_part(table, field), row, key_class)


def column_aad(table: str, field: str) -> bytes:
    """The part of :func:`aad_of` that every row of a column shares."""
    return _column_part(table, field)


def row_aad(column: bytes, row: str, key_class: str) -> bytes:
    """:func:`aad_of` from its column's part (:func:`column_aad`)."""
    return column + _part(row) + _key_class_part(key_class)


def _part(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">H", len(raw)) + raw


@lru_cache(maxsize=256)
def _column_part(table: str, field: str) -> bytes:
    return b"rekisteri/v1" + _part(table) + _part(field)


@lru_cache(maxsize=16)
def _key_class_part(key_class: str) -> bytes:
    return _part(key_class)


def data_cipher(key: bytes) -> AESGCM:
    """The cipher of a 256-bit data key."""
    if len(key) != 32:
        raise ValueError("data keys are 256 bits")
    return AESGCM(key)


def seal(key: bytes, key_version: int, place: Place, plaintext: str) -> bytes:
    """Encrypt ``plaintext`` for ``place`` under a 256-bit data key."""
    return seal_with(data_cipher(key), key_version, place, plaintext)


def seal_with(aead: AESGCM, key_version: int, place: Place, plaintext: str) -> bytes:
    """:func:`seal` with a prepared cipher (bulk writers reuse one per key)."""
    return seal_bytes_with(aead, key_version, place, plaintext.encode("utf-8"))


def seal_bytes_with(aead: AESGCM, key_version: int, place: Place, data: bytes) -> bytes:
    """Seal raw bytes (attachment content); the envelope is the same as text's."""
    return seal_at(aead, key_version, place.aad(), data)


def seal_at(aead: AESGCM, key_version: int, aad: bytes, data: bytes) -> bytes:
    """Seal raw bytes for the place whose associated data is ``aad``
    (:func:`aad_of`): the envelope's one layout."""
    nonce = os.urandom(NONCE_BYTES)
    header = HEADER.pack(VERSION, key_version)
    body = aead.encrypt(nonce, data, header + aad)
    return header + nonce + body


def key_version_of(sealed: bytes) -> int:
    """The data-key version a sealed value needs (no decryption)."""
    if len(sealed) < OVERHEAD:
        raise IntegrityError("sealed value is truncated")
    version, key_version = HEADER.unpack_from(sealed)
    if version != VERSION:
        raise IntegrityError(f"unknown envelope version {version}")
    return key_version


def open_sealed(key: bytes, place: Place, sealed: bytes) -> str:
    """Decrypt a value sealed for ``place``; raise IntegrityError otherwise."""
    return open_sealed_bytes(key, place, sealed).decode("utf-8")


def open_sealed_bytes(key: bytes, place: Place, sealed: bytes) -> bytes:
    """:func:`open_sealed` for values sealed from raw bytes."""
    key_version_of(sealed)  # validates header and length
    return open_at(key, place.aad(), sealed, place)


_BODY = HEADER.size + NONCE_BYTES


def open_at(key: bytes, aad: bytes, sealed: bytes, place: object) -> bytes:
    """Decrypt ``sealed``, whose header :func:`key_version_of` has checked,
    for the place whose associated data is ``aad`` (:func:`aad_of`);
    ``place`` names it in the error (a :class:`Place`, or anything that
    makes one when formatted). The one opening path: readers that open
    many values a page build no :class:`Place` unless one fails."""
    try:
        # The header is authenticated too: a changed key version must not pass.
        return AESGCM(key).decrypt(
            sealed[HEADER.size : _BODY], sealed[_BODY:], sealed[: HEADER.size] + aad
        )
    except InvalidTag:
        raise IntegrityError(f"integrity check failed for {place}") from None
