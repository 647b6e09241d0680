"""Rectification under a request (Art. 16) and the recipients' notices
(Art. 19): what is recorded, who is to be told, what is refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, Forbidden, ValidationFailed
from rekisteri.privacy.models import Party
from rekisteri.registry.models import Person
from rekisteri.restrictions import services as restrictions
from rekisteri.rights import erasure, rectification, services
from rekisteri.rights.models import NoticeState, RecipientNotice, Rectification
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    """A mailing house that receives email addresses, and a collection
    agency that receives financial data only."""
    mailer = Party.objects.create(
        name="Postitus Oy",
        role="processor",
        service="Newsletters",
        country="FI",
        data_categories=["user.contact.email", "user.name"],
    )
    agency = Party.objects.create(
        name="Perintä Oy",
        role="recipient",
        service="Debt collection",
        country="FI",
        data_categories=["user.financial"],
    )
    return mailer, agency


@pytest.fixture
def person():
    return make_person(
        first_name="Anna",
        last_name="Aalto",
        emails=["anna@asiakas.fi"],
        phones=["040 123 4567"],
        street="Annankatu 1",
        postal_code="00100",
        city="Helsinki",
    )


def _fresh(person):
    return Person.objects.get(pk=person.pk)


def test_a_rectification_records_fields_categories_and_the_recipients(person, parties):
    clerk = make_staff(StaffRole.CUSTOMER_SERVICE)
    record = rectification.rectify(
        actor=clerk,
        person=person,
        case_ref="DSR-2026-0012",
        last_name="Aalto-Berg",
        emails=["anna.berg@asiakas.fi"],
    )
    assert _fresh(person).last_name == "Aalto-Berg"
    assert sorted(record.fields) == ["emails", "last_name"]
    assert record.categories == ["user.contact.email", "user.name.last"]
    assert record.case_ref == "DSR-2026-0012"
    assert record.made_by == clerk
    notices = list(record.notices.all())
    # The mailing house received both corrected categories; the agency none.
    assert [(n.recipient, n.categories, n.state) for n in notices] == [
        ("Postitus Oy", ["user.contact.email", "user.name.last"], NoticeState.OPEN)
    ]
    # The corrected value came from the person: provenance says so.
    assert _fresh(person).name_provenance.source.code == "data_subject"


def test_the_audit_names_fields_and_never_values(person, parties):
    rectification.rectify(
        actor=None, person=person, case_ref="DSR-7", first_name="Annika"
    )
    event = AuditEvent.objects.filter(action="rights.rectify").get()
    assert event.fields == ["first_name"]
    assert event.subject_id == person.pk
    assert event.details == {"case_ref": "DSR-7", "recipients": 1}
    assert "Annika" not in json.dumps(
        [event.details, event.fields, event.categories, event.target_id]
    )


def test_a_request_that_changes_nothing_is_refused_and_leaves_no_record(
    person, parties
):
    with pytest.raises(ValidationFailed) as exc:
        rectification.rectify(
            actor=None, person=person, case_ref="DSR-1", last_name="Aalto"
        )
    assert "case_ref" in exc.value.fields
    assert not Rectification.objects.exists()
    assert not AuditEvent.objects.filter(action="rights.rectify").exists()


@pytest.mark.parametrize("case_ref", ["", "   ", "Anna asked on the phone", "x" * 65])
def test_the_request_reference_is_required_and_no_free_text(person, case_ref):
    with pytest.raises(ValidationFailed) as exc:
        rectification.rectify(
            actor=None, person=person, case_ref=case_ref, last_name="Berg"
        )
    assert "case_ref" in exc.value.fields
    assert _fresh(person).last_name == "Aalto"


def test_invalid_values_are_refused_with_nothing_written(person, parties):
    with pytest.raises(ValidationFailed) as exc:
        rectification.rectify(
            actor=None, person=person, case_ref="DSR-2", emails=["not an address"]
        )
    assert "emails" in exc.value.fields
    assert not Rectification.objects.exists()


def test_a_restricted_person_is_not_rectified(person):
    restrictions.restriction_place(actor=None, person=person, reason="Kiista")
    with pytest.raises(Conflict) as exc:
        rectification.rectify(
            actor=None, person=person, case_ref="DSR-3", last_name="Berg"
        )
    assert exc.value.code == "restricted"
    assert _fresh(person).last_name == "Aalto"
    assert not Rectification.objects.exists()


def test_a_role_that_may_not_change_the_values_is_refused(person):
    with pytest.raises(Forbidden):
        rectification.rectify(
            actor=make_staff(StaffRole.AUDITOR),
            person=person,
            case_ref="DSR-4",
            last_name="Berg",
        )
    assert not Rectification.objects.exists()


def _one_notice(person):
    record = rectification.rectify(
        actor=None, person=person, case_ref="DSR-5", emails=["uusi@asiakas.fi"]
    )
    return record.notices.get()


def test_the_officer_records_a_notice_once(person, parties):
    notice = _one_notice(person)
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    with pytest.raises(ValidationFailed) as exc:
        rectification.notice_record(actor=officer, notice=notice, state="notified")
    assert "channel" in exc.value.fields
    done = rectification.notice_record(
        actor=officer, notice=notice, state="notified", channel="email"
    )
    assert (done.state, done.channel, done.done_by) == ("notified", "email", officer)
    with pytest.raises(ValidationFailed) as exc:
        rectification.notice_record(actor=officer, notice=notice, state="impossible")
    assert "state" in exc.value.fields
    assert RecipientNotice.objects.get(pk=notice.pk).state == "notified"


def test_only_the_privacy_office_records_notices(person, parties):
    notice = _one_notice(person)
    with pytest.raises(Forbidden):
        rectification.notice_record(
            actor=make_staff(StaffRole.CUSTOMER_SERVICE),
            notice=notice,
            state="impossible",
        )
    assert RecipientNotice.objects.get(pk=notice.pk).state == "open"


def test_the_access_export_tells_the_person_who_the_recipients_were(person, parties):
    notice = _one_notice(person)
    rectification.notice_record(
        actor=None, notice=notice, state="notified", channel="letter"
    )
    export = services.export_person(actor=None, person=person)
    models = {item["model"] for item in export["items"]}
    assert {"rights.Rectification", "rights.RecipientNotice"} <= models
    notice_item = next(
        i for i in export["items"] if i["model"] == "rights.RecipientNotice"
    )
    assert notice_item["context"]["recipient"] == "Postitus Oy"


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


def test_customer_service_rectifies_from_the_person_page(person, parties):
    client = client_as(StaffRole.CUSTOMER_SERVICE)
    url = reverse("rights:person_rectify", args=[person.pk])
    page = client.get(
        reverse("registry:person_detail", args=[person.pk])
    ).content.decode()
    assert url in page
    form = client.get(url)
    assert form.status_code == 200
    assert "anna@asiakas.fi" in form.content.decode()
    response = client.post(
        url,
        {
            "case_ref": "DSR-2026-0099",
            "first_name": "Anna",
            "last_name": "Aalto",
            "preferred_language": "fi",
            "emails": ["anna.aalto@asiakas.fi"],
            "phones": ["040 123 4567"],
            "street": "Annankatu 1",
            "postal_code": "00100",
            "city": "Helsinki",
            "country": "FI",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "DSR-2026-0099" in page
    assert "Postitus Oy" in page
    assert [e.email for e in _fresh(person).emails.all()] == ["anna.aalto@asiakas.fi"]


def test_the_form_shows_a_missing_reference_in_place(person):
    client = client_as(StaffRole.CUSTOMER_SERVICE)
    response = client.post(
        reverse("rights:person_rectify", args=[person.pk]),
        {"case_ref": "", "first_name": "Annika", "last_name": "Aalto"},
    )
    assert response.status_code == 200
    assert "case_ref" in response.context["form"].errors
    assert _fresh(person).first_name == "Anna"


def test_the_officer_works_through_the_open_notices(person, parties):
    notice = _one_notice(person)
    officer = client_as(StaffRole.PRIVACY_OFFICER)
    page = officer.get(reverse("rights:notices")).content.decode()
    assert "Postitus Oy" in page and "DSR-5" in page
    # No value of the person's on the list: only the link to the person.
    assert "uusi@asiakas.fi" not in page and "Aalto" not in page
    response = officer.post(
        reverse("rights:notice_record", args=[notice.pk]),
        {"state": "notified", "channel": "email"},
    )
    assert response.status_code == 302
    assert RecipientNotice.objects.get(pk=notice.pk).state == "notified"
    assert "Postitus Oy" not in officer.get(reverse("rights:notices")).content.decode()


def test_an_erased_person_offers_no_rectification(person):
    erasure.erasure_execute(actor=None, person=person, reason="request")
    client = client_as(StaffRole.CUSTOMER_SERVICE)
    page = client.get(
        reverse("registry:person_detail", args=[person.pk])
    ).content.decode()
    assert reverse("rights:person_rectify", args=[person.pk]) not in page


def test_a_rectification_case_links_to_the_form_with_its_reference(person):
    from rekisteri.dsr.models import RequestCase

    case = RequestCase.objects.create(
        reference="DSR-26-0042",
        kinds=["rectification"],
        channel="letter",
        received_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        deadline=dt.date(2026, 12, 2),
    )
    case.persons.add(person)
    officer = client_as(StaffRole.PRIVACY_OFFICER)
    page = officer.get(
        reverse("dsr:case_detail", kwargs={"dsr_id": case.pk})
    ).content.decode()
    link = reverse("rights:person_rectify", args=[person.pk]) + "?case_ref=DSR-26-0042"
    assert link in page
    form = officer.get(link).content.decode()
    assert 'value="DSR-26-0042"' in form
    # Only a reference is taken from the query string.
    junk = officer.get(
        reverse("rights:person_rectify", args=[person.pk]) + "?case_ref=%3Cb%3Ex"
    ).content.decode()
    assert "&lt;b&gt;x" not in junk and "<b>x" not in junk


# --------------------------------------------------------------------------
# Art. 19 after an erasure and a restriction
# --------------------------------------------------------------------------


def test_an_erasure_opens_a_notice_per_recipient_of_an_erased_category(person, parties):
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    erasure.erasure_execute(
        actor=officer, person=person, reason="request", case_ref="DSR-9"
    )
    notice = RecipientNotice.objects.get(person=person)
    # The mailer received the name and email, now erased; the collection
    # agency received financial data only, of which the person has none.
    assert notice.cause == "erasure" and notice.recipient == "Postitus Oy"
    assert notice.case_ref == "DSR-9" and notice.rectification is None
    assert set(notice.categories) >= {"user.contact.email", "user.name"}
    assert (
        AuditEvent.objects.filter(action="rights.erase").last().details["recipients"]
        == 1
    )
    # Listed for the privacy office with its cause; recorded like any other.
    client = client_as(officer)
    page = client.get(reverse("rights:notices")).content.decode()
    assert "DSR-9" in page and "Postitus Oy" in page
    client.post(
        reverse("rights:notice_record", args=[notice.pk]), {"state": "impossible"}
    )
    assert RecipientNotice.objects.get(pk=notice.pk).state == "impossible"
    # Kept, and the person's export names the recipient (Art. 19, last
    # sentence): the erased person's export still lists what is kept.
    export = services.export_person(actor=None, person=person)
    told = [i for i in export["items"] if i["model"] == "rights.RecipientNotice"]
    assert told and told[0]["context"]["recipient"] == "Postitus Oy"
    assert told[0]["context"]["cause"] == "erasure"


def test_a_restriction_opens_a_notice_per_recipient_of_the_persons_data(
    person, parties
):
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    restrictions.restriction_place(
        actor=officer, person=person, reason="Accuracy contested"
    )
    notice = RecipientNotice.objects.get(person=person)
    assert notice.cause == "restriction" and notice.recipient == "Postitus Oy"
    assert "user.contact.email" in notice.categories
    assert notice.state == NoticeState.OPEN
    # Recording the notice is no processing the restriction stops: the
    # privacy office may still tell the recipient.
    rectification.notice_record(
        actor=officer, notice=notice, state="notified", channel="email"
    )
    assert RecipientNotice.objects.get(pk=notice.pk).state == "notified"


def test_no_recipient_no_notice(person):
    erasure.erasure_execute(actor=None, person=person, reason="request")
    assert not RecipientNotice.objects.filter(person=person).exists()
