from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class RoleKind(models.TextChoices):
    CONTACT = "contact", _("Contact person")
    SUPPORT_USER = "support_user", _("Support/maintenance user")
    END_USER = "end_user", _("End user")
    BILLING_CONTACT = "billing_contact", _("Billing contact")


class Language(models.TextChoices):
    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    EN = "en", _("English")


# The values, for membership checks made per row (``Choices.values`` builds
# a new list at each use).
ROLE_KINDS = frozenset(RoleKind.values)
LANGUAGES = frozenset(Language.values)


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class SourceKind(models.TextChoices):
    """Where personal data comes from (the notice's 'sources' section)."""

    DATA_SUBJECT = "data_subject", _("The data subject")
    CUSTOMER_COMPANY = "customer_company", _("The customer company")
    STAFF = "staff", _("Our staff")
    REGISTRY = "registry", _("An outside registry")


class RegistrySituation(models.TextChoices):
    """What the trade register says of a company, worst first.

    Anything but ACTIVE flags the organization on its page and in lists.
    """

    ACTIVE = "", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")
    BANKRUPTCY = "bankruptcy", _("Bankruptcy")
    LIQUIDATION = "liquidation", _("Liquidation")
    REORGANISATION = "reorganisation", _("Reorganisation")
