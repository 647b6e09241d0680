"""The public notice pages and the privacy office, through the test client."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.privacy import panels, services
from rekisteri.privacy.models import ManualRecord, NoticeVersion, Party
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, settings):
    client_as(StaffRole.PRIVACY_OFFICER, client=client)
    # Messages are asserted in English; the UI defaults to Finnish.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def published():
    services.profile_load_seed(actor=None)
    return services.notice_publish(actor=None)


# --- Public ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, heading",
    [
        ("/tietosuoja/", "Tietosuojaseloste"),
        ("/dataskydd/", "Dataskyddsbeskrivning"),
        ("/privacy/", "Privacy notice"),
    ],
)
def test_public_notice_pages_need_no_login(client, published, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>{heading}</h1>" in body
    assert "LeadDesk Solutions Oy" in body
    assert published.digest in body


def test_public_page_before_publishing_says_so(client):
    response = client.get("/tietosuoja/")
    assert response.status_code == 404
    assert "ei ole vielä julkaistu" in response.content.decode()


def test_downloads_are_the_published_text(client, published):
    md = client.get("/tietosuoja/tietosuojaseloste.md")
    assert md.status_code == 200
    assert md["Content-Type"].startswith("text/markdown")
    assert "tietosuojaseloste-v1.md" in md["Content-Disposition"]
    assert md.content.decode() == published.markdown["fi"]
    html = client.get("/privacy/privacy-notice.html")
    assert html["Content-Type"].startswith("text/html")
    page = html.content.decode()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert published.html["en"] in page
    assert client.get("/dataskydd/dataskyddsbeskrivning.md").status_code == 200


def test_downloads_before_publishing_are_404(client):
    assert client.get("/privacy/privacy-notice.md").status_code == 404


# --- Permissions -------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.SALES, StaffRole.ADMINISTRATOR])
def test_other_roles_cannot_open_the_privacy_office(client, role):
    client_as(role, client=client)
    assert client.get(reverse("privacy:dashboard")).status_code == 403
    assert client.get(reverse("privacy:ropa")).status_code == 403


def test_auditor_reads_but_cannot_change(client, published):
    client_as(StaffRole.AUDITOR, client=client)
    assert client.get(reverse("privacy:dashboard")).status_code == 200
    assert client.get(reverse("privacy:notice_admin")).status_code == 200
    assert client.post(reverse("privacy:notice_publish")).status_code == 403
    assert client.get(reverse("privacy:party_create")).status_code == 403
    assert NoticeVersion.objects.count() == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("privacy:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Staff pages -------------------------------------------------------------


def test_every_staff_page_renders(officer_client, published):
    for name in (
        "dashboard",
        "profile",
        "profile_edit",
        "notice_admin",
        "ropa",
        "party_list",
        "party_create",
        "manual_record_list",
        "manual_record_create",
        "breach_list",
        "breach_create",
    ):
        response = officer_client.get(reverse(f"privacy:{name}"))
        assert response.status_code == 200, name
    response = officer_client.get(
        reverse("privacy:notice_version", kwargs={"version_id": published.pk})
    )
    assert "Tero Lepistö" in response.content.decode()


def test_dashboard_draws_svg_charts_without_inline_style(officer_client, published):
    body = officer_client.get(reverse("privacy:dashboard")).content.decode()
    # The office's three charts, and those of panels other apps register.
    extra = sum(
        len(p.charts)
        for p in panels.panels(make_staff(StaffRole.PRIVACY_OFFICER), dt.date.today())
    )
    assert body.count('<svg class="chart__svg"') == 3 + extra
    assert "style=" not in body
    assert "<script>" not in body


def test_publish_blocked_shows_what_is_missing(officer_client):
    services.profile_load_seed(actor=None)
    services.profile_texts_update(actor=None, language="en", texts={})
    response = officer_client.post(reverse("privacy:notice_publish"), follow=True)
    body = response.content.decode()
    assert not NoticeVersion.objects.exists()
    assert "message--error" in body
    page = officer_client.get(reverse("privacy:notice_admin")).content.decode()
    assert "badge--danger" in page


def test_publish_through_the_page(officer_client):
    services.profile_load_seed(actor=None)
    officer_client.post(reverse("privacy:notice_publish"))
    assert NoticeVersion.objects.get().number == 1


def test_waive_through_the_page(officer_client):
    services.profile_load_seed(actor=None)
    officer_client.post(
        reverse("privacy:notice_waive"),
        {"item": "dpo", "reason": "No DPO: not required under Art. 37."},
    )
    profile = services.ControllerProfile.objects.get()
    assert profile.waivers == {"dpo": "No DPO: not required under Art. 37."}


def test_a_waiver_without_its_item_says_so(officer_client):
    services.profile_load_seed(actor=None)
    response = officer_client.post(
        reverse("privacy:notice_waive"), {"reason": "Ei sovellu."}, follow=True
    )
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors, "an invalid post redirected without a word"
    assert services.ControllerProfile.objects.get().waivers == {}


def test_profile_form_shows_service_errors(officer_client):
    response = officer_client.post(
        reverse("privacy:profile_edit"),
        {
            "controller_name": "Testi Oy",
            "business_id": "1234567-8",
            "street": "Katu 1",
            "postal_code": "00100",
            "city": "Helsinki",
            "country": "FI",
            "email": "info@example.fi",
            "contact_name": "Teppo",
            "contact_email": "teppo@example.fi",
            "review_interval_months": "12",
            "authority_links": "Tietosuoja | https://tietosuoja.fi",
        },
    )
    assert response.status_code == 200
    assert 'id="id_business_id_error"' in response.content.decode()
    assert not services.ControllerProfile.objects.exists()


def test_party_form_refuses_non_eea_with_the_rule(officer_client):
    data = {
        "name": "Cloud Inc",
        "role": "processor",
        "service": "Email",
        "country": "US",
        "data_categories": ["user.contact.email"],
        "agreement_date": "2025-01-01",
        "transfer_mechanism": "none",
        "is_active": "on",
    }
    response = officer_client.post(reverse("privacy:party_create"), data)
    assert response.status_code == 200
    assert "outside the EU/EEA" in response.content.decode()
    assert not Party.objects.exists()
    response = officer_client.post(
        reverse("privacy:party_create"), {**data, "transfer_mechanism": "scc"}
    )
    assert response.status_code == 302
    assert Party.objects.get().transfer_mechanism == "scc"


def test_manual_record_destroy_through_the_page(officer_client):
    officer_client.post(
        reverse("privacy:manual_record_create"),
        {
            "title": "Binder 2019",
            "location": "Locked room",
            "retention_rule": "bookkeeping_voucher",
            "created_on": "2019-12-31",
            "destroy_by": "2026-12-31",
        },
    )
    record = ManualRecord.objects.get()
    clerk = make_staff(StaffRole.CUSTOMER_SERVICE)
    url = reverse("privacy:manual_record_destroy", kwargs={"record_id": record.pk})
    response = officer_client.post(
        url,
        {
            "destroyed_on": "2019-01-01",
            "destruction_method": "shredding",
            "destroyed_by": clerk.pk,
        },
    )
    assert response.status_code == 200
    assert "before the material was created" in response.content.decode()
    officer_client.post(
        url,
        {
            "destroyed_on": "2020-01-01",
            "destruction_method": "shredding",
            "destroyed_by": clerk.pk,
        },
    )
    record.refresh_from_db()
    assert record.destroyed_by == clerk


def test_breach_form_requires_discovery_time(officer_client):
    response = officer_client.post(
        reverse("privacy:breach_create"),
        {"title": "Leak", "discovered_at": "", "description": "x"},
    )
    assert response.status_code == 200
    assert "72-hour clock" in response.content.decode()


def test_breach_affected_export_is_csv_and_audited(officer_client):
    from datetime import timedelta

    from django.utils import timezone

    from rekisteri.audit.services import audit_record
    from rekisteri.privacy import breaches

    thief = make_staff(StaffRole.SALES)
    # A valid address a spreadsheet would run as a formula.
    person = make_person(
        first_name="Viivi", last_name="Vuoto", emails=["=vuoto@example.fi"]
    )
    audit_record(
        actor=thief,
        action="person.view",
        target_type="registry.Person",
        target_id=person.pk,
        subject_id=person.pk,
    )
    breach = breaches.breach_create(
        actor=None,
        data={
            "title": "Account takeover",
            "discovered_at": timezone.now() - timedelta(hours=1),
            "description": "x",
        },
    )
    fmt = "%Y-%m-%dT%H:%M"
    officer_client.post(
        reverse("privacy:breach_affected", kwargs={"breach_id": breach.pk}),
        {
            "account": thief.pk,
            "start": timezone.localtime(timezone.now() - timedelta(hours=2)).strftime(
                fmt
            ),
            "end": timezone.localtime(timezone.now() + timedelta(hours=1)).strftime(
                fmt
            ),
        },
    )
    breach.refresh_from_db()
    assert breach.affected_count == 1
    page = officer_client.get(
        reverse("privacy:breach_detail", kwargs={"breach_id": breach.pk})
    ).content.decode()
    assert "Viivi" not in page  # the page shows the count, not the people
    response = officer_client.get(
        reverse("privacy:breach_affected_csv", kwargs={"breach_id": breach.pk})
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == "Viivi Vuoto"
    assert rows[1][2] == "'=vuoto@example.fi"
    assert AuditEvent.objects.filter(
        action="breach.affected_export", subject_id=person.pk
    ).exists()


def test_ropa_exports(officer_client, published):
    data = json.loads(officer_client.get(reverse("privacy:ropa_json")).content)
    purposes = {a["purpose"] for a in data["activities"]}
    assert "Asiakas- ja sopimussuhteen hoitaminen" in purposes
    first = data["activities"][0]
    assert "LeadDesk Solutions Oy" in first["controller"]
    assert set(first) == {
        "controller", "purpose", "legal_basis", "data_subjects", "data_categories",
        "recipients", "transfers", "retention", "security",
    }  # fmt: skip
    rows = list(
        csv.reader(
            io.StringIO(
                officer_client.get(
                    reverse("privacy:ropa_csv") + "?lang=en"
                ).content.decode()
            )
        )
    )
    assert rows[0][0].startswith("Art. 30(1)(a)")
    assert any(r[1] == "Customer service" for r in rows[1:])
    exports = AuditEvent.objects.filter(action="ropa.export")
    assert sorted(e.details["format"] for e in exports) == ["csv", "json"]


def test_person_page_shows_the_notice_in_force(client, published):
    client_as(StaffRole.SALES, client=client)
    person = make_person()
    body = client.get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    ).content.decode()
    assert "privacy-person-notice" in body
    assert published.published_at.strftime("%Y") in body
    # Sales may not open the privacy office, so no link to it.
    assert (
        reverse("privacy:notice_version", kwargs={"version_id": published.pk})
        not in body
    )


def test_texts_are_edited_per_language_through_the_query(officer_client):
    services.profile_load_seed(actor=None)
    url = reverse("privacy:profile_texts")
    assert officer_client.get(url + "?lang=sv").status_code == 200
    assert officer_client.get(url + "?lang=de").status_code == 404
    response = officer_client.post(
        url + "?lang=sv", {"register_name": "Kundregistret", "introduction": ""}
    )
    assert response.status_code == 302
    texts = services.ControllerProfile.objects.get().texts
    assert texts["sv"] == {"register_name": "Kundregistret"}
    assert texts["fi"]["register_name"].startswith("LeadDesk")
