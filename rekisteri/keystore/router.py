"""Keeps the key store in its own database (alias ``keys``).

The key store is backed up on its own, shorter schedule: once a person's data
key is destroyed and the last key-store backup holding it has aged out, every
copy of that person's encrypted data, database backups included, is
unreadable.
"""

from __future__ import annotations

from typing import Any

from rekisteri.core.keyring import KEYSTORE_DB

KEYSTORE_APP = "keystore"
__all__ = ["KEYSTORE_APP", "KEYSTORE_DB", "KeystoreRouter"]


class KeystoreRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return KEYSTORE_DB if model._meta.app_label == KEYSTORE_APP else None

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        a = obj1._meta.app_label == KEYSTORE_APP
        b = obj2._meta.app_label == KEYSTORE_APP
        return None if a == b else False

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        if app_label == KEYSTORE_APP:
            return db == KEYSTORE_DB
        return db != KEYSTORE_DB
