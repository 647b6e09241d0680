"""Choices of the privacy office's registers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyRole(models.TextChoices):
    """What an outside party is to the register (GDPR Art. 4, 26, 28)."""

    PROCESSOR = "processor", _("Processor")
    RECIPIENT = "recipient", _("Recipient")
    JOINT_CONTROLLER = "joint_controller", _("Joint controller")


class TransferMechanism(models.TextChoices):
    """The Chapter V ground for a transfer outside the EU/EEA."""

    NONE = "none", _("None")
    ADEQUACY = "adequacy", _("Adequacy decision (Art. 45)")
    SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c))")


class NoticeLanguage(models.TextChoices):
    FI = "fi", "Suomi"
    SV = "sv", "Svenska"
    EN = "en", "English"


class DestructionMethod(models.TextChoices):
    SHREDDING = "shredding", _("Shredding")
    SECURE_BIN = "secure_bin", _("Locked secure-disposal bin")
    RETURNED = "returned", _("Returned to the data subject or customer")


class ClockState(models.TextChoices):
    """Where a breach stands against the 72-hour deadline (Art. 33(1))."""

    RUNNING = "running", _("Clock running")
    DUE_SOON = "due_soon", _("Less than 24 hours left")
    OVERDUE = "overdue", _("Deadline passed")
    NOTIFIED = "notified", _("Authority notified")
    NOTIFIED_LATE = "notified_late", _("Authority notified late")
    NOT_REQUIRED = "not_required", _("Notification not required")
