"""Choices of the contracts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    """Lifecycle of a contract (see docs/contracts.md).

    draft → active → ended (on or after its end date)
    active → terminated (notice given; in force until the termination date)
    A draft may be deleted; nothing else ever is.
    """

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    TERMINATED = "terminated", _("Terminated")


class NoticeUnit(models.TextChoices):
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class PartyKind(models.TextChoices):
    """The capacity in which a person is attached to a contract."""

    CONTACT = "contact", _("Contact person")
    SIGNATORY = "signatory", _("Signatory")
    SUPPORT_USER = "support_user", _("Support user")
    BILLING_CONTACT = "billing_contact", _("Billing contact")


# Statuses in which the contract is (or was) in force: they count towards the
# customer relationship. A draft never does.
IN_FORCE_STATUSES = (
    ContractStatus.ACTIVE,
    ContractStatus.ENDED,
    ContractStatus.TERMINATED,
)
CLOSED_STATUSES = (ContractStatus.ENDED, ContractStatus.TERMINATED)
