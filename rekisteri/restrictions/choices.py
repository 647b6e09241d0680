from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestedBy(models.TextChoices):
    """Who asked for a restriction."""

    DATA_SUBJECT = "data_subject", _("The data subject")
    REPRESENTATIVE = "representative", _("The data subject's representative")
    AUTHORITY = "authority", _("A supervisory authority or court")
    CONTROLLER = "controller", _("Our privacy officer")


class LiftNotice(models.TextChoices):
    """How the person was told that their restriction will be lifted
    (Art. 18(3): before it is)."""

    EMAIL = "email", _("By email")
    LETTER = "letter", _("By letter")
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")


class RestrictionGround(models.TextChoices):
    """The Art. 18(1) ground the restriction rests on."""

    ACCURACY = "accuracy", _("Accuracy contested (Art. 18(1)(a))")
    UNLAWFUL = "unlawful", _("Unlawful, erasure opposed (Art. 18(1)(b))")
    LEGAL_CLAIMS = "legal_claims", _("Needed for legal claims (Art. 18(1)(c))")
    OBJECTION = "objection", _("Objection pending (Art. 18(1)(d))")


class ObjectionPurpose(models.TextChoices):
    """What the person objects to (Art. 21)."""

    DIRECT_MARKETING = "direct_marketing", _("Direct marketing (Art. 21(2))")
    LEGITIMATE_INTEREST = (
        "legitimate_interest",
        _("Processing on legitimate interest (Art. 21(1))"),
    )


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
