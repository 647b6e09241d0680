"""The audit-log viewer and a person's access history (AUDIT_VIEW only)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


def test_the_privacy_officer_sees_a_refused_attempt():
    admin = make_staff(StaffRole.ADMINISTRATOR, username="ylläpitäjä")
    person = make_person()
    client_as(admin).get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    )
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    response = client_as(officer).get(reverse("audit:log"), {"outcome": "denied"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "access.denied" in body and "ylläpitäjä" in body
    viewed = AuditEvent.objects.filter(action="audit.view").get()
    assert viewed.details == {"filters": ["outcome"], "count": 1}


def test_filters_by_actor_action_and_time():
    one, two = make_staff(), make_staff()
    audit_record(actor=one, action="person.view", target_type="person")
    audit_record(actor=two, action="person.update", target_type="person")
    auditor = make_staff(StaffRole.AUDITOR)
    client = client_as(auditor)
    body = client.get(
        reverse("audit:log"), {"actor": one.pk, "action": "person."}
    ).content.decode()
    assert "person.view" in body and "person.update" not in body
    client.get(reverse("audit:log"), {"since": "2000-01-01", "until": "2000-01-02"})
    viewed = AuditEvent.objects.filter(action="audit.view").last()
    assert viewed.details == {"filters": ["since", "until"], "count": 0}


def test_a_bad_filter_is_refused_in_the_form_not_with_an_error():
    auditor = make_staff(StaffRole.AUDITOR)
    response = client_as(auditor).get(
        reverse("audit:log"), {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="audit.view").exists()


def test_pages_go_back_in_time_by_cursor():
    for i in range(60):
        audit_record(actor=None, action=f"x.e{i:02d}", target_type="x")
    auditor = make_staff(StaffRole.AUDITOR)
    client = client_as(auditor)
    first = client.get(reverse("audit:log")).content.decode()
    assert "x.e59" in first and "x.e09" not in first
    assert "before=" in first
    second = client.get(reverse("audit:log"), {"before": 11}).content.decode()
    assert "x.e09" in second and "x.e59" not in second


def test_sales_may_not_read_the_audit_log():
    response = client_as(StaffRole.SALES).get(reverse("audit:log"))
    assert response.status_code == 403


def test_who_accessed_this_person_on_the_person_page():
    sales = make_staff(StaffRole.SALES, username="myyjä")
    person = make_person()
    url = reverse("registry:person_detail", kwargs={"person_id": person.pk})
    client_as(sales).get(url)
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    body = client_as(officer).get(url).content.decode()
    assert "myyjä" in body
    assert reverse("audit:person_access_csv", kwargs={"person_id": person.pk}) in body
    # Sales does not get the section.
    assert "access-history-title" not in client_as(sales).get(url).content.decode()


def test_the_access_history_page_and_its_csv_export_are_audited():
    sales = make_staff(StaffRole.SALES, username="=myyjä")
    person = make_person()
    client_as(sales).get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    )
    auditor = make_staff(StaffRole.AUDITOR)
    client = client_as(auditor)
    page = client.get(reverse("audit:person_access", kwargs={"person_id": person.pk}))
    assert page.status_code == 200 and "person.view" in page.content.decode()
    response = client.get(
        reverse("audit:person_access_csv", kwargs={"person_id": person.pk})
    )
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time", "user", "action"]
    actions = [r[2] for r in rows[1:]]
    assert "person.view" in actions and "audit.subject_view" in actions
    # A formula in a user name is defused.
    assert any(r[1] == "'=myyjä" for r in rows[1:])
    export = AuditEvent.objects.get(action="audit.export")
    assert export.subject_id == person.pk
    assert export.actor_id == auditor.pk


def test_an_unknown_person_without_history_is_not_found():
    auditor = make_staff(StaffRole.AUDITOR)
    response = client_as(auditor).get(
        reverse("audit:person_access", kwargs={"person_id": uuid.uuid4()})
    )
    assert response.status_code == 404


def test_the_auditor_starts_at_the_audit_log():
    response = client_as(StaffRole.AUDITOR).get(reverse("registry:home"))
    assert response["Location"] == reverse("audit:log")


def test_a_write_through_a_page_carries_the_client_address():
    sales = make_staff(StaffRole.SALES)
    person = make_person()
    response = client_as(sales).post(
        reverse("registry:person_edit", kwargs={"person_id": person.pk}),
        {
            "first_name": "Uusi",
            "last_name": person.last_name,
            "preferred_language": "fi",
            "emails": [e.email for e in person.emails.all()],
            "phones": [""],
            "street": "",
            "postal_code": "",
            "city": "",
            "country": "FI",
        },
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="person.update")
    assert event.client == "192.0.2.7"
    assert event.actor_id == sales.pk
