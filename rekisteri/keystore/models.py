"""Wrapped data keys, master-key check values and the erasure ledger.

Nothing here is personal data in itself: a data key is random bytes wrapped by
the master key, linked to its subject by a random UUID.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from rekisteri.core.catalogue import KeyClass, not_personal


class DataKey(models.Model):
    """One generation of a subject's data key for one key class.

    Shredding sets ``wrapped`` to NULL and records ``destroyed_at``; the row
    stays as a tombstone so a restored database cannot silently get a new key
    for an erased subject.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    subject_id = not_personal(models.UUIDField(), "random id of the key's subject")
    key_class = not_personal(models.CharField(max_length=16, choices=KeyClass.choices))
    version = not_personal(models.PositiveIntegerField(default=1))
    master_key_id = not_personal(models.CharField(max_length=40))
    wrapped = not_personal(models.BinaryField(null=True), "wrapped random key")
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    destroyed_at = not_personal(models.DateTimeField(null=True, blank=True))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_id", "key_class", "version"],
                name="one_key_per_version",
            )
        ]
        indexes = [models.Index(fields=["master_key_id", "id"], name="datakey_master")]

    def __str__(self) -> str:
        return f"{self.key_class} key v{self.version}"


class MasterKeyCheck(models.Model):
    """A value wrapped under each master key, to detect a wrong key at start-up."""

    master_key_id = not_personal(models.CharField(max_length=40, primary_key=True))
    wrapped_check = not_personal(models.BinaryField())
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    def __str__(self) -> str:
        return self.master_key_id


class KeyRing(models.Model):
    """The key store's word on which master key wraps new data keys.

    One row. ``keys add-master`` and ``keys rotate-master`` set ``primary``
    and raise ``version``; running processes read it (cached for
    ``REKISTERI_KEYRING_CHECK_SECONDS``) before wrapping, so a worker
    started before a rotation never wraps a new key under the old master.
    """

    id = not_personal(models.PositiveSmallIntegerField(primary_key=True, default=1))
    primary = not_personal(models.CharField(max_length=40))
    version = not_personal(models.PositiveIntegerField(default=1))
    changed_at = not_personal(models.DateTimeField(default=timezone.now))

    def __str__(self) -> str:
        return f"{self.primary} v{self.version}"


class ErasureEntry(models.Model):
    """A subject's key class was shredded. Append-only; replayed after restore."""

    id = not_personal(models.BigAutoField(primary_key=True))
    subject_id = not_personal(models.UUIDField(db_index=True))
    key_class = not_personal(models.CharField(max_length=16, choices=KeyClass.choices))
    erased_at = not_personal(models.DateTimeField(default=timezone.now))
    reason = not_personal(models.CharField(max_length=40))
    marks = not_personal(
        models.JSONField(default=dict, blank=True),
        "keyed digests (62 bits, under the index key held outside the "
        "databases) by which a restore finds the subject's data that no row "
        "names; cannot be read back; forgotten once no backup older than the "
        "erasure can remain (docs/security.md, Restore and the erasure ledger)",
    )

    def __str__(self) -> str:
        return f"{self.key_class} {self.erased_at:%Y-%m-%d}"
