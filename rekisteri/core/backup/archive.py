"""The backup archive format: one encrypted, authenticated stream.

Layout::

    "RKBACKUP" | format version (1) | header length (4, BE) | header (JSON)
    record*  where record = type (1) | length (4, BE) | AES-256-GCM ciphertext

The header (archive id, kind, creation time, master key id, the archive key
wrapped by the master key, the nonce prefix and the segment size) is readable
without any key, so ``backup list`` never decrypts. The body is the snapshot
cut into segments of ``segment_size`` bytes (type DATA, the last one FINAL,
an empty snapshot gives one empty FINAL segment), then one MANIFEST record.

Each record's nonce is the per-archive random prefix followed by its index,
and its associated data is the whole header, its index and its type. So a
changed header, a flipped byte, a swapped or dropped segment, a cut-off tail
or a record from another archive fails authentication or the structure
check. A fresh random key per archive means nonces never repeat under a key.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rekisteri.core.crypto.master import MasterKeyProvider, UnwrapError

MAGIC = b"RKBACKUP"
FORMAT_VERSION = 1
SEGMENT_SIZE = 1024 * 1024
TAG_BYTES = 16
NONCE_PREFIX_BYTES = 4
MAX_HEADER = 64 * 1024
MAX_MANIFEST = 16 * 1024 * 1024
KINDS = ("data", "keys")

_PREAMBLE = struct.Struct(">8sBI")
_RECORD = struct.Struct(">BI")
_AAD_TAIL = struct.Struct(">QB")

DATA, FINAL, MANIFEST = 0, 1, 2


class ArchiveError(Exception):
    """An archive is unreadable, incomplete, tampered with or under another key.

    Messages name the archive and what failed, never any of its content.
    """


def _context(archive_id: str) -> bytes:
    return b"backup|" + archive_id.encode()


@dataclass(frozen=True)
class Header:
    """The clear-text header of an archive; its bytes are authenticated."""

    archive_id: str
    kind: str
    created_at: datetime
    master_id: str
    wrapped_key: bytes
    nonce_prefix: bytes
    segment_size: int
    raw: bytes = field(repr=False)

    @property
    def aad(self) -> bytes:
        return self.raw


def _encode_header(values: dict[str, Any]) -> bytes:
    body = json.dumps(values, sort_keys=True, separators=(",", ":")).encode()
    return _PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(body)) + body


def read_header(fh: BinaryIO, name: str) -> Header:
    """Parse the header at the start of ``fh`` (no key needed)."""
    pre = fh.read(_PREAMBLE.size)
    if len(pre) < _PREAMBLE.size:
        raise ArchiveError(f"{name}: not a Rekisteri backup (too short)")
    magic, version, length = _PREAMBLE.unpack(pre)
    if magic != MAGIC:
        raise ArchiveError(f"{name}: not a Rekisteri backup (bad magic)")
    if version != FORMAT_VERSION:
        raise ArchiveError(f"{name}: unsupported backup format version {version}")
    if length > MAX_HEADER:
        raise ArchiveError(f"{name}: header is implausibly large")
    body = fh.read(length)
    if len(body) < length:
        raise ArchiveError(f"{name}: header is truncated")
    try:
        v = json.loads(body)
        header = Header(
            archive_id=str(v["id"]),
            kind=str(v["kind"]),
            created_at=datetime.fromisoformat(v["created_at"]),
            master_id=str(v["master_id"]),
            wrapped_key=bytes.fromhex(v["wrapped_key"]),
            nonce_prefix=bytes.fromhex(v["nonce_prefix"]),
            segment_size=int(v["segment_size"]),
            raw=pre + body,
        )
    except (ValueError, KeyError, TypeError):
        raise ArchiveError(f"{name}: header is malformed") from None
    if (
        header.kind not in KINDS
        or len(header.nonce_prefix) != NONCE_PREFIX_BYTES
        or not 0 < header.segment_size <= 64 * SEGMENT_SIZE
    ):
        raise ArchiveError(f"{name}: header is malformed")
    return header


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">Q", index)


class ArchiveWriter:
    """Encrypts a stream of snapshot bytes into ``fh``, segment by segment.

    Memory stays at about one segment: bytes are buffered only until a full
    segment can be sealed. A segment is sealed as DATA only once more bytes
    follow it, so the last one (possibly empty) can carry the FINAL type.
    """

    def __init__(
        self,
        fh: BinaryIO,
        *,
        kind: str,
        provider: MasterKeyProvider,
        segment_size: int = SEGMENT_SIZE,
        created_at: datetime | None = None,
        archive_id: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown archive kind {kind!r}")
        self.fh = fh
        self.kind = kind
        self.archive_id = archive_id or uuid.uuid4().hex
        self.created_at = created_at or datetime.now(UTC)
        self.segment_size = segment_size
        key = os.urandom(32)
        master_id, wrapped = provider.wrap(key, context=_context(self.archive_id))
        self._aead = AESGCM(key)
        self._prefix = os.urandom(NONCE_PREFIX_BYTES)
        self.header_bytes = _encode_header(
            {
                "id": self.archive_id,
                "kind": kind,
                "created_at": self.created_at.isoformat(),
                "master_id": master_id,
                "wrapped_key": wrapped.hex(),
                "nonce_prefix": self._prefix.hex(),
                "segment_size": segment_size,
            }
        )
        fh.write(self.header_bytes)
        self._buffer = bytearray()
        self._index = 0
        self._sha = hashlib.sha256()
        self.size = 0
        self.segments = 0
        self._finished = False

    def _record(self, kind: int, plaintext: bytes) -> None:
        aad = self.header_bytes + _AAD_TAIL.pack(self._index, kind)
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index), plaintext, aad)
        self.fh.write(_RECORD.pack(kind, len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        """Add snapshot bytes; seals every full segment that has a successor."""
        self._sha.update(data)
        self.size += len(data)
        self._buffer += data
        while len(self._buffer) > self.segment_size:
            self._record(DATA, bytes(self._buffer[: self.segment_size]))
            del self._buffer[: self.segment_size]
            self.segments += 1

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def finish(self, manifest: dict[str, Any]) -> None:
        """Seal the last segment and the manifest (which gains size and sha256)."""
        self._record(FINAL, bytes(self._buffer))
        self._buffer.clear()
        self.segments += 1
        full = {
            **manifest,
            "archive_id": self.archive_id,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "snapshot_size": self.size,
            "snapshot_sha256": self.sha256,
            "segments": self.segments,
        }
        self._record(MANIFEST, json.dumps(full, sort_keys=True).encode())
        self._finished = True


class ArchiveReader:
    """Decrypts and authenticates an archive as a stream of snapshot bytes.

    Iterate :meth:`chunks`; :attr:`manifest` is set once the stream was read
    to its end and everything authenticated, including the size and sha256
    of the snapshot against the manifest.
    """

    def __init__(self, fh: BinaryIO, provider: MasterKeyProvider, name: str) -> None:
        self.fh = fh
        self.name = name
        self.header = read_header(fh, name)
        try:
            key = provider.unwrap(
                self.header.master_id,
                self.header.wrapped_key,
                _context(self.header.archive_id),
            )
        except UnwrapError:
            raise ArchiveError(
                f"{name}: the archive key does not unwrap under master key "
                f"{self.header.master_id!r} (wrong or missing master key, or the "
                "header was tampered with)"
            ) from None
        self._aead = AESGCM(key)
        self.manifest: dict[str, Any] | None = None

    def _read_record(self, index: int) -> tuple[int, bytes] | None:
        pre = self.fh.read(_RECORD.size)
        if not pre:
            return None
        if len(pre) < _RECORD.size:
            raise ArchiveError(f"{self.name}: truncated inside record {index}")
        kind, length = _RECORD.unpack(pre)
        limit = (
            MAX_MANIFEST if kind == MANIFEST else self.header.segment_size + TAG_BYTES
        )
        if kind not in (DATA, FINAL, MANIFEST) or not TAG_BYTES <= length <= limit:
            raise ArchiveError(f"{self.name}: record {index} is malformed")
        sealed = self.fh.read(length)
        if len(sealed) < length:
            raise ArchiveError(f"{self.name}: truncated inside record {index}")
        aad = self.header.aad + _AAD_TAIL.pack(index, kind)
        try:
            plain = self._aead.decrypt(
                _nonce(self.header.nonce_prefix, index), sealed, aad
            )
        except InvalidTag:
            raise ArchiveError(
                f"{self.name}: record {index} failed authentication (tampered, "
                "reordered or from another archive)"
            ) from None
        return kind, plain

    def chunks(self) -> Iterator[bytes]:
        """The snapshot, one authenticated segment at a time."""
        sha = hashlib.sha256()
        size = 0
        index = 0
        while True:
            record = self._read_record(index)
            if record is None:
                raise ArchiveError(
                    f"{self.name}: truncated (ends before the final segment)"
                )
            kind, plain = record
            if kind == MANIFEST:
                raise ArchiveError(f"{self.name}: manifest before the final segment")
            index += 1
            sha.update(plain)
            size += len(plain)
            yield plain
            if kind == FINAL:
                break
        record = self._read_record(index)
        if record is None:
            raise ArchiveError(f"{self.name}: truncated (manifest missing)")
        if record[0] != MANIFEST:
            raise ArchiveError(f"{self.name}: data after the final segment")
        if self.fh.read(1):
            raise ArchiveError(f"{self.name}: unexpected bytes after the manifest")
        try:
            manifest = json.loads(record[1])
        except ValueError:
            raise ArchiveError(f"{self.name}: manifest is malformed") from None
        if (
            manifest.get("snapshot_sha256") != sha.hexdigest()
            or manifest.get("snapshot_size") != size
        ):
            raise ArchiveError(
                f"{self.name}: snapshot checksum does not match the manifest"
            )
        if (
            manifest.get("archive_id") != self.header.archive_id
            or manifest.get("kind") != self.header.kind
        ):
            raise ArchiveError(f"{self.name}: manifest belongs to another archive")
        self.manifest = manifest


def verify_stream(fh: BinaryIO, provider: MasterKeyProvider, name: str) -> dict:
    """Authenticate a whole archive without keeping any of it; the manifest."""
    reader = ArchiveReader(fh, provider, name)
    for _chunk in reader.chunks():
        pass
    assert reader.manifest is not None
    return reader.manifest
