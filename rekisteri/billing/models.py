"""Invoicing and collection: VAT rates, the seller, invoices, payments,
reminders and collection cases.

An issued invoice is a bookkeeping voucher (Accounting Act 2:5, 2:10): the
database refuses to change or delete it (migration 0003) and corrections are
credit notes. The billing contact's name and address on it are a snapshot
sealed under the contact's ``bookkeeping`` key, so erasing their CRM data
(key class ``crm``) leaves the invoice readable until the voucher period ends.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rekisteri.billing.choices import (
    CollectionStatus,
    InvoiceKind,
    InvoiceState,
    PaymentSource,
    VatCategory,
)
from rekisteri.core.catalogue import (
    Erasure,
    KeyClass,
    LegalBasis,
    Purpose,
    not_personal,
    personal,
    uuid_pk,
)
from rekisteri.core.crypto.fields import EncryptedTextField

# What the invoice says about its billing contact: kept as a voucher for the
# Accounting Act period, sealed under the contact's bookkeeping key.
VOUCHER = dict(
    purposes=(Purpose.INVOICING, Purpose.COLLECTION),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="bookkeeping_voucher",
    erasure=Erasure.SHRED,
    subject="billing_contact",
    key_class=KeyClass.BOOKKEEPING,
)
# The buyer company as invoiced. A sole trader's company data is the trader's
# personal data; the invoice keeps it as a voucher (in the clear: it is what
# payment matching and bookkeeping read), the trader being the billing contact.
BUYER = dict(
    purposes=(Purpose.INVOICING, Purpose.COLLECTION),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention="bookkeeping_voucher",
    erasure=Erasure.RETAIN,
    subject="billing_contact",
    when="buyer_sole_trader",
)
STAFF_ACTOR = dict(
    category="user.account",
    purposes=(Purpose.SECURITY,),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention="audit",
    erasure=Erasure.RETAIN,
    subject="staff",
)

MONEY = dict(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


def _staff(related_name: str = "+") -> models.ForeignKey:
    return personal(
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name=related_name,
        ),
        **STAFF_ACTOR,
    )


class VatRate(models.Model):
    """A VAT rate valid for a period. Rates are data, never constants: an
    invoice is taxed at the rate valid on its invoice date."""

    id = not_personal(models.BigAutoField(primary_key=True))
    code = not_personal(models.SlugField(_("VAT code"), max_length=20))
    name = not_personal(models.CharField(_("name"), max_length=100))
    rate = not_personal(
        models.DecimalField(_("rate %"), max_digits=5, decimal_places=2)
    )
    category = not_personal(
        models.CharField(
            max_length=2, choices=VatCategory.choices, default=VatCategory.STANDARD
        )
    )
    valid_from = not_personal(models.DateField(_("valid from")))
    valid_to = not_personal(models.DateField(_("valid to"), null=True, blank=True))

    class Meta:
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"], name="vat_code_from"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="vat_period_order",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=100), name="vat_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rate} % ({self.valid_from}–{self.valid_to or ''})"


class SellerSettings(models.Model):
    """The vendor as it appears on its invoices (one row, id 1)."""

    id = not_personal(models.PositiveSmallIntegerField(primary_key=True, default=1))
    name = not_personal(models.CharField(_("company name"), max_length=200))
    business_id = not_personal(models.CharField(_("business ID"), max_length=9))
    vat_number = not_personal(models.CharField(_("VAT number"), max_length=16))
    street = not_personal(models.CharField(_("street address"), max_length=200))
    postal_code = not_personal(models.CharField(_("postal code"), max_length=10))
    city = not_personal(models.CharField(_("post office"), max_length=100))
    country = not_personal(models.CharField(_("country"), max_length=2, default="FI"))
    iban = not_personal(models.CharField(_("IBAN"), max_length=34))
    bic = not_personal(models.CharField(_("BIC"), max_length=11))
    email = not_personal(
        models.CharField(_("invoicing email"), max_length=254, blank=True),
        "the company's shared invoicing address",
    )
    payment_terms_days = not_personal(
        models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    )
    reminder_fee = not_personal(
        models.DecimalField(_("reminder fee"), default=Decimal("5.00"), **MONEY)
    )
    penalty_interest_rate = not_personal(
        models.DecimalField(
            _("penalty interest % per year"),
            max_digits=5,
            decimal_places=2,
            default=Decimal("11.50"),
        )
    )
    updated_at = not_personal(models.DateTimeField(auto_now=True))

    class Meta:
        verbose_name = _("seller settings")

    def __str__(self) -> str:
        return self.name


class InvoiceSeries(models.Model):
    """A gapless number series. The row is locked by the issuing transaction,
    so a number is used exactly once and a rolled-back issue returns it."""

    name = not_personal(models.CharField(max_length=20, primary_key=True))
    next_number = not_personal(models.BigIntegerField())

    def __str__(self) -> str:
        return f"{self.name}: {self.next_number}"


class Invoice(models.Model):
    """An invoice or credit note. Drafts are edited freely and have no number;
    issuing assigns the number, reference and totals and freezes the row."""

    id = uuid_pk()
    kind = not_personal(
        models.CharField(
            max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
        )
    )
    state = not_personal(
        models.CharField(
            max_length=8, choices=InvoiceState.choices, default=InvoiceState.DRAFT
        )
    )
    number = not_personal(
        models.BigIntegerField(_("invoice number"), null=True, blank=True, unique=True)
    )
    organization = not_personal(
        models.ForeignKey(
            "registry.Organization",
            on_delete=models.PROTECT,
            related_name="invoices",
            db_index=False,
        )
    )
    credited_invoice = not_personal(
        models.ForeignKey(
            "self",
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="credit_notes",
        )
    )
    contract = not_personal(
        models.ForeignKey(
            "contracts.Contract",
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="invoices",
            verbose_name=_("contract"),
        ),
        "the contract invoiced, if any (optional)",
    )
    invoice_date = not_personal(
        models.DateField(_("invoice date"), null=True, blank=True)
    )
    payment_terms_days = not_personal(
        models.PositiveSmallIntegerField(_("payment terms (days)"))
    )
    due_date = not_personal(models.DateField(_("due date"), null=True, blank=True))
    reference = not_personal(
        models.CharField(_("reference number"), max_length=20, null=True, unique=True),
        "derived from the customer and invoice numbers",
    )
    currency = not_personal(models.CharField(max_length=3, default="EUR"))
    buyer_reference = not_personal(
        models.CharField(_("your reference"), max_length=70, blank=True),
        "the buyer's order or cost-centre code",
    )
    notes = not_personal(
        models.CharField(_("free text"), max_length=500, blank=True),
        "printed on the invoice; not for personal data",
    )
    # Where the Finvoice goes: the buyer's e-invoice address (OVT or IBAN)
    # and their operator's code, typed on the draft (docs/billing.md).
    einvoice_address = personal(
        models.CharField(_("e-invoice address"), max_length=35, blank=True),
        category="user.unique_id",
        **BUYER,
    )
    einvoice_operator = not_personal(
        models.CharField(_("e-invoice operator"), max_length=35, blank=True),
        "the buyer's e-invoicing operator (a company's code)",
    )
    # Buyer as invoiced (snapshot at issue).
    buyer_sole_trader = not_personal(models.BooleanField(default=False))
    buyer_name = personal(
        models.CharField(max_length=200, blank=True), category="user.name", **BUYER
    )
    buyer_customer_number = personal(
        models.CharField(max_length=20, blank=True), category="user.unique_id", **BUYER
    )
    buyer_business_id = personal(
        models.CharField(max_length=9, blank=True), category="user.unique_id", **BUYER
    )
    buyer_vat_number = personal(
        models.CharField(max_length=16, blank=True), category="user.unique_id", **BUYER
    )
    buyer_street = personal(
        models.CharField(max_length=200, blank=True),
        category="user.contact.address.street",
        **BUYER,
    )
    buyer_postal_code = personal(
        models.CharField(max_length=10, blank=True),
        category="user.contact.address.postal_code",
        **BUYER,
    )
    buyer_city = personal(
        models.CharField(max_length=100, blank=True),
        category="user.contact.address.city",
        **BUYER,
    )
    buyer_country = personal(
        models.CharField(max_length=2, default="FI"),
        category="user.contact.address.country",
        **BUYER,
    )
    # Billing contact: the Person and a sealed snapshot of what was printed.
    billing_contact = not_personal(
        models.ForeignKey(
            "registry.Person", on_delete=models.PROTECT, related_name="invoices"
        ),
        "link to the data subject",
    )
    contact_name = personal(
        EncryptedTextField(_("billing contact")), category="user.name", **VOUCHER
    )
    contact_street = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.contact.address.street",
        **VOUCHER,
    )
    contact_postal_code = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.contact.address.postal_code",
        **VOUCHER,
    )
    contact_city = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.contact.address.city",
        **VOUCHER,
    )
    contact_country = personal(
        EncryptedTextField(null=True, blank=True),
        category="user.contact.address.country",
        **VOUCHER,
    )
    # Seller as invoiced (snapshot at issue; the vendor's own data).
    seller_name = not_personal(models.CharField(max_length=200, blank=True))
    seller_business_id = not_personal(models.CharField(max_length=9, blank=True))
    seller_vat_number = not_personal(models.CharField(max_length=16, blank=True))
    seller_street = not_personal(models.CharField(max_length=200, blank=True))
    seller_postal_code = not_personal(models.CharField(max_length=10, blank=True))
    seller_city = not_personal(models.CharField(max_length=100, blank=True))
    seller_country = not_personal(models.CharField(max_length=2, default="FI"))
    seller_iban = not_personal(models.CharField(max_length=34, blank=True))
    seller_bic = not_personal(models.CharField(max_length=11, blank=True))
    # Totals (computed by the service; see docs/billing.md for rounding).
    total_net = not_personal(models.DecimalField(default=Decimal("0.00"), **MONEY))
    total_vat = not_personal(models.DecimalField(default=Decimal("0.00"), **MONEY))
    total_gross = not_personal(models.DecimalField(default=Decimal("0.00"), **MONEY))
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    created_by = _staff()
    issued_at = not_personal(models.DateTimeField(null=True, blank=True))
    issued_by = _staff()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=InvoiceState.DRAFT)
                | (
                    Q(number__isnull=False)
                    & Q(reference__isnull=False)
                    & Q(invoice_date__isnull=False)
                    & Q(due_date__isnull=False)
                    & Q(due_date__gte=F("invoice_date"))
                ),
                name="issued_invoice_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, credited_invoice__isnull=True)
                | Q(kind=InvoiceKind.CREDIT_NOTE, credited_invoice__isnull=False),
                name="credit_note_refers_to_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="inv_org"),
            models.Index(fields=["state", "due_date"], name="inv_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or _('(draft)')}"

    @property
    def is_issued(self) -> bool:
        return self.state == InvoiceState.ISSUED

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """One row: quantity × unit price at a VAT rate (code resolved by date)."""

    id = not_personal(models.BigAutoField(primary_key=True))
    invoice = not_personal(
        models.ForeignKey(
            Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False
        )
    )
    position = not_personal(models.PositiveSmallIntegerField())
    description = not_personal(
        models.CharField(_("description"), max_length=200),
        "product or service text; not for personal data",
    )
    quantity = not_personal(
        models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    )
    unit = not_personal(models.CharField(_("unit"), max_length=10, default="kpl"))
    unit_price = not_personal(
        models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    )
    vat_code = not_personal(models.SlugField(_("VAT code"), max_length=20))
    vat_rate = not_personal(models.DecimalField(max_digits=5, decimal_places=2))
    vat_category = not_personal(
        models.CharField(max_length=2, default=VatCategory.STANDARD)
    )
    net_amount = not_personal(models.DecimalField(**MONEY))

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoice_line_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class PaymentImport(models.Model):
    """One imported bank file. The digest makes a re-import a no-op."""

    id = uuid_pk()
    digest = not_personal(models.CharField(max_length=64, unique=True))
    format = not_personal(
        models.CharField(max_length=10, choices=PaymentSource.choices)
    )
    imported_at = not_personal(models.DateTimeField(default=timezone.now))
    imported_by = _staff()
    entries = not_personal(models.PositiveIntegerField(default=0))
    matched = not_personal(models.PositiveIntegerField(default=0))
    report = not_personal(
        models.JSONField(default=list),
        "per entry: position, outcome code, amount, invoice number — no names",
    )

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.format} {self.imported_at:%Y-%m-%d %H:%M}"


class Payment(models.Model):
    """Money received against one invoice (entered by hand or imported)."""

    id = uuid_pk()
    invoice = not_personal(
        models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    )
    amount = not_personal(models.DecimalField(_("amount"), **MONEY))
    paid_on = not_personal(models.DateField(_("payment date")))
    reference = not_personal(models.CharField(max_length=40, blank=True))
    source = not_personal(
        models.CharField(
            max_length=10, choices=PaymentSource.choices, default=PaymentSource.MANUAL
        )
    )
    bank_reference = not_personal(
        models.CharField(max_length=80, null=True, blank=True, unique=True),
        "the bank's archive id of the entry (AcctSvcrRef)",
    )
    payment_import = not_personal(
        models.ForeignKey(
            PaymentImport, on_delete=models.PROTECT, null=True, blank=True
        )
    )
    created_at = not_personal(models.DateTimeField(default=timezone.now))
    created_by = _staff()

    class Meta:
        ordering = ["paid_on", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_on}"


class Reminder(models.Model):
    """A payment reminder (maksumuistutus) with its fee and penalty interest."""

    id = uuid_pk()
    invoice = not_personal(
        models.ForeignKey(
            Invoice, on_delete=models.PROTECT, related_name="reminders", db_index=False
        )
    )
    sequence = not_personal(models.PositiveSmallIntegerField())
    sent_on = not_personal(models.DateField(_("reminder date")))
    new_due_date = not_personal(models.DateField(_("new due date")))
    outstanding = not_personal(models.DecimalField(**MONEY))
    fee = not_personal(models.DecimalField(_("reminder fee"), **MONEY))
    interest_rate = not_personal(models.DecimalField(max_digits=5, decimal_places=2))
    interest = not_personal(models.DecimalField(_("penalty interest"), **MONEY))
    created_by = _staff()

    class Meta:
        ordering = ["invoice", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "sequence"], name="reminder_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.sent_on}"

    @property
    def total_due(self) -> Decimal:
        return self.outstanding + self.fee + self.interest


class CollectionAgency(models.Model):
    """A collection agency invoicing data is disclosed to: a recipient.

    NOTE for the privacy office's processors-and-recipients register: this
    is a recipient of invoicing and collection data (name, business ID,
    country). Agencies outside the EU/EEA are refused by the service.
    """

    id = uuid_pk()
    name = not_personal(models.CharField(_("name"), max_length=200))
    business_id = not_personal(
        models.CharField(_("business ID"), max_length=20, blank=True)
    )
    country = not_personal(models.CharField(_("country"), max_length=2, default="FI"))
    created_at = not_personal(models.DateTimeField(default=timezone.now))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("collection agencies")

    def __str__(self) -> str:
        return self.name


class CollectionCase(models.Model):
    """Debt collection (perintä) of one overdue invoice. While open or at an
    agency it is a legal hold on the billing contact's data."""

    id = uuid_pk()
    invoice = not_personal(
        models.ForeignKey(
            Invoice, on_delete=models.PROTECT, related_name="collection_cases"
        )
    )
    status = not_personal(
        models.CharField(
            max_length=10,
            choices=CollectionStatus.choices,
            default=CollectionStatus.OPEN,
        )
    )
    opened_on = not_personal(models.DateField(_("opened")))
    closed_on = not_personal(models.DateField(_("closed"), null=True, blank=True))
    agency = not_personal(
        models.ForeignKey(
            CollectionAgency, on_delete=models.PROTECT, null=True, blank=True
        )
    )
    handed_over_on = not_personal(models.DateField(null=True, blank=True))
    created_by = _staff()

    class Meta:
        ordering = ["-opened_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status__in=["open", "at_agency"]),
                name="one_open_collection_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.opened_on}"


class VoucherPurgePermit(models.Model):
    """While a row exists (inside the purge transaction), SQLite's triggers
    let issued invoices be deleted: the retention purge after the Accounting
    Act period, and the test runner's flush. PostgreSQL uses a setting."""

    id = not_personal(models.BigAutoField(primary_key=True))
    reason = not_personal(models.CharField(max_length=100))

    def __str__(self) -> str:
        return self.reason
