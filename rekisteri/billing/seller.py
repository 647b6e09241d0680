"""The seller's invoicing settings: the vendor's own company on every invoice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rekisteri.access.enforce import (
    NONE,
    write_service,
)
from rekisteri.audit.services import audit_record
from rekisteri.billing import finvoice_rules
from rekisteri.billing.choices import PURPOSE
from rekisteri.billing.cleaning import clean_decimal, clean_field, clean_text_field
from rekisteri.billing.finvoice_rules import split_text
from rekisteri.billing.models import SellerSettings
from rekisteri.core import formats
from rekisteri.core.errors import Conflict, FieldErrors

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
        "name": clean_text_field(
            errors, "name", merged.get("name"), max_length=200, required=True
        ),
        "street": clean_text_field(
            errors, "street", merged.get("street"), max_length=200, required=True
        ),
        "city": clean_text_field(
            errors, "city", merged.get("city"), max_length=100, required=True
        ),
        "email": clean_text_field(
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
    out["business_id"] = clean_field(
        errors, "business_id", formats.normalise_business_id, merged.get("business_id")
    )
    out["country"] = clean_field(
        errors, "country", formats.normalise_country, merged.get("country") or "FI"
    )
    out["postal_code"] = clean_field(
        errors,
        "postal_code",
        formats.normalise_postal_code,
        merged.get("postal_code"),
        out["country"] or "FI",
    )
    out["iban"] = clean_field(
        errors, "iban", formats.normalise_iban, merged.get("iban")
    )
    out["bic"] = clean_field(errors, "bic", formats.normalise_bic, merged.get("bic"))
    if out["email"]:
        out["email"] = clean_field(
            errors, "email", formats.normalise_email, out["email"]
        )
    terms = clean_decimal(
        errors,
        "payment_terms_days",
        merged.get("payment_terms_days", 14),
        places=0,
        maximum=Decimal(365),
    )
    out["payment_terms_days"] = int(terms) if terms is not None else None
    out["reminder_fee"] = clean_decimal(
        errors, "reminder_fee", merged.get("reminder_fee"), maximum=Decimal(1000)
    )
    out["penalty_interest_rate"] = clean_decimal(
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


def require_seller() -> SellerSettings:
    seller = seller_get()
    if seller is None:
        raise Conflict(
            _("Enter the seller's invoicing settings before issuing invoices."),
            code="seller_missing",
        )
    return seller
