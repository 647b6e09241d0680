from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What a role may do with a family of personal data."""

    VIEW = "view", _("View")
    CHANGE = "change", _("Change")
    EXPORT = "export", _("Export")
    ERASE = "erase", _("Erase")
