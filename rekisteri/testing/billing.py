"""Builders for invoicing tests (and the benchmark): made through services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rekisteri.billing.models import Invoice, SellerSettings
from rekisteri.billing.seller import seller_get, seller_update
from rekisteri.billing.services import invoice_create, invoice_issue
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import Organization, Person
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person

SELLER = dict(
    name="Rekisteri Ohjelmistot Oy",
    business_id="2345678-0",
    street="Esimerkkikatu 1",
    postal_code="00100",
    city="Helsinki",
    country="FI",
    iban="FI21 1234 5600 0007 85",
    bic="NDEAFIHH",
    email="laskutus@example.fi",
    payment_terms_days=14,
    reminder_fee=Decimal("5.00"),
    penalty_interest_rate=Decimal("11.50"),
)


def make_seller(**overrides: Any) -> SellerSettings:
    return seller_update(actor=None, **{**SELLER, **overrides})


def make_billing_contact(
    organization: Organization | None = None, **kwargs: Any
) -> tuple[Organization, Person]:
    """An organization (new unless given) and a person billing contact there."""
    org = organization or make_org(
        postal_street="Testitie 2", postal_postal_code="02100", postal_city="Espoo"
    )
    kwargs.setdefault("street", "Laskutie 5")
    kwargs.setdefault("postal_code", "02100")
    kwargs.setdefault("city", "Espoo")
    person = make_person(**kwargs)
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind=RoleKind.BILLING_CONTACT,
        start_date=dt.date(2020, 1, 1),
    )
    return org, person


def line(
    description: str = "Ylläpito",
    quantity: str = "1",
    unit_price: str = "100.00",
    vat_code: str = "general",
    unit: str = "kpl",
) -> dict[str, Any]:
    return dict(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        vat_code=vat_code,
        unit=unit,
    )


def make_invoice(
    actor: Any = None,
    *,
    issue: bool = True,
    lines: list[dict] | None = None,
    organization: Organization | None = None,
    contact: Person | None = None,
    **kwargs: Any,
) -> Invoice:
    """An invoice (issued unless ``issue=False``); seller settings are
    created if missing."""
    if seller_get() is None:
        make_seller()
    if contact is None:
        organization, contact = make_billing_contact(organization)
    assert organization is not None
    invoice = invoice_create(
        actor=actor,
        organization=organization,
        billing_contact=contact,
        lines=lines or [line()],
        **kwargs,
    )
    if issue:
        invoice = invoice_issue(actor=actor, invoice=invoice)
    return invoice
