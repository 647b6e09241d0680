"""The key ring: the one door from the rest of the project into the key store.

Every module that needs a data key, the master-key provider, a shred or the
erasure ledger calls these functions; only this module reaches
``rekisteri.keystore`` (an import contract in ``pyproject.toml`` keeps it so).
The key store keeps its keys in their own database (alias
:data:`KEYSTORE_DB`), backed up on its own, shorter schedule
(docs/security.md, Protection at rest).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rekisteri.core.crypto.master import MasterKeyProvider

# The database alias of the key store (settings.DATABASES).
KEYSTORE_DB = "keys"


class KeyDestroyed(Exception):
    """The subject's key for this class was shredded: the data is erased."""


@cache
def _store() -> ModuleType:
    # Imported on first use, not at module load: core's field layer imports
    # the key ring while the apps' models load, and the key store's own models
    # import core's catalogue, so a module-level import would be a circle.
    # Kept once imported: every opened value asks (a page opens a hundred).
    from rekisteri.keystore import keys

    return keys


# Master key ------------------------------------------------------------------


def provider() -> MasterKeyProvider:
    """The configured master-key provider (loaded once per process)."""
    return _store().provider()


def reset_provider() -> None:
    """Forget the loaded provider (after the key file changed)."""
    _store().reset_provider()


def ring_primary(*, fresh: bool = False) -> str | None:
    return _store().ring_primary(fresh=fresh)


def verify_master_key() -> None:
    """Refuse to start with a master key that does not match the key store."""
    _store().verify_master_key()


def rotate_master(*, batch_size: int = 1000, progress: Any = None) -> int:
    return _store().rotate_master(batch_size=batch_size, progress=progress)


# Data keys -------------------------------------------------------------------


def key_scope() -> AbstractContextManager[None]:
    """Cache unwrapped keys for one unit of work (a request, a batch)."""
    return _store().key_scope()


def ensure_scope() -> AbstractContextManager[None]:
    """A key scope unless one is already open."""
    return _store().ensure_scope()


def prefetch(subject_ids: Iterable[uuid.UUID], key_class: str) -> None:
    _store().prefetch(subject_ids, key_class)


def is_destroyed(subject_id: uuid.UUID, key_class: str) -> bool:
    return _store().is_destroyed(subject_id, key_class)


def destroyed_subjects(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> set[uuid.UUID]:
    """Those of ``subject_ids`` whose key of ``key_class`` was shredded."""
    return _store().destroyed_subjects(subject_ids, key_class)


def destroyed_keys(
    subject_ids: Iterable[uuid.UUID], key_classes: Iterable[str]
) -> set[tuple[uuid.UUID, str]]:
    """The (subject, key class) pairs whose key was shredded, of several
    classes at once."""
    return _store().destroyed_keys(subject_ids, key_classes)


def subjects_with_key(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> set[uuid.UUID]:
    """Those of ``subject_ids`` that have a key of ``key_class``, live or shredded."""
    return _store().subjects_with_key(subject_ids, key_class)


def key_for_version(subject_id: uuid.UUID, key_class: str, version: int) -> bytes:
    """The key that sealed a value; KeyDestroyed if shredded or missing."""
    return _store().key_for_version(subject_id, key_class, version)


def current_key(subject_id: uuid.UUID, key_class: str) -> tuple[int, bytes]:
    """The newest key of a subject, created on first use."""
    return _store().current_key(subject_id, key_class)


def create_keys_bulk(
    subject_ids: Iterable[uuid.UUID], key_class: str
) -> dict[uuid.UUID, bytes]:
    """New version-1 keys for many new subjects at once (imports, seeding)."""
    return _store().create_keys_bulk(subject_ids, key_class)


def new_keys(
    subject_ids: Iterable[uuid.UUID],
    key_class: str,
    *,
    postgres: bool,
    wrap_with: tuple[MasterKeyProvider, str] | None = None,
) -> tuple[list[tuple], dict[uuid.UUID, bytes]]:
    """Version-1 keys, wrapped, not yet stored (for :func:`store_new_keys`);
    ``wrap_with`` pins the master key (:func:`wrapping_key`)."""
    return _store().new_keys(
        subject_ids, key_class, postgres=postgres, wrap_with=wrap_with
    )


def wrapping_key() -> tuple[MasterKeyProvider, str]:
    """The provider and the master key id new data keys are wrapped under
    (the key store's key ring decides; read every few seconds)."""
    return _store().wrapping_key()


def store_new_keys(rows: list[tuple]) -> None:
    _store().store_new_keys(rows)


def shred(
    subject_id: uuid.UUID,
    key_class: str,
    *,
    reason: str,
    marks: dict[str, list[Any]] | None = None,
) -> bool:
    """Destroy a subject's key of a class: its data is erased everywhere.
    ``marks`` (participant name → keyed digests) go into the ledger entry
    for the replay after a restore."""
    return _store().shred(subject_id, key_class, reason=reason, marks=marks)


def shred_many(
    subject_ids: Iterable[uuid.UUID],
    key_class: str,
    *,
    reason: str,
    marks: dict[uuid.UUID, dict[str, list[Any]]] | None = None,
) -> set[uuid.UUID]:
    """:func:`shred` for many subjects at once; those destroyed now."""
    return _store().shred_many(subject_ids, key_class, reason=reason, marks=marks)


def checkpoint() -> tuple[int, int, int] | None:
    return _store().checkpoint()


def register_subject_model(model: type) -> None:
    """A model whose ids are key subjects (for the orphan-key sweep)."""
    _store().register_subject_model(model)


def orphan_keys(*, older_than: timedelta, chunk: int = 5000) -> list[int]:
    return _store().orphan_keys(older_than=older_than, chunk=chunk)


def remove_orphans(*, older_than: timedelta) -> int:
    return _store().remove_orphans(older_than=older_than)


# Erasure ledger (backups and restore) ----------------------------------------


def ledger_max_id() -> int:
    return _store().ledger_max_id()


def ledger_entries() -> list[dict[str, Any]]:
    return _store().ledger_entries()


def ledger_merge(entries: list[dict[str, Any]]) -> int:
    """Put back ledger entries the restored key store does not have."""
    return _store().ledger_merge(entries)


def ledger_forget_marks(before: datetime) -> int:
    """Empty the marks of ledger entries erased before ``before``."""
    return _store().ledger_forget_marks(before)


def key_states(
    subject_ids: Iterable[uuid.UUID],
) -> tuple[set[tuple[uuid.UUID, str]], set[tuple[uuid.UUID, str]]]:
    """(live, shredded) (subject, key class) pairs of ``subject_ids``."""
    return _store().key_states(subject_ids)
