"""The privacy office's registers (GDPR Art. 13, 14, 28, 30, 33, 34).

* :class:`ControllerProfile` — the one row of controller facts the notice and
  the record of processing are built from;
* :class:`Party` — processors, recipients and joint controllers;
* :class:`NoticeVersion` — each published privacy notice, immutable;
* :class:`ManualRecord` — paper material, where it is kept and its destruction;
* :class:`Breach` — the breach register with its 72-hour clock.

Every field is classified in the personal-data catalogue. The only personal
data here is about staff (who did what, the privacy contact's published
details); customer data is never copied in — the breach register derives the
people affected from the audit log when asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)
from rekisteri.privacy.choices import DestructionMethod, PartyRole, TransferMechanism

BREACH_DEADLINE = dt.timedelta(hours=72)

# Who-did-what columns: accountability records about staff.
_STAFF_ACTOR = dict(
    category="user.account",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="audit",
    erasure=Erasure.RETAIN,
    subject="staff",
)
# The privacy contact's details are published in the notice (Art. 13(1)(a)).
_PUBLISHED_CONTACT = dict(
    purposes=(Purpose.CUSTOMER_SERVICE,),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="staff_account",
    erasure=Erasure.DELETE,
    subject="staff",
)


def _staff_fk(verbose_name: str, **kwargs: Any) -> models.ForeignKey:
    return personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=verbose_name,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
            **kwargs,
        ),
        **_STAFF_ACTOR,
    )


def _text(verbose_name: str, reason: str = "") -> models.TextField:
    return not_personal(models.TextField(verbose_name, blank=True), reason)


class ControllerProfile(models.Model):
    """The controller's facts (one row, pk 1), edited by the privacy officer.

    Free texts are per notice language in ``texts``
    (``{"fi": {"register_name": ...}, "sv": {...}, "en": {...}}``; the keys
    are :data:`rekisteri.privacy.facts.TEXT_KEYS`). What the catalogue and the
    registers already know (categories, purposes, bases, sources, recipients,
    transfers, retention rules) is not typed here.
    """

    id = not_personal(models.PositiveSmallIntegerField(primary_key=True, default=1))
    controller_name = not_personal(models.CharField(_("controller"), max_length=200))
    business_id = not_personal(
        models.CharField(_("business ID"), max_length=9, blank=True)
    )
    street = not_personal(models.CharField(_("street address"), max_length=200))
    postal_code = not_personal(models.CharField(_("postal code"), max_length=10))
    city = not_personal(models.CharField(_("post office"), max_length=100))
    country = not_personal(models.CharField(_("country"), max_length=2, default="FI"))
    phone = not_personal(models.CharField(_("phone"), max_length=20, blank=True))
    email = not_personal(models.CharField(_("email"), max_length=254))
    contact_name = personal(
        models.CharField(_("privacy contact person"), max_length=200),
        category="user.name",
        **_PUBLISHED_CONTACT,
    )
    contact_title = personal(
        models.CharField(_("contact person's title"), max_length=200, blank=True),
        category="user.job_title",
        **_PUBLISHED_CONTACT,
    )
    contact_phone = personal(
        models.CharField(_("contact person's phone"), max_length=20, blank=True),
        category="user.contact.phone_number",
        **_PUBLISHED_CONTACT,
    )
    contact_email = personal(
        models.CharField(_("contact person's email"), max_length=254),
        category="user.contact.email",
        **_PUBLISHED_CONTACT,
    )
    dpo_name = personal(
        models.CharField(_("data protection officer"), max_length=200, blank=True),
        category="user.name",
        **_PUBLISHED_CONTACT,
    )
    dpo_phone = personal(
        models.CharField(_("DPO's phone"), max_length=20, blank=True),
        category="user.contact.phone_number",
        **_PUBLISHED_CONTACT,
    )
    dpo_email = personal(
        models.CharField(_("DPO's email"), max_length=254, blank=True),
        category="user.contact.email",
        **_PUBLISHED_CONTACT,
    )
    texts = not_personal(models.JSONField(_("notice texts"), default=dict))
    authority_links = not_personal(
        models.JSONField(_("links to authorities"), default=list)
    )
    # Completeness items the privacy officer has recorded as not applicable:
    # {item id: reason}. Publishing copies them into the version.
    waivers = not_personal(models.JSONField(_("items not applicable"), default=dict))
    review_interval_months = not_personal(
        models.PositiveSmallIntegerField(
            _("notice review interval (months)"), default=12
        )
    )
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        verbose_name = _("controller profile")

    def __str__(self) -> str:
        return self.controller_name

    def text(self, language: str, key: str) -> str:
        return str((self.texts or {}).get(language, {}).get(key, "") or "").strip()


class Party(models.Model):
    """A processor, recipient or joint controller of the register's data."""

    id = uuid_pk()
    name = not_personal(models.CharField(_("name"), max_length=200), "a company")
    role = not_personal(
        models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    )
    service = not_personal(models.CharField(_("service"), max_length=300))
    country = not_personal(models.CharField(_("country"), max_length=2))
    data_categories = not_personal(
        models.JSONField(_("data categories"), default=list),
        "catalogue category keys",
    )
    agreement_date = not_personal(
        models.DateField(_("agreement date"), null=True, blank=True)
    )
    guarantees = _text(_("guarantees"))
    next_review_on = not_personal(
        models.DateField(_("next review"), null=True, blank=True)
    )
    transfer_mechanism = not_personal(
        models.CharField(
            _("transfer mechanism"),
            max_length=12,
            choices=TransferMechanism.choices,
            default=TransferMechanism.NONE,
        )
    )
    is_active = not_personal(models.BooleanField(_("active"), default=True))
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("processor or recipient")
        verbose_name_plural = _("processors and recipients")

    def __str__(self) -> str:
        return self.name


class ImmutableRow(Exception):
    """A published notice version is never changed or deleted."""


class NoticeVersion(models.Model):
    """One published privacy notice: text per language, digest, when, by whom.

    Rows are written once by :func:`rekisteri.privacy.services.notice_publish`
    and never updated or deleted; the guards below refuse it at the model
    level so no code path can rewrite what people were told.
    """

    id = uuid_pk()
    number = not_personal(models.PositiveIntegerField(_("version"), unique=True))
    published_at = not_personal(models.DateTimeField(_("published at"), db_index=True))
    published_by = _staff_fk(_("published by"))
    markdown = not_personal(models.JSONField(_("text (Markdown) per language")))
    html = not_personal(models.JSONField(_("text (HTML) per language")))
    digest = not_personal(models.CharField(_("content digest"), max_length=64))
    facts = not_personal(models.JSONField(_("facts the notice was built from")))
    report = not_personal(models.JSONField(_("completeness report")))
    waivers = not_personal(models.JSONField(_("items not applicable"), default=dict))

    class Meta:
        ordering = ["-number"]
        verbose_name = _("privacy notice version")

    def __str__(self) -> str:
        return f"v{self.number} {self.published_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRow("A published privacy notice cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRow("A published privacy notice cannot be deleted.")


class ManualRecord(models.Model):
    """Paper material of the register: where it is kept and when it goes.

    The title and description name the material (\"signed contracts 2024\"),
    never the people in it.
    """

    id = uuid_pk()
    title = not_personal(
        models.CharField(_("material"), max_length=200), "names the material"
    )
    description = _text(_("description"), "describes the material")
    location = not_personal(
        models.CharField(_("where it is kept"), max_length=200),
    )
    retention_rule = not_personal(models.CharField(_("retention rule"), max_length=40))
    created_on = not_personal(models.DateField(_("created or received on")))
    destroy_by = not_personal(models.DateField(_("destroy by"), db_index=True))
    destroyed_on = not_personal(
        models.DateField(_("destroyed on"), null=True, blank=True)
    )
    destruction_method = not_personal(
        models.CharField(
            _("destruction method"),
            max_length=12,
            choices=DestructionMethod.choices,
            blank=True,
        )
    )
    destroyed_by = _staff_fk(_("destroyed by"))
    recorded_by = _staff_fk(_("recorded by"))
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["destroyed_on", "destroy_by", "title"]
        verbose_name = _("manual record")
        verbose_name_plural = _("manual records")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.destroyed_on is None and self.destroy_by < timezone.localdate()


class Breach(models.Model):
    """A personal-data breach (Art. 33(5) documentation).

    The 72-hour deadline runs from ``discovered_at`` (Art. 33(1): "after
    having become aware of it"). The people affected can be derived from the
    audit log for an account and a time window; only the count is stored.
    """

    id = uuid_pk()
    title = not_personal(models.CharField(_("title"), max_length=200))
    discovered_at = not_personal(models.DateTimeField(_("discovered at")))
    occurred_at = not_personal(
        models.DateTimeField(_("occurred at"), null=True, blank=True)
    )
    description = _text(_("what happened"), "describes the incident, no names")
    data_categories = not_personal(
        models.JSONField(_("data categories"), default=list),
        "catalogue category keys",
    )
    people_approx = not_personal(
        models.PositiveIntegerField(_("people affected (approx.)"), null=True)
    )
    records_approx = not_personal(
        models.PositiveIntegerField(_("records affected (approx.)"), null=True)
    )
    consequences = _text(_("likely consequences"))
    measures = _text(_("measures taken or proposed"))
    authority_notified_at = not_personal(
        models.DateTimeField(_("authority notified at"), null=True, blank=True)
    )
    authority_reference = not_personal(
        models.CharField(_("authority's reference"), max_length=100, blank=True)
    )
    authority_not_required_reason = _text(
        _("why the authority is not notified (risk unlikely)")
    )
    delay_reason = _text(_("reasons for a late notification"))
    people_notified_at = not_personal(
        models.DateTimeField(_("people notified at"), null=True, blank=True)
    )
    people_not_notified_reason = _text(_("why the people are not notified"))
    affected_account = personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=_("account investigated"),
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        **_STAFF_ACTOR,
    )
    affected_from = not_personal(models.DateTimeField(null=True, blank=True))
    affected_until = not_personal(models.DateTimeField(null=True, blank=True))
    affected_count = not_personal(models.PositiveIntegerField(null=True, blank=True))
    affected_computed_at = not_personal(models.DateTimeField(null=True, blank=True))
    recorded_by = _staff_fk(_("recorded by"))
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        ordering = ["-discovered_at"]
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")

    def __str__(self) -> str:
        return self.title

    @property
    def authority_deadline(self) -> dt.datetime:
        return self.discovered_at + BREACH_DEADLINE
