"""An uploaded contact list kept between its preview and its import.

The upload page shows a dry run first and imports only when the user
confirms, so the file must outlive one request. It is kept sealed: the
bytes go to ``VAR_DIR/uploads/contacts/<token>`` under AES-GCM with a key
made for that upload and kept only in the user's session, so the spool on
disk reads as noise without the session that made it. The plaintext exists
on disk only while a dry run or the import reads it (the readers want a
path), in a file of mode 0600 deleted right after. A spooled upload is
removed when it is imported, replaced or cancelled, and any older than
:data:`KEEP` is swept on the next upload (docs/connectors.md, The upload
page).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

SESSION_KEY = "connectors.contact_uploads"
KEEP = 3600  # seconds
MAX_BYTES = 50 * 1024 * 1024


def spool_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "contacts"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _sweep(directory: Path) -> None:
    cutoff = time.time() - KEEP
    for entry in directory.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except FileNotFoundError:
            continue


def _uploads(session: Any) -> dict[str, dict[str, Any]]:
    return dict(session.get(SESSION_KEY) or {})


def store(session: Any, chunks: Iterator[bytes], *, mapping_id: Any) -> str:
    """Seal the upload's bytes into the spool; returns its token. The
    session's earlier upload, if any, is discarded."""
    directory = spool_dir()
    _sweep(directory)
    for token in list(_uploads(session)):
        discard(session, token)
    token = secrets.token_urlsafe(24)
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    data = b"".join(chunks)
    sealed = AESGCM(key).encrypt(nonce, data, token.encode())
    path = directory / token
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(nonce + sealed)
    uploads = _uploads(session)
    uploads[token] = {
        "key": base64.b64encode(key).decode(),
        "mapping": str(mapping_id),
    }
    session[SESSION_KEY] = uploads
    return token


def mapping_of(session: Any, token: str) -> str | None:
    """The id of the mapping the upload was previewed with."""
    entry = _uploads(session).get(token)
    return None if entry is None else str(entry["mapping"])


@contextmanager
def opened(session: Any, token: str) -> Iterator[Path | None]:
    """The upload's plaintext as a file for the duration of the block, or
    None when the session holds no such upload (expired, imported, or
    another user's token)."""
    entry = _uploads(session).get(token)
    sealed_path = spool_dir() / token
    if entry is None or not sealed_path.is_file():
        yield None
        return
    raw = sealed_path.read_bytes()
    key = base64.b64decode(entry["key"])
    data = AESGCM(key).decrypt(raw[:12], raw[12:], token.encode())
    plain = spool_dir() / f"{token}.open"
    fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        yield plain
    finally:
        plain.unlink(missing_ok=True)


def discard(session: Any, token: str) -> None:
    """Forget the session's upload ``token`` and remove its spool file."""
    uploads = _uploads(session)
    if uploads.pop(token, None) is None:
        return  # not this session's: never touch a file by a URL's word
    session[SESSION_KEY] = uploads
    (spool_dir() / token).unlink(missing_ok=True)
