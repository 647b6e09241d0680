"""Contracts of customer organizations, the persons attached to them, the
product catalogue they refer to, and each organization's relationship end.

Classification (rekisteri.core.catalogue):

* A contract is the customer company's, not a person's: its product, dates
  and status are personal data only when the customer is a sole trader
  (``when="sole_trader"``, subject ``organization`` as for the sole trader's
  own Organization row). ``sole_trader`` is a copy of the organization's flag,
  kept in step by the services and a signal (see ``relationship.py``).
* The free-text terms (and a termination note) may name people, so they are
  personal data for every customer: sealed under the organization's
  relationship key (docs/security.md) and shredded with it when the relationship's
  retention ends.
* A contract party row links a Person to a contract in a role: personal data
  of that person, deleted on their erasure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.core.catalogue import (
    Erasure,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedTextField

# A sole trader's contract facts are the trader's personal data: kept for the
# relationship, deleted with the row when its retention ends.
SOLE_TRADER_CONTRACT = dict(
    purposes=(
        Purpose.CUSTOMER_RELATIONSHIP,
        Purpose.CUSTOMER_SERVICE,
        Purpose.INVOICING,
    ),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.DELETE,
    subject="organization",
    when="sole_trader",
    category="user.behavior.purchase_history",
)
# Free text that may name people: sealed under the organization's key.
CONTRACT_TEXT = dict(
    purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.CUSTOMER_SERVICE),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.SHRED,
    subject="organization",
    category="user.content.private",
)
# A person's attachment to a contract: their data, deleted on erasure.
PARTY_ROW = dict(
    purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.CUSTOMER_SERVICE),
    legal_basis=LegalBasis.CONTRACT,
    retention="relationship",
    erasure=Erasure.DELETE,
    subject="person",
    category="user.workplace",
)


class Product(models.Model):
    """A product or service of the vendor's catalogue that contracts refer to.

    Never deleted once used (contracts PROTECT it); retired by ``is_active``.
    """

    id = not_personal(models.BigAutoField(primary_key=True))
    code = not_personal(models.CharField(_("code"), max_length=30, unique=True))
    name = not_personal(models.CharField(_("name"), max_length=200))
    description = not_personal(models.TextField(_("description"), blank=True))
    is_active = not_personal(models.BooleanField(_("available"), default=True))
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Contract(models.Model):
    """A contract of a customer organization for a product or service."""

    id = uuid_pk()
    number = not_personal(
        models.CharField(_("contract number"), max_length=20, unique=True),
        "the vendor's own contract series",
    )
    organization = not_personal(
        models.ForeignKey(
            "registry.Organization",
            on_delete=models.PROTECT,
            related_name="contracts",
            verbose_name=_("customer"),
            db_index=False,
        ),
        "link to the customer organization",
    )
    sole_trader = not_personal(
        models.BooleanField(default=False, editable=False),
        "copy of the organization's flag: makes the row a person's data",
    )
    product = personal(
        models.ForeignKey(
            Product,
            on_delete=models.PROTECT,
            related_name="contracts",
            verbose_name=_("product or service"),
        ),
        **SOLE_TRADER_CONTRACT,
    )
    status = personal(
        models.CharField(
            _("status"),
            max_length=12,
            choices=ContractStatus.choices,
            default=ContractStatus.DRAFT,
        ),
        **SOLE_TRADER_CONTRACT,
    )
    start_date = personal(models.DateField(_("start date")), **SOLE_TRADER_CONTRACT)
    end_date = personal(
        models.DateField(_("end date"), null=True, blank=True), **SOLE_TRADER_CONTRACT
    )
    notice_period = personal(
        models.PositiveSmallIntegerField(_("notice period"), default=0),
        **SOLE_TRADER_CONTRACT,
    )
    notice_unit = personal(
        models.CharField(
            _("notice period unit"),
            max_length=6,
            choices=NoticeUnit.choices,
            default=NoticeUnit.MONTHS,
        ),
        **SOLE_TRADER_CONTRACT,
    )
    terms = personal(
        EncryptedTextField(_("terms"), null=True, blank=True), **CONTRACT_TEXT
    )
    # Termination: when notice was given, the day the contract stops, and
    # whether the notice period was overridden (then a note says why).
    notice_given_on = personal(
        models.DateField(_("notice given on"), null=True, blank=True),
        **SOLE_TRADER_CONTRACT,
    )
    termination_date = personal(
        models.DateField(_("termination date"), null=True, blank=True),
        **SOLE_TRADER_CONTRACT,
    )
    notice_overridden = personal(
        models.BooleanField(_("notice period overridden"), default=False),
        **SOLE_TRADER_CONTRACT,
    )
    termination_note = personal(
        EncryptedTextField(_("termination note"), null=True, blank=True),
        **CONTRACT_TEXT,
    )
    # The last day in force: the termination date of a terminated contract,
    # otherwise the end date (None while open-ended). Kept by the services so
    # "ending within N days" and the relationship end are index scans.
    ends_on = personal(
        models.DateField(null=True, blank=True, editable=False),
        **SOLE_TRADER_CONTRACT,
    )
    activated_at = not_personal(models.DateTimeField(null=True, blank=True))
    closed_at = not_personal(models.DateTimeField(null=True, blank=True))
    created_by = personal(
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
    created_at = not_personal(
        models.DateTimeField(default=timezone.now, editable=False)
    )
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True)
                | Q(termination_date__gte=F("start_date")),
                name="contract_termination_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values),
                name="contract_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on", "id"], name="contract_ending"),
            models.Index(fields=["organization", "status"], name="contract_org"),
            models.Index(fields=["created_at", "id"], name="contract_created"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_draft(self) -> bool:
        return self.status == ContractStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status in (ContractStatus.ENDED, ContractStatus.TERMINATED)

    @property
    def is_in_force(self) -> bool:
        """Active or terminated but not yet past its termination date."""
        today = timezone.localdate()
        if self.status == ContractStatus.ACTIVE:
            return self.start_date <= today and (
                self.ends_on is None or self.ends_on >= today
            )
        if self.status == ContractStatus.TERMINATED:
            return self.start_date <= today <= (self.ends_on or today)
        return False


class ContractParty(models.Model):
    """A person attached to a contract in a role, for a period.

    The person must hold a role at the contract's organization during that
    period (checked by ``contract_party_add``).
    """

    id = uuid_pk()
    contract = not_personal(
        models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="parties")
    )
    person = not_personal(
        models.ForeignKey(
            "registry.Person",
            on_delete=models.CASCADE,
            related_name="contract_parties",
            db_index=False,
        ),
        "link to the data subject",
    )
    kind = personal(
        models.CharField(_("role"), max_length=20, choices=PartyKind.choices),
        **PARTY_ROW,
    )
    start_date = personal(models.DateField(_("from")), **PARTY_ROW)
    end_date = personal(models.DateField(_("to"), null=True, blank=True), **PARTY_ROW)
    created_at = not_personal(
        models.DateTimeField(default=timezone.now, editable=False)
    )

    class Meta:
        ordering = ["contract", "kind", "start_date"]
        verbose_name = _("contract party")
        verbose_name_plural = _("contract parties")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="party_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["contract", "person", "kind"],
                condition=Q(end_date__isnull=True),
                name="one_open_party_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["person", "end_date"], name="party_person")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class RelationshipEnd(models.Model):
    """When an organization's customer relationship ended (docs/contracts.md).

    ``ended_on`` is the last day of the latest contract in force or role, or
    None while any of them is open-ended (or there has been none). Materialised
    and indexed so the retention sweep can find relationships whose clock has
    run out without scanning contracts and roles. It does not depend on today:
    a relationship ends on ``ended_on``, which may still be ahead.
    """

    organization = not_personal(
        models.OneToOneField(
            "registry.Organization",
            on_delete=models.CASCADE,
            primary_key=True,
            related_name="relationship_end",
        )
    )
    sole_trader = not_personal(
        models.BooleanField(default=False),
        "copy of the organization's flag: makes the row a person's data",
    )
    ended_on = personal(
        models.DateField(null=True, blank=True, db_index=True),
        **SOLE_TRADER_CONTRACT,
    )
    computed_at = not_personal(models.DateTimeField(default=timezone.now))

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.ended_on or '-'}"
