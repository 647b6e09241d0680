"""Demo invoicing data: the seller's settings and a few invoices in every
state (draft, open, partly paid, paid, overdue with a reminder), made
through the services so they are exactly what staff would produce.

Runs once: it does nothing when seller settings exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rekisteri.billing.collection import reminder_create
from rekisteri.billing.payments import payment_record
from rekisteri.billing.seller import seller_get, seller_update
from rekisteri.billing.services import invoice_create, invoice_issue
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import Organization, Role
from rekisteri.registry.services import role_create

DEMO_SELLER = dict(
    name="Rekisteri Ohjelmistot Oy",
    business_id="2345678-0",
    street="Tietotie 4",
    postal_code="02150",
    city="Espoo",
    country="FI",
    iban="FI21 1234 5600 0007 85",
    bic="NDEAFIHH",
    email="laskutus@rekisteri.example",
    payment_terms_days=14,
    reminder_fee=Decimal("5.00"),
    penalty_interest_rate=Decimal("11.50"),
)
LINES = [
    {
        "description": "Rekisteri-lisenssi, kuukausimaksu",
        "quantity": "1",
        "unit": "kk",
        "unit_price": "390.00",
        "vat_code": "general",
    },
    {
        "description": "Tukipalvelu",
        "quantity": "2.5",
        "unit": "h",
        "unit_price": "95.00",
        "vat_code": "general",
    },
]


def seed(invoices: int = 12) -> int:
    """Seller settings and up to ``invoices`` invoices; returns how many."""
    if seller_get() is not None:
        return 0
    seller_update(actor=None, **DEMO_SELLER)
    today = timezone.localdate()
    made = 0
    orgs = Organization.objects.exclude(postal_street="").order_by("name_key")
    for org in orgs[: invoices * 3]:
        if made >= invoices:
            break
        role = Role.objects.filter(organization=org, end_date__isnull=True).first()
        if role is None:
            continue
        person = role.person
        with transaction.atomic():
            if not Role.objects.filter(
                organization=org, person=person, kind=RoleKind.BILLING_CONTACT
            ).exists():
                role_create(
                    actor=None,
                    person=person,
                    organization=org,
                    kind=RoleKind.BILLING_CONTACT,
                    start_date=today - dt.timedelta(days=400),
                )
            date = today - dt.timedelta(days=10 * made)
            invoice = invoice_create(
                actor=None,
                organization=org,
                billing_contact=person,
                lines=LINES,
                invoice_date=date,
            )
            if made % 6 != 5:  # every sixth stays a draft
                invoice = invoice_issue(actor=None, invoice=invoice)
                if made % 3 == 0:
                    payment_record(
                        actor=None,
                        invoice=invoice,
                        amount=invoice.total_gross,
                        paid_on=min(today, invoice.due_date),
                    )
                elif made % 3 == 1:
                    payment_record(
                        actor=None,
                        invoice=invoice,
                        amount=Decimal("100.00"),
                        paid_on=min(today, invoice.due_date),
                    )
                elif invoice.due_date < today:
                    reminder_create(actor=None, invoice=invoice, on=today)
        made += 1
    return made
