"""Restriction of processing (Art. 18), objections (Art. 21) and the
suppression list of addresses that must not be marketed to.

Restrictions and objections belong to their person (catalogue subject
``person``), so the access export finds them and erasure treats them like
the rest of the person's data; the reasons and notes, which may say anything
about the person, are sealed under the person's key. The suppression list
holds keyed digests only and no link to a person: it outlives an erasure,
which is its point.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    staff_actor_fk,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedTextField
from rekisteri.registry.models import Person
from rekisteri.restrictions.choices import (
    ContactKind,
    LiftNotice,
    ObjectionPurpose,
    RequestedBy,
    RestrictionGround,
)

# Rights requests are kept to show that they were honoured (GDPR Art. 5(2)),
# until the privacy case's retention ends.
RIGHTS = dict(
    category="user.privacy_preferences",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="privacy_case",
)
RIGHTS_FACT = dict(RIGHTS, erasure=Erasure.RETAIN)
RIGHTS_TEXT = dict(RIGHTS, erasure=Erasure.SHRED)


class Restriction(models.Model):
    """Processing of a person is restricted while ``lifted_at`` is empty.

    Storage continues; every write service refuses (code ``restricted``)
    and marketing leaves the person out. Only the privacy officer lifts it,
    with a reason. Lifted restrictions stay as history.
    """

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(
            Person,
            on_delete=models.CASCADE,
            related_name="restrictions",
            db_index=False,
        ),
        "link to the data subject",
    )
    ground = personal(
        models.CharField(_("ground"), max_length=16, choices=RestrictionGround.choices),
        **RIGHTS_FACT,
    )
    reason = personal(EncryptedTextField(_("reason")), **RIGHTS_TEXT)
    requested_by = personal(
        models.CharField(_("requested by"), max_length=16, choices=RequestedBy.choices),
        **RIGHTS_FACT,
    )
    requested_on = personal(models.DateField(_("requested on")), **RIGHTS_FACT)
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    created_by = staff_actor_fk(_("recorded by"))
    lifted_at = personal(
        models.DateTimeField(_("lifted"), null=True, blank=True), **RIGHTS_FACT
    )
    lifted_by = staff_actor_fk(_("lifted by"))
    lift_reason = personal(
        EncryptedTextField(_("reason for lifting"), null=True, blank=True),
        **RIGHTS_TEXT,
    )
    # Art. 18(3): the person who obtained the restriction is told before it
    # is lifted; how and on which day.
    lift_informed_how = personal(
        models.CharField(
            _("person told of the lifting"),
            max_length=12,
            choices=LiftNotice.choices,
            blank=True,
        ),
        **RIGHTS_FACT,
    )
    lift_informed_on = personal(
        models.DateField(_("person told on"), null=True, blank=True), **RIGHTS_FACT
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="restriction_one_active",
            )
        ]
        indexes = [models.Index(fields=["person", "lifted_at"])]

    def __str__(self) -> str:
        return f"restriction {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class Objection(models.Model):
    """An objection to processing for one purpose (Art. 21).

    Direct marketing is absolute: it is honoured as recorded. An objection
    to processing on legitimate interest carries the balancing note: why
    processing stops, or which compelling grounds override it.
    """

    id = uuid_pk()
    person = not_personal(
        models.ForeignKey(
            Person, on_delete=models.CASCADE, related_name="objections", db_index=False
        ),
        "link to the data subject",
    )
    purpose = personal(
        models.CharField(_("purpose"), max_length=24, choices=ObjectionPurpose.choices),
        **RIGHTS_FACT,
    )
    note = personal(
        EncryptedTextField(_("balancing note"), null=True, blank=True), **RIGHTS_TEXT
    )
    received_on = personal(models.DateField(_("received on")), **RIGHTS_FACT)
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    created_by = staff_actor_fk(_("recorded by"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"], name="objection_one_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"objection {self.pk}: {self.purpose}"


class SuppressedContact(models.Model):
    """A keyed digest of a normalised email address or E.164 phone number
    that must never be marketed to. No plaintext and no person: the entry
    survives the person's erasure and matches the address if it returns."""

    id = not_personal(models.BigAutoField(primary_key=True))
    kind = not_personal(
        models.CharField(max_length=8, choices=ContactKind.choices),
    )
    digest = not_personal(
        models.CharField(max_length=64),
        "full-length HMAC-SHA256 under a key of its own; cannot be read back "
        "and names no person",
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "digest"], name="suppressed_contact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"suppressed {self.kind} {self.pk}"


class SuppressionMatch(models.Model):
    """A person in the register holds a suppressed address: staff are told
    (a banner on the page) and marketing leaves the person out."""

    id = not_personal(models.BigAutoField(primary_key=True))
    person = not_personal(
        models.ForeignKey(
            Person,
            on_delete=models.CASCADE,
            related_name="suppression_matches",
            db_index=False,
        ),
        "link to the data subject",
    )
    kind = personal(
        models.CharField(_("kind"), max_length=8, choices=ContactKind.choices),
        **RIGHTS_FACT,
    )
    found_at = personal(models.DateTimeField(default=timezone.now), **RIGHTS_FACT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], name="suppression_match_unique"
            )
        ]

    def __str__(self) -> str:
        return f"suppression match {self.pk}: {self.kind}"
