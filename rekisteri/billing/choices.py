from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceState(models.TextChoices):
    """Lifecycle of the document. Payment status is computed, not stored."""

    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class PaymentStatus(models.TextChoices):
    """Computed from the invoice, its credit notes and its payments."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERPAID = "overpaid", _("Overpaid")
    CREDITED = "credited", _("Credited")


class VatCategory(models.TextChoices):
    """UNCL5305 VAT category codes as Finvoice uses them (VatCode)."""

    STANDARD = "S", _("Taxable")
    ZERO = "Z", _("Zero rated")
    EXEMPT = "E", _("Exempt")
    REVERSE_CHARGE = "AE", _("Reverse charge")


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CAMT054 = "camt054", _("Bank file (camt.054)")
    KTL = "ktl", _("Reference payment file (KTL)")


class CollectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AT_AGENCY = "at_agency", _("Handed to a collection agency")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def holding(cls) -> list[str]:
        """Statuses during which the case is a legal hold."""
        return [cls.OPEN, cls.AT_AGENCY]


# The purpose recorded on the audit events of invoicing.
PURPOSE = "invoicing"
