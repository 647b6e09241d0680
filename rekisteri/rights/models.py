"""Erasure receipts: what an erasure did, with no personal data in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    random_uuid_pk,
)


class ErasureReceipt(models.Model):
    """One executed erasure (Art. 17): when, by whom, counts per data
    family, what was kept, on which ground and until when.

    Holds no personal data of the erased person: the subject is the random
    id of a row whose values are shredded, the counts and grounds are
    catalogue names, and the request or case id is validated to be a
    reference, not free text.
    """

    id = random_uuid_pk()
    subject_id = not_personal(
        models.UUIDField(unique=True),
        "id of the erased person's row, whose values are shredded",
    )
    case_ref = not_personal(
        models.CharField(max_length=64, blank=True, default=""),
        "request or case reference, validated to contain no free text",
    )
    executed_at = not_personal(models.DateTimeField(default=timezone.now))
    executed_by = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        category="user.account",
        purposes=(Purpose.SECURITY,),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        retention="audit",
        erasure=Erasure.RETAIN,
        subject="staff",
    )
    counts = not_personal(
        models.JSONField(default=dict), "number of values erased per data family"
    )
    kept = not_personal(
        models.JSONField(default=list),
        "kinds of rows kept, their count, legal ground and keep-until date",
    )

    class Meta:
        ordering = ["-executed_at"]

    def __str__(self) -> str:
        return f"erasure {self.executed_at:%Y-%m-%d}"
