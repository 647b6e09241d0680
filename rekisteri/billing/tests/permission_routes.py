"""What the billing routes do, for the permission kit
(rekisteri/testing/permissions.py; docs/architecture.md, Permission
expectations): each route refused without its permission, and with it the
status and exactly these audit events."""

from __future__ import annotations

import datetime as dt
import io

from rekisteri.billing.collection import collection_case_open, reminder_create
from rekisteri.billing.payments import payment_import
from rekisteri.registry.services import role_create
from rekisteri.testing.billing import make_invoice
from rekisteri.testing.permissions import Base, Expect, World


def world(base: Base) -> World:
    """An issued invoice to the world's person, a collection case and a
    payment import, so billing routes point at real rows."""
    org, person = base.org, base.person
    role_create(actor=None, person=person, organization=org, kind="billing_contact")
    org.postal_street, org.postal_postal_code, org.postal_city = (
        "Katu 1",
        "00100",
        "Espoo",
    )
    org.save()
    invoice = make_invoice(
        organization=org, contact=person, invoice_date=dt.date(2026, 1, 1)
    )
    reminder_create(actor=None, invoice=invoice, on=dt.date(2026, 2, 1))
    case = collection_case_open(actor=None, invoice=invoice, on=dt.date(2026, 3, 1))
    batch = payment_import(
        actor=None,
        stream=io.BytesIO(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
            b"<BkToCstmrDbtCdtNtfctn/></Document>"
        ),
    ).payment_import
    return World(
        ids={
            "invoice": str(invoice.id),
            "case": str(case.id),
            "import": str(batch.id),
        }
    )


SITE = {
    # The world's invoice is issued, reminded and in an open collection case:
    # issuing, deleting or editing it again, or opening a second case, is
    # refused with a message (no event); the routes still answer, not 403.
    "billing:invoice_list": Expect(),
    "billing:seller_settings": Expect(),
    "billing:invoice_create": Expect(),
    "billing:invoice_detail": Expect(events=("invoice.view",)),
    "billing:invoice_edit": Expect(status=302),
    "billing:invoice_issue": Expect("POST", (), 302, {}),
    "billing:invoice_delete": Expect("POST", (), 302, {}),
    "billing:credit_note_create": Expect("POST", ("credit_note.issue",), 302, {}),
    "billing:invoice_finvoice": Expect(events=("invoice.export",)),
    "billing:payment_create": Expect(),
    "billing:reminder_create": Expect("POST", ("reminder.create",), 302, {}),
    "billing:collection_open": Expect("POST", (), 302, {}),
    "billing:collection_hand_over": Expect(),
    "billing:collection_close": Expect("POST", (), 302, {}),
    "billing:payment_import": Expect(),
    "billing:payment_import_detail": Expect(),
}

API = {
    "GET /api/v1/invoices/{invoice_id}": Expect(events=("invoice.view",)),
}
