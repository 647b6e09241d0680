"""The invoicing UI: forms, the invoice page, downloads, imports, access."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - our own output
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.billing.choices import InvoiceState, PaymentStatus
from rekisteri.billing.models import Invoice, Payment, SellerSettings
from rekisteri.billing.payments import balance_of
from rekisteri.billing.services import invoice_create, invoice_issue
from rekisteri.core.errors import ValidationFailed
from rekisteri.testing import client_as, make_staff
from rekisteri.testing.billing import SELLER, make_billing_contact, make_invoice

pytestmark = pytest.mark.django_db


def client_for(role: str = StaffRole.BILLING) -> tuple[Client, object]:
    user = make_staff(role)
    client = client_as(user)
    return client, user


def line_post(rows: list[dict], total: int = 3) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    for i in range(len(rows), total):
        data[f"lines-{i}-vat_code"] = "general"
    return data


def test_seller_settings_are_edited_in_the_ui():
    client, _user = client_for()
    url = reverse("billing:seller_settings")
    assert client.get(url).status_code == 200
    bad = {**{k: str(v) for k, v in SELLER.items()}, "iban": "FI00 0000"}
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "IBAN" in response.content.decode()
    assert not SellerSettings.objects.exists()
    response = client.post(url, {k: str(v) for k, v in SELLER.items()})
    assert response.status_code == 302
    assert SellerSettings.objects.get().bic == "NDEAFIHH"


def test_create_issue_download_and_pay_through_the_ui():
    client, _user = client_for()
    make_invoice(issue=False)  # creates the seller settings
    org, contact = make_billing_contact()
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    page = client.get(url)
    assert page.status_code == 200 and contact.full_name in page.content.decode()
    response = client.post(
        url,
        {
            "billing_contact": str(contact.id),
            "payment_terms_days": "14",
            **line_post(
                [
                    {
                        "description": "Ylläpito",
                        "quantity": "2",
                        "unit": "kk",
                        "unit_price": "50,00",
                        "vat_code": "general",
                    }
                ]
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get(organization=org)
    assert invoice.total_gross == Decimal("125.50")
    assert invoice.lines.count() == 1

    detail = reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id})
    client.post(reverse("billing:invoice_issue", kwargs={"invoice_id": invoice.id}))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ISSUED
    body = client.get(detail).content.decode()
    assert str(invoice.number) in body and contact.full_name in body
    assert AuditEvent.objects.filter(
        action="invoice.view", target_id=str(invoice.id), subject_id=contact.id
    ).exists()

    xml = client.get(
        reverse("billing:invoice_finvoice", kwargs={"invoice_id": invoice.id})
    )
    assert xml["Content-Disposition"].startswith("attachment")
    root = ET.fromstring(xml.content)  # noqa: S314
    assert root.find("InvoiceDetails/InvoiceNumber").text == str(invoice.number)
    assert AuditEvent.objects.filter(action="invoice.export").exists()

    pay = reverse("billing:payment_create", kwargs={"invoice_id": invoice.id})
    response = client.post(pay, {"amount": "125,50", "paid_on": dt.date.today()})
    assert response.status_code == 302
    assert balance_of(invoice).status == PaymentStatus.PAID


def test_invoice_form_shows_line_errors_and_saves_nothing():
    client, _user = client_for()
    make_invoice(issue=False)
    Invoice.objects.all().delete()
    org, contact = make_billing_contact()
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    response = client.post(
        url,
        {
            "billing_contact": str(contact.id),
            "payment_terms_days": "14",
            **line_post(
                [
                    {"description": "A", "quantity": "1", "unit_price": "1"},
                    {"description": "B", "quantity": "-1", "unit_price": "1"},
                ]
            ),
        },
    )
    assert response.status_code == 200
    assert "Negatiivinen määrä vaatii hyvityslaskun." in response.content.decode()
    assert not Invoice.objects.exists()
    response = client.post(
        url,
        {
            "billing_contact": str(contact.id),
            "payment_terms_days": "14",
            **line_post([]),
        },
    )
    assert "Laskulla on oltava vähintään yksi rivi." in response.content.decode()


def test_an_issued_invoice_cannot_be_edited_in_the_ui():
    client, _user = client_for()
    invoice = make_invoice()
    response = client.get(
        reverse("billing:invoice_edit", kwargs={"invoice_id": invoice.id})
    )
    assert response.status_code == 302
    response = client.post(
        reverse("billing:invoice_delete", kwargs={"invoice_id": invoice.id}),
        follow=True,
    )
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert "hyvityslasku" in response.content.decode()


def test_payment_import_upload_and_report():
    client, _user = client_for()
    invoice = make_invoice()
    content = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        '<BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry><Amt Ccy="EUR">125.50</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
        "<BookgDt><Dt>2026-10-01</Dt></BookgDt><AcctSvcrRef>X1</AcctSvcrRef>"
        "<NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Ref>"
        f"{invoice.reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"
        "</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()
    url = reverse("billing:payment_import")
    response = client.post(
        url,
        {"format": "camt054", "file": SimpleUploadedFile("pay.xml", content)},
        follow=True,
    )
    assert response.status_code == 200
    assert "Maksettu kokonaan" in response.content.decode()
    assert Payment.objects.count() == 1
    again = client.post(
        url,
        {"format": "camt054", "file": SimpleUploadedFile("pay.xml", content)},
        follow=True,
    )
    assert again.status_code == 200 and Payment.objects.count() == 1
    broken = client.post(
        url, {"format": "camt054", "file": SimpleUploadedFile("b.xml", b"<Doc")}
    )
    assert broken.status_code == 200 and Payment.objects.count() == 1


def test_sales_staff_cannot_reach_invoicing():
    client, _user = client_for(StaffRole.SALES)
    invoice = make_invoice()
    assert client.get(reverse("billing:invoice_list")).status_code == 403
    assert (
        client.get(
            reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id})
        ).status_code
        == 403
    )
    org_page = client.get(
        reverse(
            "registry:organization_detail",
            kwargs={"organization_id": invoice.organization_id},
        )
    )
    assert org_page.status_code == 200
    detail = reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id})
    assert detail not in org_page.content.decode()
    assert 'id="invoices-title"' not in org_page.content.decode()


def test_the_organization_page_lists_invoices_for_billing_staff():
    client, _user = client_for()
    invoice = make_invoice()
    body = client.get(
        reverse(
            "registry:organization_detail",
            kwargs={"organization_id": invoice.organization_id},
        )
    ).content.decode()
    assert reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id}) in body
    assert (
        reverse(
            "billing:invoice_create",
            kwargs={"organization_id": invoice.organization_id},
        )
        in body
    )


def test_privacy_officers_read_but_do_not_change():
    client, _user = client_for(StaffRole.PRIVACY_OFFICER)
    invoice = make_invoice()
    assert (
        client.get(
            reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id})
        ).status_code
        == 200
    )
    assert (
        client.post(
            reverse("billing:reminder_create", kwargs={"invoice_id": invoice.id})
        ).status_code
        == 403
    )


def test_the_person_page_shows_their_invoices_and_a_legal_hold():
    from rekisteri.billing.collection import collection_case_open, reminder_create

    client, _user = client_for()
    invoice = make_invoice(invoice_date=dt.date(2026, 1, 1))
    url = reverse(
        "registry:person_detail", kwargs={"person_id": invoice.billing_contact_id}
    )
    body = client.get(url).content.decode()
    assert reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.id}) in body
    assert "data-hold" not in body
    reminder_create(actor=None, invoice=invoice, on=dt.date(2026, 2, 1))
    collection_case_open(actor=None, invoice=invoice, on=dt.date(2026, 3, 1))
    body = client.get(url).content.decode()
    assert 'data-hold="collection_case_open"' in body
    sales, _u = client_for(StaffRole.SALES)
    assert "person-invoices-title" not in sales.get(url).content.decode()


def _header(contact) -> dict[str, str]:
    return {
        "billing_contact": str(contact.id),
        "payment_terms_days": "14",
        "invoice_date": "",
        "due_date": "",
        "buyer_reference": "",
        "notes": "",
        "contract": "",
        "contact_first_name": "",
        "contact_last_name": "",
        "contact_street": "",
        "contact_postal_code": "",
        "contact_city": "",
    }


def test_the_invoice_form_holds_its_200_lines():
    """200 typed lines (1,000 line inputs plus the header) are saved, and the
    draft's edit form, which sends them all back, saves again."""
    client, _user = client_for()
    org, contact = make_billing_contact()
    rows = [
        {
            "description": f"Rivi {i}",
            "quantity": "1",
            "unit": "kpl",
            "unit_price": "1,00",
            "vat_code": "general",
        }
        for i in range(200)
    ]
    data = {**_header(contact), **line_post(rows, total=200)}
    assert len(data) > 1000
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    response = client.post(url, data)
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.lines.count() == 200
    edit = reverse("billing:invoice_edit", kwargs={"invoice_id": invoice.id})
    page = client.get(edit)
    assert page.content.decode().count('name="lines-199-description"') == 1
    rows[199]["description"] = "Viimeinen rivi"
    data = {**_header(contact), **line_post(rows, total=200)}
    data["lines-INITIAL_FORMS"] = "200"
    assert client.post(edit, data).status_code == 302
    assert invoice.lines.get(position=200).description == "Viimeinen rivi"


def test_money_in_exponent_notation_is_refused_in_the_payment_form():
    client, _user = client_for()
    invoice = make_invoice()
    pay = reverse("billing:payment_create", kwargs={"invoice_id": invoice.id})
    for typed in ("1e3", "1E3", "١٢٥", "１２５"):
        response = client.post(pay, {"amount": typed, "paid_on": dt.date.today()})
        assert response.status_code == 200, typed
        assert "number_invalid" not in response.content.decode()
    assert not Payment.objects.exists()
    response = client.post(pay, {"amount": "1 000,00", "paid_on": dt.date.today()})
    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("1000.00")


def test_dates_out_of_range_are_refused_by_the_form_and_the_service():
    client, _user = client_for()
    org, contact = make_billing_contact()
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    data = {
        **_header(contact),
        "invoice_date": "9999-12-31",
        **line_post([{"description": "Tuki", "quantity": "1", "unit_price": "10"}], 1),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2199-12-31" in response.content.decode()
    assert not Invoice.objects.exists()
    # The service refuses it too (an API or a command calls it directly).
    draft = make_invoice(issue=False)
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(actor=None, invoice=draft, invoice_date=dt.date(9999, 12, 31))
    assert exc.value.fields["invoice_date"][0][0] == "date_out_of_range"
    # A draft already holding such a date (stored before the bounds).
    Invoice.objects.filter(pk=draft.pk).update(invoice_date=dt.date(9999, 12, 31))
    draft.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(actor=None, invoice=draft)
    assert exc.value.fields["invoice_date"][0][0] == "date_out_of_range"
    with pytest.raises(ValidationFailed) as exc:
        invoice_create(
            actor=None,
            organization=draft.organization,
            billing_contact=draft.billing_contact,
            lines=[
                {
                    "description": "x",
                    "quantity": "1",
                    "unit_price": "1",
                    "vat_code": "general",
                }
            ],
            invoice_date=dt.date(9999, 12, 31),
            due_date=dt.date(1000, 1, 1),
        )
    assert set(exc.value.fields) == {"invoice_date", "due_date"}


def test_the_e_invoice_address_is_typed_on_the_draft_and_offered_next_time():
    client, _user = client_for()
    org, contact = make_billing_contact()
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    data = {
        **_header(contact),
        "einvoice_address": "003712345671",
        "einvoice_operator": "003721291126",
        **line_post(
            [
                {
                    "description": "Tuki",
                    "quantity": "1",
                    "unit_price": "10",
                    "vat_code": "general",
                }
            ],
            1,
        ),
    }
    assert client.post(url, data).status_code == 302
    assert Invoice.objects.get().einvoice_operator == "003721291126"
    page = client.get(url).content.decode()
    assert 'value="003712345671"' in page and 'value="003721291126"' in page


def test_more_fields_than_a_request_carries_re_renders_the_invoice_form():
    """450 typed lines (2,250 line inputs) pass DATA_UPLOAD_MAX_NUMBER_FIELDS:
    no bare 400, the form again with the limit named and the first 200 lines
    kept as typed; nothing saved."""
    client, _user = client_for()
    org, contact = make_billing_contact()
    rows = [
        {
            "description": f"Rivi {i}",
            "quantity": "1",
            "unit": "kpl",
            "unit_price": "1,00",
            "vat_code": "general",
        }
        for i in range(450)
    ]
    data = {**_header(contact), **line_post(rows, total=450)}
    url = reverse("billing:invoice_create", kwargs={"organization_id": org.id})
    # As a browser sends a form without files.
    response = client.post(
        url, urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2000" in page and "200" in page
    assert 'value="Rivi 0"' in page and 'value="Rivi 199"' in page
    assert 'value="Rivi 200"' not in page
    assert not Invoice.objects.exists()


def test_other_forms_over_the_field_limit_get_a_page_that_says_so():
    client, _user = client_for()
    invoice = make_invoice()
    pay = reverse("billing:payment_create", kwargs={"invoice_id": invoice.id})
    data = {f"extra{i}": "x" for i in range(2100)}
    data.update({"amount": "1,00", "paid_on": dt.date.today().isoformat()})
    response = client.post(pay, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "2000" in body and "liian suuri" in body
    assert not invoice.payments.exists()


def test_a_cut_post_s_form_count_in_other_digits_is_no_server_error():
    from django.http import QueryDict

    from rekisteri.billing.views import _first_lines

    for initial in ("²", "١٢", "9" * 5000):
        post = QueryDict(mutable=True)
        post.update({"lines-INITIAL_FORMS": initial, "lines-0-description": "x"})
        post.update({"lines-1-description": "y"})
        kept = _first_lines(post)
        assert kept["lines-TOTAL_FORMS"] == "1"


def test_closing_a_collection_case_with_an_unknown_outcome_says_so():
    from rekisteri.billing.choices import CollectionStatus
    from rekisteri.billing.collection import collection_case_open, reminder_create

    client, _user = client_for()
    invoice = make_invoice(invoice_date=dt.date(2026, 1, 1))
    reminder_create(actor=None, invoice=invoice, on=dt.date(2026, 2, 1))
    case = collection_case_open(actor=None, invoice=invoice, on=dt.date(2026, 3, 1))
    url = reverse("billing:collection_close", kwargs={"case_id": case.id})
    response = client.post(url, {"status": "maksettu ehkä"}, follow=True)
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors, "an invalid post redirected without a word"
    case.refresh_from_db()
    assert case.status == CollectionStatus.OPEN
