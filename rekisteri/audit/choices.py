from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """How an audited action ended."""

    OK = "ok", _("Succeeded")
    DENIED = "denied", _("Refused")
    FAILED = "failed", _("Failed")
