"""The organization page's PRH section and flag, the refresh action, the
review page and ``manage.py registry refresh-prh | import-prh``."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.connectors import services
from rekisteri.connectors.models import RegistryReview
from rekisteri.connectors.tests import builders
from rekisteri.connectors.tests.test_prh_import import SAMPLE, fake_client
from rekisteri.registry.models import Organization
from rekisteri.registry.sealing import business_id_q
from rekisteri.testing import client_as, make_org

pytestmark = pytest.mark.django_db

COMPANY = json.loads(SAMPLE.read_text())["companies"][0]


@pytest.fixture
def staff_client(client, settings):
    """A salesperson who reads the UI in English."""
    client_as(StaffRole.SALES, client=client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def prh(monkeypatch):
    """The services' client answers from recorded companies."""
    companies = [COMPANY, *builders.page(5)["companies"]]
    monkeypatch.setattr(services, "_client", lambda c: c or fake_client(companies))


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_refresh_action_and_the_section_on_the_organization_page(staff_client, prh):
    org = make_org(business_id="0250345-3", name="Accountor Group Oy")
    page = staff_client.get(reverse("registry:organization_detail", args=[org.id]))
    assert "Refresh from PRH" in text(page)
    assert "Not read from the trade register yet." in text(page)

    response = staff_client.post(reverse("connectors:prh_refresh", args=[org.id]))
    assert response.status_code == 302
    page = staff_client.get(response.url)
    body = text(page)
    assert "Updated from PRH." in body
    assert "Osakeyhtiö" in body and "66190" in body
    assert "Calcyteam Oy" in body  # a previous name
    assert 'data-field-source="prh"' in body  # provenance per value


def test_a_dissolved_company_is_flagged_on_its_page_and_in_the_list(staff_client):
    dissolved = builders.company(3, end_date="2023-06-30")
    bankrupt = builders.company(8, situations=[builders.situation("KONK")])
    services.import_companies(
        actor=None, companies=[dissolved, bankrupt], description="t", create=True
    )
    org = Organization.objects.get(business_id_q([builders.business_id(3)]))
    body = text(
        staff_client.get(reverse("registry:organization_detail", args=[org.id]))
    )
    assert 'data-registry-flag="dissolved"' in body
    assert "The trade register reports: Dissolved. Ended 30.6.2023." in body
    listing = text(staff_client.get(reverse("registry:organization_list")))
    assert 'data-registry-flag="dissolved"' in listing
    assert 'data-registry-flag="bankruptcy"' in listing
    # In Finnish, the default language.
    staff_client.cookies["django_language"] = "fi"
    body = text(
        staff_client.get(reverse("registry:organization_detail", args=[org.id]))
    )
    assert "Kaupparekisterin mukaan: Lakannut. Päättynyt 30.6.2023." in body


def test_refresh_failure_is_a_message_not_an_error_page(staff_client):
    """settings_test points PRH at a closed port: the client gives up."""
    org = make_org(business_id="0250345-3")
    response = staff_client.post(
        reverse("connectors:prh_refresh", args=[org.id]), follow=True
    )
    assert response.status_code == 200
    assert "PRH did not answer usably" in text(response)


def test_review_page_accept_and_reject(staff_client):
    make_org(
        business_id="0250345-3",
        name="Typed Name Oy",
        postal_street="Typed 1",
        postal_postal_code="00100",
        postal_city="Helsinki",
    )
    services.prh_import_file(actor=None, path=SAMPLE)
    page = text(staff_client.get(reverse("connectors:review_list")))
    assert "Typed Name Oy" in page and "Accountor Group Oy" in page
    name = RegistryReview.objects.get(field="name")
    street = RegistryReview.objects.get(field="postal_street")
    staff_client.post(
        reverse("connectors:review_decide", args=[name.id]), {"decision": "accept"}
    )
    staff_client.post(
        reverse("connectors:review_decide", args=[street.id]), {"decision": "reject"}
    )
    org = Organization.objects.get()
    assert (org.name, org.postal_street) == ("Accountor Group Oy", "Typed 1")
    assert list(
        AuditEvent.objects.filter(action__startswith="registry_review.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "registry_review.list",
        "registry_review.accept",
        "registry_review.reject",
    ]
    page = text(staff_client.get(reverse("connectors:review_list")))
    assert "Typed Name Oy" not in page  # decided rows leave the list


def test_command_import_prh_twice(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    path = builders.DATA / "companies_page_100.json"
    call_command(
        "registry", "import-prh", str(path), "--create", stdout=out, stderr=err
    )
    assert "100 companies" in out.getvalue() and "100 created" in out.getvalue()
    assert "13 flagged" in out.getvalue()
    out = io.StringIO()
    call_command("registry", "import-prh", str(path), "--create", stdout=out)
    assert "0 created, 0 updated, 100 unchanged" in out.getvalue()
    assert Organization.objects.count() == 100


def test_command_reports_bad_companies_and_bad_files(tmp_path):
    page = builders.page(3)
    page["companies"][1]["businessId"]["value"] = "FI12345678"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(page))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "registry", "import-prh", str(path), "--create", stdout=out, stderr=err
    )
    assert "1 failed" in out.getvalue()
    assert "company #2 ?: invalid_business_id" in err.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(CommandError, match="prh_bad_response"):
        call_command("registry", "import-prh", str(bad), stdout=out, stderr=err)


def test_command_refresh_prh(prh):
    make_org(business_id="0250345-3", name="Accountor Group Oy")
    out = io.StringIO()
    call_command("registry", "refresh-prh", "--business-id", "0250345-3", stdout=out)
    assert "1 updated" in out.getvalue()
    with pytest.raises(CommandError, match="business_id_format"):
        call_command("registry", "refresh-prh", "--business-id", "12345", stdout=out)
    with pytest.raises(CommandError, match="not_found"):
        call_command("registry", "refresh-prh", "--business-id", "2000000-8")
