"""The person page's Tietosuoja section, export download, plan and erasure."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.keystore import keys
from rekisteri.rights.schema import EXPORT_SCHEMA
from rekisteri.testing import client_as

pytestmark = pytest.mark.django_db


def test_the_person_page_offers_the_officer_every_action(customer):
    client = client_as(customer.officer)
    page = client.get(
        reverse("registry:person_detail", kwargs={"person_id": customer.person.pk})
    ).content.decode()
    assert reverse("rights:person_export_build", args=[customer.person.pk]) in page
    assert reverse("rights:person_erasure", args=[customer.person.pk]) in page


def test_sales_sees_only_the_rectification(customer):
    client = client_as(StaffRole.SALES)
    page = client.get(
        reverse("registry:person_detail", kwargs={"person_id": customer.person.pk})
    ).content.decode()
    assert reverse("rights:person_export_build", args=[customer.person.pk]) not in page
    assert reverse("rights:person_erasure", args=[customer.person.pk]) not in page
    # Sales may correct the person's data under a request, nothing more.
    assert reverse("rights:person_rectify", args=[customer.person.pk]) in page


def test_the_export_downloads_and_validates(customer):
    client = client_as(customer.officer)
    url = reverse("rights:person_export_build", args=[customer.person.pk])
    built = client.post(url, {"format": "json"})
    assert built.status_code == 302 and built["Location"] == reverse(
        "rights:my_exports"
    )
    listing = client.get(built["Location"]).content.decode()
    (json_row,) = customer.person.staff_exports.filter(fmt="json")
    download = reverse("rights:export_download", args=[json_row.pk])
    assert download in listing
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Aalto" not in response["Content-Disposition"]
    data = json.loads(response.content)
    jsonschema.validate(data, EXPORT_SCHEMA)
    client.post(url, {"format": "html"})
    (html_row,) = customer.person.staff_exports.filter(fmt="html")
    html = client.get(
        reverse("rights:export_download", args=[html_row.pk])
    ).content.decode()
    assert "anna@asiakas.fi" in html
    assert 'lang="fi"' in html and "Henkilötietosi" in html


def test_the_schema_is_served(client):
    response = client.get(reverse("rights:export_schema"))
    assert response.status_code == 200
    assert response.json() == EXPORT_SCHEMA


def test_plan_then_confirmed_erasure_then_no_edit_actions(customer):
    client = client_as(customer.officer)
    person = customer.person
    plan_url = reverse("rights:person_erasure", args=[person.pk])
    page = client.get(plan_url).content.decode()
    assert 'data-fate="kept" data-model="billing.Invoice"' in page
    assert "Accounting Act" in page and "2032-12-31" in page
    erase_url = reverse("rights:person_erase", args=[person.pk])
    # Without the confirmation nothing happens.
    client.post(erase_url, {"reason": "request"})
    assert not keys.is_destroyed(person.pk, "crm")
    response = client.post(
        erase_url, {"reason": "request", "case_ref": "DSR-3", "confirm": "yes"}
    )
    assert response.status_code == 302
    assert keys.is_destroyed(person.pk, "crm")
    receipt = client.get(plan_url).content.decode()
    assert "erasure-receipt" in receipt and "DSR-3" in receipt
    detail = client.get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    ).content.decode()
    assert (
        reverse("registry:person_edit", kwargs={"person_id": person.pk}) not in detail
    )
    assert (
        reverse("registry:role_create", kwargs={"person_id": person.pk}) not in detail
    )


def test_api_export_plan_and_erasure(customer):
    client = client_as(customer.officer)
    pid = customer.person.pk
    export = client.get(f"/api/v1/persons/{pid}/export")
    assert export.status_code == 200
    jsonschema.validate(export.json(), EXPORT_SCHEMA)
    plan = client.get(f"/api/v1/persons/{pid}/erasure-plan").json()
    assert plan["executable"] is True
    refused = client.post(
        f"/api/v1/persons/{pid}/erasure",
        {"reason": "r"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["confirm"]
    done = client.post(
        f"/api/v1/persons/{pid}/erasure",
        {"reason": "r", "confirm": True},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["already_erased"] is False
