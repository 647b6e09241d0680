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
from rekisteri.registry import sealing

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


class RegistryReview(sealing.SealsSoleTrader):
    """One field of one organization where a registry and a person differ.

    A sole trader's two values are sealed under the organization's own key,
    like its own columns (registry/sealing.py)."""

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
        sealing.SoleTraderTextField(_("value in the register"), blank=True),
        description="The value a person typed",
        **SOLE_TRADER_VALUE,
    )
    proposed_value = personal(
        sealing.SoleTraderTextField(_("value in the registry"), blank=True),
        description="The value the registry gave",
        **SOLE_TRADER_VALUE,
    )
    # A sole trader's two values, sealed (registry/sealing.py).
    sole_trader_sealed = personal(
        sealing.SealedValuesField(null=True, blank=True, editable=False),
        description="A sole trader's two values, sealed together",
        **{**SOLE_TRADER_VALUE, "erasure": Erasure.SHRED},
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


# --------------------------------------------------------------------------
# Third-party contact lists (docs/connectors.md, Contact lists)
# --------------------------------------------------------------------------


class ContactMapping(models.Model):
    """A vendor's column layout, saved once and named on every import."""

    id = uuid_pk()
    name = not_personal(models.SlugField(_("name"), max_length=40, unique=True))
    source = not_personal(
        models.ForeignKey(
            "registry.DataSource", on_delete=models.PROTECT, related_name="+"
        ),
        "the vendor the lists come from",
    )
    columns = not_personal(
        models.JSONField(_("columns"), default=dict),
        "register field → column header in the vendor's files",
    )
    encoding = not_personal(
        models.CharField(_("encoding"), max_length=16, default="auto")
    )
    role_kind = not_personal(
        models.CharField(_("role"), max_length=20, default="contact"),
        "the role the listed persons get at their organization",
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Telling a person that their data came from a third party is a duty the
# controller must be able to show it met (GDPR Art. 5(2), 14).
INFORMED = dict(
    category="user.privacy_preferences",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="privacy_case",
    erasure=Erasure.RETAIN,
)


class InformTask(models.Model):
    """Art. 14: tell a person whose data came from a third party, by the
    deadline (one month from obtaining the data, or the first message).

    ``due`` is the deadline in force: the month of Art. 14(3)(a), moved to
    the day of the first outgoing message when one went to the person first
    (``first_message_at``, Art. 14(3)(b); docs/connectors.md)."""

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            related_name="inform_tasks",
            db_index=False,
        ),
        "link to the data subject",
    )
    source = not_personal(
        models.ForeignKey(
            "registry.DataSource", on_delete=models.PROTECT, related_name="+"
        ),
        "the third party the data came from",
    )
    import_batch = not_personal(
        models.ForeignKey(
            "registry.ImportBatch",
            on_delete=models.SET_NULL,
            null=True,
            blank=True,
            related_name="+",
        )
    )
    obtained_on = not_personal(models.DateField(_("obtained")))
    due = not_personal(
        models.DateField(_("deadline")),
        "Art. 14(3)(a) deadline, or the day of the first message (3)(b)",
    )
    informed_at = personal(
        models.DateTimeField(_("informed"), null=True, blank=True),
        description="When the person was told where their data came from",
        **INFORMED,
    )
    channel = personal(
        models.CharField(_("channel"), max_length=8, blank=True, default=""),
        description="How the person was told (email, letter, phone)",
        **INFORMED,
    )
    done_by = not_personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        "staff member who sent or recorded it (null: sent by the system)",
    )
    first_message_at = personal(
        models.DateTimeField(_("first message"), null=True, blank=True),
        description=(
            "When the first outgoing message went to the person before they "
            "were informed (Art. 14(3)(b): the deadline)"
        ),
        **INFORMED,
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["due", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "source"], name="one_inform_task_per_source"
            )
        ]
        indexes = [models.Index(fields=["informed_at", "due"], name="inform_due")]

    def __str__(self) -> str:
        return f"inform {self.person_id} by {self.due}"
