"""The register without per-person encryption, for the benchmark's baseline.

``make bench`` measures every register twice in the same run: as shipped,
and with the cipher and the key store taken out. What remains is the same
code — services, selectors, views, templates, blind-index search, the demo
seeder — so the difference between the two is what per-person encryption
costs, not what a different implementation would cost.

:func:`install` replaces, in the calling process only:

* ``EncryptedTextField.encrypt``/``decrypt`` and
  ``EncryptedBinaryField.encrypt``/``decrypt``: values are stored as an
  unencrypted envelope, one version byte ``0x00`` followed by the UTF-8 text
  (or the raw bytes). Version 0 is not a version the cipher knows, so a
  plaintext value can never be taken for a sealed one, nor the reverse.
* ``keys.create_keys_bulk``, ``keys.prefetch``, ``keys.is_destroyed``: no
  data keys are made or read. ``keys.current_key`` and
  ``keys.key_for_version`` refuse, so a path that would still reach the key
  store fails the run instead of quietly mixing the two modes.
* ``keys.new_keys`` and ``bulk.seal_value``: the seeder makes no keys and
  stores the plaintext envelope, and still computes the blind-index terms
  exactly as before, because search needs them in both modes.

The blind index, the audit chain and the master key stay: they are not
per-person encryption. Nothing under ``rekisteri/`` imports this module,
and :func:`install` refuses to run unless the benchmark runner set
``REKISTERI_BENCH_PLAINTEXT=1``, so it cannot be switched on in the
application.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

ENV = "REKISTERI_BENCH_PLAINTEXT"
PLAIN_VERSION = b"\x00"

# (owner, attribute name, original value), in the order they were replaced.
_saved: list[tuple[Any, str, Any]] = []


class PlaintextModeError(RuntimeError):
    """The plaintext baseline was misused: not enabled, or incomplete."""


def enabled() -> bool:
    """True when the runner asked for the plaintext baseline."""
    return os.environ.get(ENV) == "1"


def active() -> bool:
    """True while the patches are in place in this process."""
    return bool(_saved)


# --------------------------------------------------------------------------
# The unencrypted envelope
# --------------------------------------------------------------------------


def wrap(data: bytes) -> bytes:
    return PLAIN_VERSION + data


def unwrap(stored: bytes) -> bytes:
    if stored[:1] != PLAIN_VERSION:
        # A sealed value in a plaintext run: the database was not fresh.
        raise PlaintextModeError("a sealed value was read in plaintext mode")
    return bytes(stored[1:])


def _text_encrypt(self: Any, instance: Any, plaintext: str) -> bytes:
    from rekisteri.core.crypto.fields import Sealed

    return Sealed(wrap(plaintext.encode("utf-8")))


def _text_decrypt(self: Any, instance: Any, sealed: bytes) -> str:
    return unwrap(sealed).decode("utf-8")


def _binary_encrypt(self: Any, instance: Any, plaintext: Any) -> bytes:
    from rekisteri.core.crypto.fields import Sealed

    data = plaintext if isinstance(plaintext, bytes) else str(plaintext).encode()
    return Sealed(wrap(data))


def _binary_decrypt(self: Any, instance: Any, sealed: bytes) -> bytes:
    return unwrap(sealed)


# --------------------------------------------------------------------------
# No key store
# --------------------------------------------------------------------------


def _create_keys_bulk(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> dict[uuid.UUID, bytes]:
    return {}


def _prefetch(subject_ids: Iterable[uuid.UUID], key_class: str) -> None:
    return None


def _is_destroyed(subject_id: uuid.UUID, key_class: str) -> bool:
    return False


def _refuse(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PlaintextModeError(
            f"keys.{name} was called in plaintext mode: a code path still "
            "reaches the key store and benchmarks/plaintext.py must cover it"
        )

    return refuse


# --------------------------------------------------------------------------
# The demo seeder's bulk writer
# --------------------------------------------------------------------------


def _seal_plain(
    ciphers: dict, subject: str, field: Any, row_id: str, value: str
) -> bytes:
    """``bulk.seal_value`` with the envelope unencrypted and no data key;
    the seeder computes the blind-index terms as it always does."""
    return wrap(value.encode("utf-8"))


def _new_keys(
    subject_ids: Iterable[uuid.UUID],
    key_class: str,
    *,
    postgres: bool,
    wrap_with: tuple | None = None,
) -> tuple[list[tuple], dict[uuid.UUID, bytes]]:
    return [], {}


# --------------------------------------------------------------------------
# Switching
# --------------------------------------------------------------------------


def _patches() -> list[tuple[Any, str, Any]]:
    from rekisteri.core.crypto.fields import EncryptedBinaryField, EncryptedTextField
    from rekisteri.demo import bulk
    from rekisteri.keystore import keys

    return [
        (EncryptedTextField, "encrypt", _text_encrypt),
        (EncryptedTextField, "decrypt", _text_decrypt),
        (EncryptedBinaryField, "encrypt", _binary_encrypt),
        (EncryptedBinaryField, "decrypt", _binary_decrypt),
        (keys, "create_keys_bulk", _create_keys_bulk),
        (keys, "new_keys", _new_keys),
        (keys, "prefetch", _prefetch),
        (keys, "is_destroyed", _is_destroyed),
        (keys, "current_key", _refuse("current_key")),
        (keys, "key_for_version", _refuse("key_for_version")),
        (bulk, "seal_value", _seal_plain),
    ]


def install() -> None:
    """Take the cipher and the key store out of this process's register.

    Call after ``django.setup()``. Refuses unless ``REKISTERI_BENCH_PLAINTEXT=1``
    is set; installing twice is a no-op.
    """
    if not enabled():
        raise PlaintextModeError(
            f"the plaintext baseline is for the benchmark only; {ENV}=1 is not set"
        )
    if _saved:
        return
    for owner, name, replacement in _patches():
        # vars(), not getattr(): the subclass's own attribute, if any, so
        # uninstall() puts back exactly what was there.
        _saved.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, replacement)


def uninstall() -> None:
    """Put the cipher and the key store back (tests)."""
    while _saved:
        owner, name, original = _saved.pop()
        if original is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


@contextmanager
def installed() -> Iterator[None]:
    """The plaintext baseline for the duration of a block, then undone."""
    was_active = active()
    install()
    try:
        yield
    finally:
        if not was_active:
            uninstall()


_MISSING = object()
