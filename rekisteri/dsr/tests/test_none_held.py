"""Answering a request from someone the register does not hold: the case is
closed with the confirmation that no personal data is held (docs/requests.md,
When the register holds nothing of the requester)."""

from __future__ import annotations

import pytest
from django.core import mail

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.verify import verify_chain
from rekisteri.core.errors import Conflict, Forbidden, ValidationFailed
from rekisteri.dsr import services
from rekisteri.dsr.choices import IdentityReason, Letter, Status
from rekisteri.dsr.models import RequestCase
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions.models import SuppressionMatch
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("controller_profile")]

UNKNOWN = "tuntematon.henkilo@example.fi"
NOTE = "Haettu nimellä, sähköpostilla ja puhelinnumerolla: ei osumia"


def _unmatched(officer, **kw) -> RequestCase:
    values = dict(
        actor=officer,
        kinds=["access", "erasure"],
        channel="email",
        language="sv",
        requester_email=UNKNOWN,
    )
    values.update(kw)
    case = services.case_create(**values).case
    assert not case.persons.exists()
    return case


def test_an_unknown_requester_waits_for_identity_and_cannot_be_completed(officer):
    case = _unmatched(officer)
    assert case.status == Status.RECEIVED
    # What the case page offered before: no action can run, completion and
    # the staff check are refused; only refusal or withdrawal closed it.
    with pytest.raises(Conflict) as exc:
        services.case_complete(actor=officer, case=case)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(ValidationFailed):
        services.identity_record_check(actor=officer, case=case, how="Soitto")


def test_no_data_held_closes_the_case_with_its_letter(officer):
    case = _unmatched(officer)
    case = services.identity_request(
        actor=officer, case=case, reason=IdentityReason.NO_MATCH
    )
    assert case.status == Status.AWAITING_IDENTITY
    mail.outbox.clear()
    with pytest.raises(ValidationFailed) as exc:
        services.case_answer_none_held(actor=officer, case=case, note=" ")
    assert set(exc.value.fields) == {"note"}
    case.refresh_from_db()
    assert case.status == Status.AWAITING_IDENTITY and not mail.outbox

    case = services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    case.refresh_from_db()
    assert case.status == Status.COMPLETED and case.closed_at is not None
    done = {a.kind: a for a in case.actions.all()}
    assert set(done) == {"access", "erasure"}
    assert all(a.reference == services.NONE_HELD and a.manual for a in done.values())
    assert all(a.note == NOTE and a.done_by_id == officer.pk for a in done.values())
    # The letter in the case's language, to the requester's address.
    (letter,) = mail.outbox
    assert letter.to == [UNKNOWN]
    assert case.reference in letter.subject and letter.subject.startswith("Svar")
    assert "inga personuppgifter om dig" in letter.body
    assert "dataombudsmannen" in letter.body  # the remedies
    assert NOTE not in letter.body  # staff's note stays inside
    assert case.messages.filter(letter=Letter.NONE_HELD).count() == 1
    # One event, naming the case and the letter, no detail of the requester.
    event = AuditEvent.objects.get(action="dsr.none_held")
    assert event.target_id == str(case.pk)
    assert event.details["letters"] == [Letter.NONE_HELD]
    assert UNKNOWN not in str(event.details)
    assert verify_chain().ok
    # A closed case is not answered twice.
    with pytest.raises(Conflict) as exc:
        services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert exc.value.code == "closed"


def test_refused_while_the_register_holds_the_requester(officer):
    # Matched at intake: run the actions instead.
    make_person(first_name="Maija", last_name="M", emails=[UNKNOWN])
    case = services.case_create(
        actor=officer, kinds=["access"], channel="email", requester_email=UNKNOWN
    ).case
    assert case.persons.exists()
    with pytest.raises(Conflict) as exc:
        services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert exc.value.code == "persons_matched"


def test_refused_when_the_person_was_added_after_intake(officer):
    # Received by phone before the person was entered: found again by the
    # requester's phone number when staff answer.
    case = _unmatched(
        officer, channel="phone", requester_email="", requester_phone="040 765 4321"
    )
    assert case.status == Status.RECEIVED
    make_person(first_name="Matti", last_name="M", phones=["+358407654321"])
    with pytest.raises(Conflict) as exc:
        services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert exc.value.code == "persons_found"
    case.refresh_from_db()
    assert case.is_open and not case.actions.exists()


def test_a_phone_request_is_closed_without_a_letter(officer):
    case = _unmatched(
        officer, channel="phone", requester_email="", requester_phone="040 765 4321"
    )
    mail.outbox.clear()
    case = services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert case.status == Status.COMPLETED
    assert not mail.outbox and not case.messages.exists()
    event = AuditEvent.objects.get(action="dsr.none_held")
    assert event.details["letters"] == []


def test_the_case_page_offers_it_only_without_matched_persons(officer, client):
    client_as(officer, client=client)
    case = _unmatched(officer, kinds=["access"])
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    assert page.status_code == 200
    assert b'value="none_held"' in page.content
    posted = client.post(
        f"/privacy-office/requests/{case.pk}/act/", {"op": "none_held", "note": ""}
    )
    assert posted.status_code == 302
    case.refresh_from_db()
    assert case.is_open
    client.post(
        f"/privacy-office/requests/{case.pk}/act/", {"op": "none_held", "note": NOTE}
    )
    case.refresh_from_db()
    assert case.status == Status.COMPLETED
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    assert b'value="none_held"' not in page.content
    assert NOTE.encode() in page.content

    make_person(first_name="Maija", last_name="M", emails=["maija@example.fi"])
    matched = services.case_create(
        actor=officer,
        kinds=["access"],
        channel="email",
        requester_email="maija@example.fi",
    ).case
    page = client.get(f"/privacy-office/requests/{matched.pk}/")
    assert b'value="none_held"' not in page.content


def test_the_api_step_answers_it(officer):
    client = client_as(officer)
    created = client.post(
        "/api/v1/dsr/cases",
        {"kinds": ["access"], "channel": "email", "requester_email": UNKNOWN},
        content_type="application/json",
    ).json()
    url = f"/api/v1/dsr/cases/{created['id']}/steps"
    missing = client.post(url, {"op": "none_held"}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"]["note"][0]["code"] == "required"
    answered = client.post(
        url, {"op": "none_held", "note": NOTE}, content_type="application/json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "completed"


def test_an_objection_puts_the_given_addresses_on_the_suppression_list(officer):
    case = _unmatched(
        officer,
        kinds=["objection"],
        language="fi",
        requester_phone="040 765 4321",
    )
    assert not restrictions.is_suppressed("email", UNKNOWN)
    mail.outbox.clear()
    services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert restrictions.is_suppressed("email", UNKNOWN)
    assert restrictions.is_suppressed("phone", "+358407654321")
    (letter,) = mail.outbox
    assert "estolistalle" in letter.body
    event = AuditEvent.objects.get(action="suppression.add")
    assert event.details == {"addresses": 2, "added": 2, "case_ref": case.reference}
    assert event.subject_id is None
    assert AuditEvent.objects.get(action="dsr.none_held").details["suppressed"]
    # The address entering the register later is flagged and not marketed.
    later = make_person(first_name="Tuntematon", last_name="H", emails=[UNKNOWN])
    assert SuppressionMatch.objects.filter(person=later).exists()


def test_other_kinds_leave_the_suppression_list_alone(officer):
    case = _unmatched(officer, kinds=["access"], language="en")
    mail.outbox.clear()
    services.case_answer_none_held(actor=officer, case=case, note=NOTE)
    assert not restrictions.is_suppressed("email", UNKNOWN)
    assert not AuditEvent.objects.filter(action="suppression.add").exists()
    (letter,) = mail.outbox
    assert "suppression" not in letter.body
    assert "holds no personal data about you" in letter.body
    assert "\n\n\n" not in letter.body


def test_only_the_privacy_officer_adds_to_the_suppression_list():
    clerk = make_staff(StaffRole.CUSTOMER_SERVICE)
    with pytest.raises(Forbidden):
        restrictions.suppression_add(actor=clerk, emails=[UNKNOWN])
    assert not restrictions.is_suppressed("email", UNKNOWN)
