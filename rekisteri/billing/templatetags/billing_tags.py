"""Template helpers of invoicing: money, references, status badges, and the
invoices section of the organization page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.billing import selectors
from rekisteri.billing.choices import PaymentStatus
from rekisteri.billing.payments import balance_of
from rekisteri.core.holds import holds_for_person

register = template.Library()
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"

STATUS_CLASS = {
    PaymentStatus.DRAFT: "badge--muted",
    PaymentStatus.OPEN: "badge--info",
    PaymentStatus.PARTLY_PAID: "badge--warn",
    PaymentStatus.PAID: "badge--ok",
    PaymentStatus.OVERPAID: "badge--warn",
    PaymentStatus.CREDITED: "badge--muted",
}


@register.filter
def eur(value: Any) -> str:
    """``1234.5`` → ``1 234,50 €`` (Finnish form, narrow no-break spaces)."""
    if value is None or value == "":
        return "–"
    number = Decimal(value).quantize(Decimal("0.01"))
    sign = "−" if number < 0 else ""
    whole, cents = f"{abs(number):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NARROW_NBSP.join(groups)},{cents}{NBSP}€"


@register.filter
def status_label(status: str) -> str:
    return str(PaymentStatus(status).label)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_CLASS.get(status, "")


@register.filter
def can_billing(user: Any) -> bool:
    return has_perm(user, Perm.BILLING_VIEW)


@register.inclusion_tag(
    "billing/partials/organization_invoices.html", takes_context=True
)
def organization_invoices(context: dict, organization: Any) -> dict[str, Any]:
    """The invoices section of an organization page (empty without access)."""
    user = context["request"].user
    invoices = selectors.organization_invoices(user=user, organization=organization)
    return {
        "organization": organization,
        "visible": has_perm(user, Perm.BILLING_VIEW),
        "can_change": has_perm(user, Perm.BILLING_CHANGE),
        "rows": [(inv, balance_of(inv)) for inv in invoices],
    }


@register.inclusion_tag("billing/partials/person_invoices.html", takes_context=True)
def person_invoices(context: dict, person: Any) -> dict[str, Any]:
    """Invoices naming the person as billing contact, and any legal hold on
    their data (an open collection case), on the person page."""
    user = context["request"].user
    invoices = selectors.person_invoices(user=user, person=person)
    visible = has_perm(user, Perm.BILLING_VIEW)
    return {
        "visible": visible,
        "rows": [(inv, balance_of(inv)) for inv in invoices],
        "holds": holds_for_person(person.pk) if visible else [],
    }


OUTCOMES = {
    "matched": _("Paid in full"),
    "partial": _("Partial payment"),
    "overpaid": _("Overpayment"),
    "unknown_reference": _("Unknown reference"),
    "no_reference": _("No reference"),
    "invalid_reference": _("Invalid reference"),
    "several_references": _("Several references"),
    "duplicate": _("Imported before"),
    "not_credit": _("Not a credit"),
    "not_booked": _("Not booked"),
    "currency": _("Foreign currency"),
    "no_amount": _("No amount"),
    "amount_too_large": _("Amount too large"),
    "sub_cent": _("Fractions of a cent"),
    "future_date": _("Booking date in the future"),
    "date_out_of_range": _("Booking date out of range"),
}


@register.filter
def outcome_label(code: str) -> str:
    """An import report outcome in words."""
    return str(OUTCOMES.get(code, code))
