"""Core tables: blind indexes over encrypted fields, and the counters every
app numbers its records with."""

from __future__ import annotations

from django.db import models

from rekisteri.core.catalogue import not_personal


class BlindIndex(models.Model):
    """One search term of one encrypted field of one data subject.

    ``key`` packs a field code and a truncated keyed HMAC of the term (see
    rekisteri.core.blindindex); without the index key it reveals only which
    subjects share a term, with deliberate collisions.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    key = not_personal(models.BigIntegerField(), "keyed, truncated HMAC")
    subject_id = not_personal(models.UUIDField(), "id of the data subject's row")

    class Meta:
        indexes = [
            models.Index(fields=["key", "subject_id"], name="blind_key"),
            models.Index(fields=["subject_id", "key"], name="blind_subject"),
        ]

    def __str__(self) -> str:
        return f"blind index {self.pk}"


class Sequence(models.Model):
    """A monotonic counter (customer numbers, contract numbers): a value is
    never handed out twice (``rekisteri.core.sequences``).

    The table keeps the name it had when the register owned the counters
    (migration ``core/0002_sequence``), so moving it here moved no data.
    """

    name = not_personal(models.CharField(max_length=40, primary_key=True))
    last_value = not_personal(models.BigIntegerField())

    class Meta:
        db_table = "registry_sequence"

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"
