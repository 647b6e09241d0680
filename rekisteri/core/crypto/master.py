"""The master key: wraps data keys, never stored in a database.

Configuration, in order of precedence:

* ``REKISTERI_MASTER_KEY`` — one or more ``id:base64key`` pairs separated by
  commas; the first is the active key, the others can still unwrap (rotation).
  ``REKISTERI_INDEX_KEY`` — base64 key for blind indexes (required with the
  environment form).
* ``REKISTERI_MASTER_KEY_FILE`` (default ``var/keys/master.json``, mode 0600) —
  ``{"active": id, "keys": {id: base64key}, "index_key": base64key}``.

A provider interface (:class:`MasterKeyProvider`) leaves room for a KMS: wrap
and unwrap are the only operations the rest of the system uses.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


class KeyConfigError(Exception):
    """The master key configuration is missing or malformed; says what to set."""


class UnwrapError(Exception):
    """A wrapped data key did not authenticate under the named master key."""


def _b64decode(value: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise KeyConfigError(f"{what} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{what} must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class MasterKeyProvider:
    """Wraps and unwraps data keys. Subclass for a KMS."""

    active_id: str

    def wrap(
        self, data_key: bytes, context: bytes, master_id: str | None = None
    ) -> tuple[str, bytes]:
        """Wrap under ``master_id`` (default: the active key)."""
        raise NotImplementedError

    def unwrap(self, master_id: str, wrapped: bytes, context: bytes) -> bytes:
        raise NotImplementedError

    def index_key(self) -> bytes:
        raise NotImplementedError

    def known_ids(self) -> list[str]:
        raise NotImplementedError


@dataclass
class LocalMasterKeys(MasterKeyProvider):
    """Master keys held in process memory (from the environment or a file)."""

    active_id: str
    keys: dict[str, bytes]
    _index_key: bytes

    def __post_init__(self) -> None:
        if self.active_id not in self.keys:
            raise KeyConfigError(f"active master key {self.active_id!r} is not defined")
        for key_id in self.keys:
            if not _ID_RE.match(key_id):
                raise KeyConfigError(f"master key id {key_id!r} is not a simple name")
        # One prepared cipher per master key: a page unwraps dozens of data
        # keys and seeding wraps thousands; setting up AES each time costs
        # more than the wrap itself.
        self._ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    def wrap(
        self, data_key: bytes, context: bytes, master_id: str | None = None
    ) -> tuple[str, bytes]:
        master_id = master_id or self.active_id
        cipher = self._ciphers.get(master_id)
        if cipher is None:
            raise KeyConfigError(f"master key {master_id!r} is not configured")
        nonce = os.urandom(12)
        aad = b"rekisteri-wrap/v1|" + master_id.encode() + b"|" + context
        return master_id, nonce + cipher.encrypt(nonce, data_key, aad)

    def unwrap(self, master_id: str, wrapped: bytes, context: bytes) -> bytes:
        cipher = self._ciphers.get(master_id)
        if cipher is None:
            raise UnwrapError(f"master key {master_id!r} is not configured")
        aad = b"rekisteri-wrap/v1|" + master_id.encode() + b"|" + context
        try:
            return cipher.decrypt(wrapped[:12], wrapped[12:], aad)
        except InvalidTag:
            raise UnwrapError(
                f"a data key does not authenticate under master key {master_id!r}: "
                "wrong key material for that id, or the key store was tampered with"
            ) from None

    def index_key(self) -> bytes:
        return self._index_key

    def known_ids(self) -> list[str]:
        return list(self.keys)


def from_environment(master: str, index: str | None) -> LocalMasterKeys:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in master.split(","):
        if not item.strip():
            continue
        if ":" not in item:
            raise KeyConfigError(
                "REKISTERI_MASTER_KEY must be id:base64key[,id:base64key…]"
            )
        key_id, value = item.strip().split(":", 1)
        keys[key_id] = _b64decode(value, f"REKISTERI_MASTER_KEY {key_id!r}")
        order.append(key_id)
    if not order:
        raise KeyConfigError("REKISTERI_MASTER_KEY is empty")
    if not index:
        raise KeyConfigError(
            "REKISTERI_INDEX_KEY must be set with REKISTERI_MASTER_KEY"
        )
    return LocalMasterKeys(order[0], keys, _b64decode(index, "REKISTERI_INDEX_KEY"))


def from_file(path: Path) -> LocalMasterKeys:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyConfigError(
            f"no master key: {path} does not exist. Set REKISTERI_MASTER_KEY and "
            "REKISTERI_INDEX_KEY, or REKISTERI_MASTER_KEY_FILE, or create a key file "
            f"with `python -m rekisteri.core.crypto.keyfile init {path}`"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyConfigError(f"{path} is readable by others; chmod 600 it")
    try:
        data = json.loads(path.read_text())
        keys = {k: _b64decode(v, f"master key {k!r}") for k, v in data["keys"].items()}
        return LocalMasterKeys(
            data["active"], keys, _b64decode(data["index_key"], "index_key")
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, KeyConfigError):
            raise
        raise KeyConfigError(
            f"{path} is not a valid key file ({exc.__class__.__name__})"
        ) from exc


def create_key_file(path: Path, key_id: str | None = None) -> str:
    """Write a new key file (0600); refuses to overwrite. Returns the key id."""
    key_id = key_id or "mk-" + secrets.token_hex(4)
    if not _ID_RE.match(key_id):
        raise KeyConfigError(f"master key id {key_id!r} is not a simple name")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = {
        "active": key_id,
        "keys": {key_id: b64(secrets.token_bytes(KEY_BYTES))},
        "index_key": b64(secrets.token_bytes(KEY_BYTES)),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(content, fh, indent=2)
    return key_id


def add_key_to_file(path: Path, key_id: str | None = None) -> str:
    """Add a new active master key to a key file, keeping the old ones."""
    data = json.loads(path.read_text())
    key_id = key_id or "mk-" + secrets.token_hex(4)
    if key_id in data["keys"] or not _ID_RE.match(key_id):
        raise KeyConfigError(f"master key id {key_id!r} is taken or not a simple name")
    data["keys"][key_id] = b64(secrets.token_bytes(KEY_BYTES))
    data["active"] = key_id
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)
    return key_id


def load(default_file: Path) -> LocalMasterKeys:
    """The configured provider (environment first, then the key file)."""
    master = os.environ.get("REKISTERI_MASTER_KEY")
    if master:
        return from_environment(master, os.environ.get("REKISTERI_INDEX_KEY"))
    path = Path(os.environ.get("REKISTERI_MASTER_KEY_FILE") or default_file)
    return from_file(path)
