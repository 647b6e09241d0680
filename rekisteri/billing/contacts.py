"""The billing contact of an invoice: a person with a current billing-contact
role at the buyer, or one typed on the invoice form and created with that role;
and the copies of the parties' details an issued invoice keeps.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from rekisteri.access.enforce import not_a_write_service
from rekisteri.billing.cleaning import clean_text_field
from rekisteri.billing.models import (
    Invoice,
    SellerSettings,
)
from rekisteri.core import keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.errors import FieldErrors
from rekisteri.core.validation import clean_address
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.models import Organization, Person, Role
from rekisteri.registry.services import person_create, role_create


def billing_contacts(organization: Organization) -> list[Person]:
    """Persons with a current billing-contact role at ``organization``."""
    today = timezone.localdate()
    roles = (
        Role.objects.current(on=today)
        .filter(organization=organization, kind=RoleKind.BILLING_CONTACT)
        .select_related("person")
    )
    return [r.person for r in roles]


def check_contact(
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


def clean_typed_contact(errors: FieldErrors, contact: dict[str, Any]) -> dict:
    """A contact typed on the invoice form: it becomes a Person with a
    billing-contact role, so the invoice's snapshot has a data subject."""
    out = {
        "first_name": clean_text_field(
            errors,
            "contact_first_name",
            contact.get("first_name"),
            max_length=100,
            required=True,
        ),
        "last_name": clean_text_field(
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


@not_a_write_service(
    "a step of invoice_create and invoice_update; person_create and "
    "role_create authorize their own writes"
)
def create_typed_contact(
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


def snapshot_contact(invoice: Invoice, person: Person) -> None:
    invoice.billing_contact = person
    invoice.contact_name = person.full_name
    invoice.contact_street = person.street or ""
    invoice.contact_postal_code = person.postal_code or ""
    invoice.contact_city = person.city or ""
    invoice.contact_country = person.country or ""


def snapshot_parties(invoice: Invoice, seller: SellerSettings) -> None:
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
