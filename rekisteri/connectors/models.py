"""Values a registry proposes for a field that a person typed.

A registry never silently replaces what staff entered: when PRH says
something else, the difference waits here until a staff member accepts it
(the value is written, with PRH's provenance) or rejects it (the typed value
stays, and the same proposal is not raised again).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.connectors.choices import ReviewStatus
from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)

# The values are an organization's fields: a sole trader's are the trader's
# personal data, like the organization's own columns.
SOLE_TRADER_VALUE = dict(
    category="user.name",
    purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.INVOICING, Purpose.SALES),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.DELETE,
    subject="organization",
    when="sole_trader",
)


class RegistryReview(models.Model):
    """One field of one organization where a registry and a person differ."""

    id = uuid_pk()
    organization = not_personal(
        models.ForeignKey(
            "registry.Organization",
            on_delete=models.CASCADE,
            related_name="registry_reviews",
        )
    )
    field = not_personal(models.CharField(_("field"), max_length=40), "a field name")
    sole_trader = not_personal(
        models.BooleanField(default=False), "copied from the organization"
    )
    current_value = personal(
        models.TextField(_("value in the register"), blank=True),
        description="The value a person typed",
        **SOLE_TRADER_VALUE,
    )
    proposed_value = personal(
        models.TextField(_("value in the registry"), blank=True),
        description="The value the registry gave",
        **SOLE_TRADER_VALUE,
    )
    provenance = not_personal(
        models.ForeignKey(
            "registry.Provenance", on_delete=models.PROTECT, related_name="+"
        ),
        "where and when the proposed value was obtained",
    )
    status = not_personal(
        models.CharField(
            _("status"),
            max_length=12,
            choices=ReviewStatus.choices,
            default=ReviewStatus.PENDING,
        )
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    decided_at = not_personal(models.DateTimeField(null=True, blank=True))
    decided_by = personal(
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

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "field"],
                condition=Q(status="pending"),
                name="one_pending_review_per_field",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="review_queue")]

    def __str__(self) -> str:
        return f"{self.field} ({self.status})"
