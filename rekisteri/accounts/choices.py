from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    """Staff roles (docs/security.md)."""

    SALES = "sales", _("Sales")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    BILLING = "billing", _("Billing")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
