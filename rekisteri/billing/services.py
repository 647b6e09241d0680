"""Writes of invoicing: seller settings, drafts, issuing and credit notes.

Every service is keyword-only, takes the acting staff user, validates
everything first (all field errors at once), writes in one transaction and
records an audit event. Issued invoices are vouchers: services refuse to
change them and the database refuses too (migration 0003).

Rounding (docs/billing.md): each line's net amount is quantity × unit price
rounded to cents; VAT is computed once per VAT rate on the sum of that rate's
line nets and rounded to cents; all rounding is ROUND_HALF_UP.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rekisteri.access.enforce import (
    NONE,
    PERSON,
    authorize_write,
    not_a_write_service,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.billing import finvoice_rules
from rekisteri.billing.choices import InvoiceKind, InvoiceState
from rekisteri.billing.finvoice_rules import finvoice_problems, split_text
from rekisteri.billing.models import (
    CENT,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    SellerSettings,
    VatRate,
)
from rekisteri.core import formats, keyring, validation
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.services import person_create, role_create
from rekisteri.registry.validation import clean_address

INVOICE_SERIES = "invoice"
INVOICE_NUMBER_START = 1000
# The invoice number's width inside the reference: a fixed width keeps
# references unique whatever the customer number's length.
REFERENCE_NUMBER_WIDTH = 8
MAX_LINES = 200
PURPOSE = "invoicing"
CONTACT_FIELDS = [
    "contact_name",
    "contact_street",
    "contact_postal_code",
    "contact_city",
    "contact_country",
]
CONTACT_CATEGORIES = ["user.name", "user.contact.address"]
# What writing an invoice touches in the need-to-know matrix: the billing
# contact's snapshot and the invoicing data itself.
INVOICE_FAMILIES = (*CONTACT_CATEGORIES, "financial")


@not_a_write_service("the enforcement call of the invoicing services")
def authorize_invoice(
    *, actor: Any, person_ids: Any, operation: str, families: Any = INVOICE_FAMILIES
) -> None:
    """The enforcement point for invoicing writes (before anything is written)."""
    authorize_write(
        actor=actor,
        person_ids=[p for p in person_ids if p is not None],
        families=families,
        operation=operation,
    )


UNKNOWN_RATE = gettext_noop("There is no VAT rate with this code for the invoice date.")


def money(value: Decimal) -> Decimal:
    """Round to cents, half up (the rule Finnish invoicing expects)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------
# VAT rates
# --------------------------------------------------------------------------


def vat_rates_ensure() -> bool:
    """Install the Finnish rates (migration 0002's data) if the table is empty.

    Like the registry's built-in data sources, they are recreated on demand,
    so a database emptied by hand (or a test flush) still taxes correctly.
    Returns True when rates were installed.
    """
    if VatRate.objects.exists():
        return False
    from importlib import import_module

    seeded = import_module("rekisteri.billing.migrations.0002_vat_rates")
    with transaction.atomic():
        for code, name, rate, category, start, end in seeded.RATES:
            VatRate.objects.get_or_create(
                code=code,
                valid_from=start,
                defaults=dict(
                    name=name, rate=Decimal(rate), category=category, valid_to=end
                ),
            )
    return True


def _rate_on(code: str, on: dt.date) -> VatRate | None:
    return (
        VatRate.objects.filter(code=code, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )


def vat_rates_on(codes: set[str], on: dt.date) -> dict[str, VatRate]:
    """The rates of ``codes`` valid on ``on``, in one query; unknown codes
    are missing from the result."""
    found: dict[str, VatRate] = {}
    for rate in (
        VatRate.objects.filter(code__in=codes, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
    ):
        found.setdefault(rate.code, rate)
    if len(found) < len(codes) and vat_rates_ensure():
        return vat_rates_on(codes, on)
    return found


def vat_rate_for(code: str, on: dt.date) -> VatRate:
    """The rate called ``code`` valid on ``on``; a clear error otherwise."""
    rate = _rate_on(code, on)
    if rate is None and vat_rates_ensure():
        rate = _rate_on(code, on)
    if rate is None:
        raise ValidationFailed.single("vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
    return rate


def vat_codes(on: dt.date | None = None) -> list[VatRate]:
    """The rates valid on ``on`` (today), one per code, for choice lists."""
    on = on or timezone.localdate()
    vat_rates_ensure()
    found: dict[str, VatRate] = {}
    for rate in (
        VatRate.objects.filter(valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
    ):
        found.setdefault(rate.code, rate)
    return list(found.values())


# --------------------------------------------------------------------------
# Seller
# --------------------------------------------------------------------------

SELLER_FIELDS = [
    "name",
    "business_id",
    "street",
    "postal_code",
    "city",
    "country",
    "iban",
    "bic",
    "email",
    "payment_terms_days",
    "reminder_fee",
    "penalty_interest_rate",
]


def seller_get() -> SellerSettings | None:
    """The vendor's invoicing settings, or None before they are entered."""
    return SellerSettings.objects.filter(pk=1).first()


def _clean(errors: FieldErrors, field: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except formats.FormatError as exc:
        errors.add(field, exc.code, exc.message)
        return None


def check_date_field(field: str, value: Any) -> dt.date:
    """``value`` if it is a date within the shared bounds; ValidationFailed
    on ``field`` otherwise (for services taking a single date)."""
    try:
        return validation.check_date(value)
    except formats.FormatError as exc:
        raise ValidationFailed.single(field, exc.code, exc.message) from None


def _decimal(
    errors: FieldErrors,
    field: str,
    value: Any,
    *,
    places: int = 2,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
) -> Decimal | None:
    if value is None or value == "":
        errors.add(field, "required", _("This field is required."))
        return None
    try:
        number = validation.parse_decimal(value)
    except formats.FormatError as exc:
        errors.add(field, exc.code, exc.message)
        return None
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        errors.add(
            field,
            "number_invalid",
            _("Enter a number with at most %(n)d decimals.") % {"n": places},
        )
        return None
    if minimum is not None and number < minimum:
        errors.add(field, "too_small", _("Enter at least %(n)s.") % {"n": minimum})
        return None
    if maximum is not None and number > maximum:
        errors.add(field, "too_large", _("Enter at most %(n)s.") % {"n": maximum})
        return None
    return number


def _text(
    errors: FieldErrors, field: str, value: Any, *, max_length: int, required: bool
) -> str:
    text = _clean(
        errors, field, lambda v: formats.clean_text(v, max_length=max_length), value
    )
    if required and not text and field not in errors.fields:
        errors.add(field, "required", _("This field is required."))
    return text or ""


@write_service(subject=NONE, reason="the seller is the controller's own company")
def seller_update(*, actor: Any, **data: Any) -> SellerSettings:
    """Create or change the seller settings (all fields validated together)."""
    unknown = set(data) - set(SELLER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = seller_get()
    merged = {f: getattr(current, f, None) for f in SELLER_FIELDS} if current else {}
    merged.update(data)
    errors = FieldErrors()
    out: dict[str, Any] = {
        "name": _text(
            errors, "name", merged.get("name"), max_length=200, required=True
        ),
        "street": _text(
            errors, "street", merged.get("street"), max_length=200, required=True
        ),
        "city": _text(
            errors, "city", merged.get("city"), max_length=100, required=True
        ),
        "email": _text(
            errors, "email", merged.get("email"), max_length=254, required=False
        ),
    }
    # The seller is printed on every Finvoice: what it cannot carry is
    # refused here rather than on the first issue (finvoice_rules).
    if len(split_text(out["street"], finvoice_rules.STREET)) > (
        finvoice_rules.STREET_PARTS
    ):
        errors.add(
            "street",
            "finvoice_length",
            _("At most three lines of 35 characters (Finvoice)."),
        )
    if len(out["city"]) > finvoice_rules.TOWN:
        errors.add("city", "finvoice_length", _("At most 35 characters (Finvoice)."))
    out["business_id"] = _clean(
        errors, "business_id", formats.normalise_business_id, merged.get("business_id")
    )
    out["country"] = _clean(
        errors, "country", formats.normalise_country, merged.get("country") or "FI"
    )
    out["postal_code"] = _clean(
        errors,
        "postal_code",
        formats.normalise_postal_code,
        merged.get("postal_code"),
        out["country"] or "FI",
    )
    out["iban"] = _clean(errors, "iban", formats.normalise_iban, merged.get("iban"))
    out["bic"] = _clean(errors, "bic", formats.normalise_bic, merged.get("bic"))
    if out["email"]:
        out["email"] = _clean(errors, "email", formats.normalise_email, out["email"])
    terms = _decimal(
        errors,
        "payment_terms_days",
        merged.get("payment_terms_days", 14),
        places=0,
        maximum=Decimal(365),
    )
    out["payment_terms_days"] = int(terms) if terms is not None else None
    out["reminder_fee"] = _decimal(
        errors, "reminder_fee", merged.get("reminder_fee"), maximum=Decimal(1000)
    )
    out["penalty_interest_rate"] = _decimal(
        errors,
        "penalty_interest_rate",
        merged.get("penalty_interest_rate"),
        maximum=Decimal(99),
    )
    errors.raise_if_any()
    out["vat_number"] = formats.vat_number_from_business_id(out["business_id"])
    with transaction.atomic():
        seller, _created = SellerSettings.objects.update_or_create(pk=1, defaults=out)
        audit_record(
            actor=actor,
            action="seller.update",
            target_type="seller",
            target_id=seller.pk,
            fields=sorted(data),
            purpose=PURPOSE,
        )
    return seller


def _require_seller() -> SellerSettings:
    seller = seller_get()
    if seller is None:
        raise Conflict(
            _("Enter the seller's invoicing settings before issuing invoices."),
            code="seller_missing",
        )
    return seller


# --------------------------------------------------------------------------
# Lines and totals
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineData:
    """A validated line, VAT resolved for the invoice date."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_code: str
    vat_rate: Decimal
    vat_category: str

    @property
    def net_amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    category: str
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    groups: list[VatGroup]


def compute_totals(lines: list[Any]) -> Totals:
    """Totals by the documented rule: line nets to cents, VAT per rate group.

    ``lines`` are LineData or InvoiceLine (anything with net_amount, vat_rate,
    vat_category).
    """
    groups: dict[tuple[Decimal, str], Decimal] = {}
    for line in lines:
        key = (Decimal(line.vat_rate), line.vat_category)
        groups[key] = groups.get(key, Decimal("0.00")) + Decimal(line.net_amount)
    vat_groups = [
        VatGroup(rate, category, base, money(base * rate / 100))
        for (rate, category), base in sorted(groups.items(), reverse=True)
    ]
    net = sum((g.base for g in vat_groups), Decimal("0.00"))
    vat = sum((g.vat for g in vat_groups), Decimal("0.00"))
    return Totals(net=net, vat=vat, gross=net + vat, groups=vat_groups)


def line_vat(line: Any) -> Decimal:
    """A line's own VAT, for display only (totals use the rate groups)."""
    return money(Decimal(line.net_amount) * Decimal(line.vat_rate) / 100)


def _clean_lines(
    errors: FieldErrors,
    lines: list[dict[str, Any]],
    *,
    on: dt.date,
    credit: bool,
    rates: dict[str, VatRate] | None = None,
) -> list[LineData]:
    if not lines:
        errors.add("lines", "no_lines", _("An invoice needs at least one line."))
        return []
    if len(lines) > MAX_LINES:
        errors.add("lines", "too_many", _("At most %(n)d lines.") % {"n": MAX_LINES})
        return []
    result = []
    if rates is None:
        rates = vat_rates_on({str(raw.get("vat_code") or "") for raw in lines}, on)
    for i, raw in enumerate(lines):
        p = f"lines.{i}."
        description = _text(
            errors,
            p + "description",
            raw.get("description"),
            max_length=200,
            required=True,
        )
        unit = _text(
            errors, p + "unit", raw.get("unit") or "kpl", max_length=10, required=True
        )
        quantity = _decimal(
            errors,
            p + "quantity",
            raw.get("quantity"),
            places=3,
            minimum=None,
            maximum=Decimal("999999999"),
        )
        if quantity is not None:
            if quantity == 0:
                errors.add(p + "quantity", "zero", _("The quantity cannot be zero."))
            elif quantity < 0 and not credit:
                errors.add(
                    p + "quantity",
                    "negative_quantity",
                    _("A negative quantity needs a credit note."),
                )
            elif quantity > 0 and credit:
                errors.add(
                    p + "quantity",
                    "positive_on_credit",
                    _("A credit note's quantities are negative."),
                )
        unit_price = _decimal(
            errors,
            p + "unit_price",
            raw.get("unit_price"),
            places=4,
            maximum=Decimal("9999999999"),
        )
        code = str(raw.get("vat_code") or "")
        rate = rates.get(code)
        if rate is None:
            errors.add(p + "vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
        if None not in (quantity, unit_price, rate) and not errors.fields.keys() & {
            p + "quantity"
        }:
            assert rate is not None
            result.append(
                LineData(
                    description=description,
                    quantity=quantity,  # type: ignore[arg-type]
                    unit=unit,
                    unit_price=unit_price,  # type: ignore[arg-type]
                    vat_code=rate.code,
                    vat_rate=rate.rate,
                    vat_category=rate.category,
                )
            )
    return result


def _write_lines(invoice: Invoice, lines: list[LineData]) -> None:
    InvoiceLine.objects.filter(invoice=invoice).delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_code=line.vat_code,
            vat_rate=line.vat_rate,
            vat_category=line.vat_category,
            net_amount=line.net_amount,
        )
        for i, line in enumerate(lines, start=1)
    )


# --------------------------------------------------------------------------
# Billing contact
# --------------------------------------------------------------------------


def billing_contacts(organization: Organization) -> list[Person]:
    """Persons with a current billing-contact role at ``organization``."""
    today = timezone.localdate()
    roles = (
        Role.objects.current(on=today)
        .filter(organization=organization, kind=RoleKind.BILLING_CONTACT)
        .select_related("person")
    )
    return [r.person for r in roles]


def _check_contact(
    errors: FieldErrors, organization: Organization, person: Person | None
) -> None:
    if person is None:
        return
    today = timezone.localdate()
    is_contact = (
        Role.objects.current(on=today)
        .filter(
            organization=organization,
            person=person,
            kind=RoleKind.BILLING_CONTACT,
        )
        .exists()
    )
    if not is_contact:
        errors.add(
            "billing_contact",
            "not_billing_contact",
            _("This person is not a billing contact of the organization."),
        )
    elif keyring.is_destroyed(person.pk, KeyClass.CRM):
        errors.add(
            "billing_contact",
            "contact_erased",
            _("This person's data has been erased; choose another contact."),
        )


def _clean_typed_contact(errors: FieldErrors, contact: dict[str, Any]) -> dict:
    """A contact typed on the invoice form: it becomes a Person with a
    billing-contact role, so the invoice's snapshot has a data subject."""
    out = {
        "first_name": _text(
            errors,
            "contact_first_name",
            contact.get("first_name"),
            max_length=100,
            required=True,
        ),
        "last_name": _text(
            errors,
            "contact_last_name",
            contact.get("last_name"),
            max_length=100,
            required=True,
        ),
    }
    address = clean_address(
        errors,
        "contact",
        {f"contact_{k}": contact.get(k, "") for k in ("street", "postal_code", "city")}
        | {"contact_country": contact.get("country") or "FI"},
    )
    out.update({k.removeprefix("contact_"): v for k, v in address.items()})
    return out


def _create_typed_contact(
    *, actor: Any, organization: Organization, data: dict
) -> Person:
    person = person_create(actor=actor, **data)
    role_create(
        actor=actor,
        person=person,
        organization=organization,
        kind=RoleKind.BILLING_CONTACT,
    )
    return person


def _snapshot_contact(invoice: Invoice, person: Person) -> None:
    invoice.billing_contact = person
    invoice.contact_name = person.full_name
    invoice.contact_street = person.street or ""
    invoice.contact_postal_code = person.postal_code or ""
    invoice.contact_city = person.city or ""
    invoice.contact_country = person.country or ""


def _snapshot_parties(invoice: Invoice, seller: SellerSettings) -> None:
    org = invoice.organization
    invoice.buyer_sole_trader = org.sole_trader
    invoice.buyer_name = org.name
    invoice.buyer_customer_number = org.customer_number
    invoice.buyer_business_id = org.business_id or ""
    invoice.buyer_vat_number = org.vat_number or ""
    invoice.buyer_street = org.postal_street
    invoice.buyer_postal_code = org.postal_postal_code
    invoice.buyer_city = org.postal_city
    invoice.buyer_country = org.postal_country or "FI"
    for name in (
        "name",
        "business_id",
        "vat_number",
        "street",
        "postal_code",
        "city",
        "country",
        "iban",
        "bic",
    ):
        setattr(invoice, f"seller_{name}", getattr(seller, name))


# --------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------


def _clean_dates(
    errors: FieldErrors,
    invoice_date: dt.date | None,
    due_date: dt.date | None,
    payment_terms_days: Any,
) -> int | None:
    terms = _decimal(
        errors,
        "payment_terms_days",
        payment_terms_days,
        places=0,
        maximum=Decimal(365),
    )
    for name, value in (("invoice_date", invoice_date), ("due_date", due_date)):
        if value is not None:
            _clean(errors, name, validation.check_date, value)
    if (
        not errors.fields.keys() & {"invoice_date", "due_date"}
        and isinstance(invoice_date, dt.date)
        and isinstance(due_date, dt.date)
        and due_date < invoice_date
    ):
        errors.add(
            "due_date",
            "due_before_invoice_date",
            _("The due date is before the invoice date."),
        )
    return int(terms) if terms is not None else None


_EINVOICE_ID = re.compile(r"[0-9A-Z]{2,35}")


def _clean_einvoice(errors: FieldErrors, address: Any, operator: Any) -> dict:
    """The buyer's e-invoice address (OVT such as 003712345671, or an IBAN)
    and operator code (OVT or BIC): both or neither, 2–35 letters and digits
    (spaces and hyphens dropped)."""
    out = {}
    for field, value in (
        ("einvoice_address", address),
        ("einvoice_operator", operator),
    ):
        compact = re.sub(r"[\s-]", "", str(value or "")).upper()
        if compact and not _EINVOICE_ID.fullmatch(compact):
            errors.add(
                field,
                "einvoice_invalid",
                _("Enter 2 to 35 letters A–Z and digits 0–9."),
            )
        out[field] = compact
    if bool(out["einvoice_address"]) != bool(out["einvoice_operator"]):
        missing = "einvoice_operator" if out["einvoice_address"] else "einvoice_address"
        errors.add(
            missing,
            "einvoice_incomplete",
            _("Give both the e-invoice address and the operator, or neither."),
        )
    return out


def _draft_values(
    *,
    organization: Organization,
    lines: list[dict[str, Any]],
    billing_contact: Person | None,
    contact: dict[str, Any] | None,
    invoice_date: dt.date | None,
    due_date: dt.date | None,
    payment_terms_days: Any,
    buyer_reference: str,
    notes: str,
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> tuple[dict, list[LineData], dict | None]:
    errors = FieldErrors()
    if contract is not None and contract.organization_id != organization.pk:
        errors.add(
            "contract",
            "contract_other_organization",
            _("The contract belongs to another organization."),
        )
    seller = seller_get()
    if payment_terms_days is None:
        payment_terms_days = seller.payment_terms_days if seller else 14
    terms = _clean_dates(errors, invoice_date, due_date, payment_terms_days)
    on = invoice_date if isinstance(invoice_date, dt.date) else timezone.localdate()
    clean_lines = _clean_lines(errors, lines, on=on, credit=False)
    typed = None
    if billing_contact is None and contact:
        typed = _clean_typed_contact(errors, contact)
    elif billing_contact is None:
        errors.add(
            "billing_contact",
            "required",
            _("Choose the billing contact or type one in."),
        )
    _check_contact(errors, organization, billing_contact)
    values = {
        "invoice_date": invoice_date,
        "due_date": due_date,
        "payment_terms_days": terms,
        "buyer_reference": _text(
            errors, "buyer_reference", buyer_reference, max_length=70, required=False
        ),
        "notes": _text(errors, "notes", notes, max_length=500, required=False),
        "contract": contract,
        **_clean_einvoice(errors, einvoice_address, einvoice_operator),
    }
    errors.raise_if_any()
    return values, clean_lines, typed


@write_service(subject=PERSON)
def invoice_create(
    *,
    actor: Any,
    organization: Organization,
    lines: list[dict[str, Any]],
    billing_contact: Person | None = None,
    contact: dict[str, Any] | None = None,
    invoice_date: dt.date | None = None,
    due_date: dt.date | None = None,
    payment_terms_days: int | None = None,
    buyer_reference: str = "",
    notes: str = "",
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> Invoice:
    """A draft invoice for ``organization``. It has no number until issued.

    ``billing_contact`` is a Person with a current billing-contact role
    there; alternatively ``contact`` (first_name, last_name, street,
    postal_code, city, country) is typed in and becomes such a Person.
    ``invoice_date`` defaults to the issuing day and ``due_date`` to the
    invoice date plus ``payment_terms_days`` (the seller's default).
    ``contract``, optional, is one of the organization's contracts.
    ``einvoice_address`` and ``einvoice_operator`` (both or neither) route
    the Finvoice to the buyer's e-invoicing operator.
    """
    values, clean_lines, typed = _draft_values(
        organization=organization,
        lines=lines,
        billing_contact=billing_contact,
        contact=contact,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_terms_days=payment_terms_days,
        buyer_reference=buyer_reference,
        notes=notes,
        contract=contract,
        einvoice_address=einvoice_address,
        einvoice_operator=einvoice_operator,
    )
    authorize_invoice(
        actor=actor,
        person_ids=[billing_contact.pk if billing_contact else None],
        operation="invoice.create",
    )
    with transaction.atomic():
        if typed is not None:
            billing_contact = _create_typed_contact(
                actor=actor, organization=organization, data=typed
            )
        assert billing_contact is not None
        invoice = Invoice(
            organization=organization,
            created_by=actor if getattr(actor, "pk", None) else None,
            **values,
        )
        _snapshot_contact(invoice, billing_contact)
        totals = compute_totals(clean_lines)
        invoice.total_net, invoice.total_vat, invoice.total_gross = (
            totals.net,
            totals.vat,
            totals.gross,
        )
        invoice.save(force_insert=True)
        _write_lines(invoice, clean_lines)
        audit_record(
            actor=actor,
            action="invoice.create",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=billing_contact.pk,
            fields=CONTACT_FIELDS,
            categories=CONTACT_CATEGORIES,
            purpose=PURPOSE,
        )
    return invoice


def _require_draft(invoice: Invoice, *, lock: bool = False) -> None:
    rows = Invoice.objects.filter(pk=invoice.pk)
    if lock:
        rows = rows.select_for_update()
    state = rows.values_list("state", flat=True).first()
    if state is None:
        raise NotFound()
    if state != InvoiceState.DRAFT:
        raise Conflict(
            _(
                "An issued invoice is a bookkeeping voucher and cannot be changed "
                "or deleted; correct it with a credit note."
            ),
            code="invoice_issued",
        )


@write_service(subject=PERSON)
def invoice_update(
    *,
    actor: Any,
    invoice: Invoice,
    lines: list[dict[str, Any]],
    billing_contact: Person | None = None,
    contact: dict[str, Any] | None = None,
    invoice_date: dt.date | None = None,
    due_date: dt.date | None = None,
    payment_terms_days: int | None = None,
    buyer_reference: str = "",
    notes: str = "",
    contract: Any = None,
    einvoice_address: str = "",
    einvoice_operator: str = "",
) -> Invoice:
    """Replace a draft's contents (same arguments as :func:`invoice_create`)."""
    _require_draft(invoice)
    values, clean_lines, typed = _draft_values(
        organization=invoice.organization,
        lines=lines,
        billing_contact=billing_contact,
        contact=contact,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_terms_days=payment_terms_days,
        buyer_reference=buyer_reference,
        notes=notes,
        contract=contract,
        einvoice_address=einvoice_address,
        einvoice_operator=einvoice_operator,
    )
    authorize_invoice(
        actor=actor,
        person_ids=[
            invoice.billing_contact_id,
            billing_contact.pk if billing_contact else None,
        ],
        operation="invoice.update",
    )
    with transaction.atomic():
        if typed is not None:
            billing_contact = _create_typed_contact(
                actor=actor, organization=invoice.organization, data=typed
            )
        assert billing_contact is not None
        for name, value in values.items():
            setattr(invoice, name, value)
        _snapshot_contact(invoice, billing_contact)
        totals = compute_totals(clean_lines)
        invoice.total_net, invoice.total_vat, invoice.total_gross = (
            totals.net,
            totals.vat,
            totals.gross,
        )
        invoice.save()
        _write_lines(invoice, clean_lines)
        audit_record(
            actor=actor,
            action="invoice.update",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=billing_contact.pk,
            fields=CONTACT_FIELDS,
            categories=CONTACT_CATEGORIES,
            purpose=PURPOSE,
        )
    return invoice


@write_service(subject=PERSON)
def invoice_delete(*, actor: Any, invoice: Invoice) -> None:
    """Delete a draft. Issued invoices are refused (credit them instead)."""
    _require_draft(invoice)
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="invoice.delete",
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="invoice.delete",
            target_type="invoice",
            target_id=invoice.pk,
            subject_id=invoice.billing_contact_id,
            purpose=PURPOSE,
        )
        invoice.delete()


# --------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------


def _next_number() -> int:
    """The next number of the gapless series; must run in the issuing
    transaction, which holds the series row's lock until it commits. A
    rollback returns the number with everything else."""
    series = InvoiceSeries.objects.select_for_update().filter(name=INVOICE_SERIES)
    row = series.first()
    if row is None:
        InvoiceSeries.objects.get_or_create(
            name=INVOICE_SERIES, defaults={"next_number": INVOICE_NUMBER_START}
        )
        row = series.get()
    number = row.next_number
    InvoiceSeries.objects.filter(name=INVOICE_SERIES).update(next_number=number + 1)
    return number


def invoice_reference(customer_number: str, number: int) -> str:
    """Reference number: customer number, invoice number (fixed width) and
    the 7-3-1 check digit. Unique because the invoice number is."""
    digits = "".join(ch for ch in customer_number if ch.isdigit())
    return formats.reference_from_base(f"{digits}{number:0{REFERENCE_NUMBER_WIDTH}d}")


def _issue(
    *, actor: Any, invoice: Invoice, seller: SellerSettings, on: dt.date
) -> Invoice:
    """Number, date, snapshot and freeze a validated draft (in a transaction)."""
    invoice.invoice_date = invoice.invoice_date or on
    # A draft stored before the date bounds existed is checked again: the due
    # date is computed from it.
    check_date_field("invoice_date", invoice.invoice_date)
    if invoice.due_date is not None:
        check_date_field("due_date", invoice.due_date)
    if invoice.due_date is None:
        days = 0 if invoice.is_credit_note else invoice.payment_terms_days
        invoice.due_date = invoice.invoice_date + dt.timedelta(days=days)
    if invoice.due_date < invoice.invoice_date:
        raise ValidationFailed.single(
            "due_date",
            "due_before_invoice_date",
            _("The due date is before the invoice date."),
        )
    # Rates by the invoice date, which may differ from the draft's day; a
    # credit note corrects its invoice at the invoice's rates.
    rate_date = (
        invoice.credited_invoice.invoice_date
        if invoice.is_credit_note
        else invoice.invoice_date
    )
    lines = list(invoice.lines.all())
    fresh: list[LineData] = []
    errors = FieldErrors()
    rates = vat_rates_on({line.vat_code for line in lines}, rate_date)
    for i, line in enumerate(lines):
        rate = rates.get(line.vat_code)
        if rate is None:
            errors.add(f"lines.{i}.vat_code", "vat_rate_unknown", _(UNKNOWN_RATE))
            continue
        fresh.append(
            LineData(
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                rate.code,
                rate.rate,
                rate.category,
            )
        )
    if not lines:
        errors.add("lines", "no_lines", _("An invoice needs at least one line."))
    errors.raise_if_any()
    # Rewrite the lines only when a rate changed since the draft was saved.
    if any(
        (old.vat_rate, old.vat_category) != (new.vat_rate, new.vat_category)
        for old, new in zip(lines, fresh, strict=True)
    ):
        _write_lines(invoice, fresh)
    totals = compute_totals(fresh)
    invoice.total_net, invoice.total_vat, invoice.total_gross = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    _snapshot_parties(invoice, seller)
    if not (invoice.buyer_street and invoice.buyer_postal_code and invoice.buyer_city):
        # The VAT Act (209 e §) requires the buyer's address on an invoice.
        raise ValidationFailed.single(
            "organization",
            "buyer_address_missing",
            _("The organization has no postal address; add it before issuing."),
        )
    person = invoice.billing_contact
    # The contact as they are at issue, unless their CRM data is erased (the
    # draft's snapshot stays) or this corrects an invoice (same contact text).
    if not invoice.is_credit_note and not keyring.is_destroyed(person.pk, KeyClass.CRM):
        _snapshot_contact(invoice, person)
    # What Finvoice cannot carry is refused now: the voucher cannot change.
    problems = finvoice_problems(invoice)
    if problems:
        raise ValidationFailed(
            {field: [("finvoice_length", message)] for field, message in problems}
        )
    invoice.number = _next_number()
    invoice.reference = invoice_reference(invoice.buyer_customer_number, invoice.number)
    invoice.state = InvoiceState.ISSUED
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor if getattr(actor, "pk", None) else None
    invoice.save()
    audit_record(
        actor=actor,
        action="credit_note.issue" if invoice.is_credit_note else "invoice.issue",
        target_type="invoice",
        target_id=invoice.pk,
        subject_id=invoice.billing_contact_id,
        fields=CONTACT_FIELDS,
        categories=CONTACT_CATEGORIES,
        purpose=PURPOSE,
        details={"number": invoice.number},
    )
    return invoice


@write_service(subject=PERSON)
def invoice_issue(
    *, actor: Any, invoice: Invoice, invoice_date: dt.date | None = None
) -> Invoice:
    """Issue a draft: the next number of the gapless series, the reference
    number, the invoice and due dates, the seller and buyer as they are now.
    The invoice cannot be changed afterwards."""
    seller = _require_seller()
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="invoice.issue",
    )
    if invoice_date is not None:
        check_date_field("invoice_date", invoice_date)
        invoice.invoice_date = invoice_date
    with transaction.atomic():
        # Lock the draft so two clicks cannot issue it twice.
        _require_draft(invoice, lock=True)
        return _issue(actor=actor, invoice=invoice, seller=seller, on=_today())


def _today() -> dt.date:
    return timezone.localdate()


def credited_total(invoice: Invoice) -> Decimal:
    """How much issued credit notes have taken off ``invoice`` (positive)."""
    total = sum(
        (
            -cn.total_gross
            for cn in Invoice.objects.filter(
                credited_invoice=invoice, state=InvoiceState.ISSUED
            )
        ),
        Decimal("0.00"),
    )
    return total


@write_service(subject=PERSON)
def credit_note_issue(
    *,
    actor: Any,
    invoice: Invoice,
    lines: list[dict[str, Any]] | None = None,
    notes: str = "",
    invoice_date: dt.date | None = None,
) -> Invoice:
    """Correct an issued invoice with a credit note, issued at once.

    Without ``lines`` the whole invoice is credited (each line negated);
    otherwise the lines have negative quantities. A credit note cannot take
    off more than is left of the invoice after earlier credit notes.
    """
    if invoice.state != InvoiceState.ISSUED or invoice.is_credit_note:
        raise Conflict(
            _("Only an issued invoice can be credited."), code="not_creditable"
        )
    seller = _require_seller()
    if invoice_date is not None:
        check_date_field("invoice_date", invoice_date)
    on = invoice_date or _today()
    if lines is None:
        lines = [
            {
                "description": line.description,
                "quantity": -line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "vat_code": line.vat_code,
            }
            for line in invoice.lines.all()
        ]
    errors = FieldErrors()
    # The original invoice's rates apply to its correction.
    clean_lines = _clean_lines(errors, lines, on=invoice.invoice_date, credit=True)
    notes = _text(errors, "notes", notes, max_length=500, required=False)
    errors.raise_if_any()
    totals = compute_totals(clean_lines)
    authorize_invoice(
        actor=actor,
        person_ids=[invoice.billing_contact_id],
        operation="credit_note.issue",
    )
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        remaining = invoice.total_gross - credited_total(invoice)
        if -totals.gross > remaining:
            raise ValidationFailed.single(
                "lines",
                "credit_exceeds_invoice",
                _("The credit note is larger than what is left of the invoice."),
            )
        note = Invoice(
            kind=InvoiceKind.CREDIT_NOTE,
            credited_invoice=invoice,
            organization=invoice.organization,
            invoice_date=on,
            payment_terms_days=0,
            due_date=on,
            buyer_reference=invoice.buyer_reference,
            einvoice_address=invoice.einvoice_address,
            einvoice_operator=invoice.einvoice_operator,
            contract_id=invoice.contract_id,
            notes=notes,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        # The credit note names the contact the invoice named.
        note.billing_contact = invoice.billing_contact
        for name in CONTACT_FIELDS:
            setattr(note, name, getattr(invoice, name))
        note.save(force_insert=True)
        _write_lines(note, clean_lines)
        return _issue(actor=actor, invoice=note, seller=seller, on=on)
