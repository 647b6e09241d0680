"""Core tables: blind indexes over encrypted fields."""

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
