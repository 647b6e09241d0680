"""An access export delivered by post: handed over to staff on the case
page, never linked, its content removed when the case completes
(docs/requests.md, Download)."""

from __future__ import annotations

import pytest
from django.core import mail

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, NotFound
from rekisteri.dsr import actions, services
from rekisteri.dsr.actions import ActionResult
from rekisteri.dsr.choices import Letter, Status
from rekisteri.dsr.models import ExportFile
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("controller_profile")]

EXPORT = b'{"name": "Maija"}'


@pytest.fixture(autouse=True)
def _export_action():
    def export(*, case, actor):
        return ActionResult("export-1", EXPORT, "access.json", "application/json")

    with actions.registered("access", export):
        yield


@pytest.fixture
def person():
    return make_person(first_name="Maija", last_name="M", phones=["040 123 4567"])


def _letter_case(officer, person, **kw):
    """A request by letter, without an email address: identity checked by
    calling back the number on file, the export made."""
    values = dict(
        actor=officer,
        kinds=["access"],
        channel="letter",
        requester_name="Maija M",
        requester_address="Konetie 1, 90620 Oulu",
    )
    values.update(kw)
    case = services.case_create(**values).case
    services.case_match(actor=officer, case=case, person_ids=[person.pk])
    services.identity_record_check(actor=officer, case=case, how="Soitto")
    services.case_run_action(actor=officer, case=case, kind="access")
    return case


def test_a_letter_request_is_completed_by_post(officer, person):
    case = _letter_case(officer, person)
    # Without an email there is nowhere to send the link.
    with pytest.raises(Conflict) as exc:
        services.case_complete(actor=officer, case=case)
    assert exc.value.code == "no_email"
    export = case.exports.get()
    got = services.export_hand_over(actor=officer, case=case, export_id=export.pk)
    assert got.content == EXPORT and got.filename == "access.json"
    # Again (the printer jammed): the same file, recorded again.
    again = services.export_hand_over(actor=officer, case=case, export_id=export.pk)
    assert again.content == EXPORT
    export.refresh_from_db()
    assert export.handed_over_by_id == officer.pk and export.handed_over_at
    events = list(AuditEvent.objects.filter(action="dsr.export_hand_over"))
    assert [e.details["again"] for e in events] == [False, True]
    assert all(e.details["size"] == len(EXPORT) for e in events)
    mail.outbox.clear()
    case = services.case_complete(actor=officer, case=case)
    assert case.status == Status.COMPLETED
    export.refresh_from_db()
    # Never linked, its content gone with the case's completion.
    assert export.token_hash is None and export.content is None
    assert export.deleted_at is not None
    assert not mail.outbox
    done = AuditEvent.objects.get(action="dsr.complete")
    assert done.details["handed_over"] == 1 and done.details["exports"] == 0
    # The reply goes in the same envelope: a letter to print and post.
    reply = case.messages.get(letter=Letter.COMPLETION)
    assert reply.by_post and reply.recipient == ""
    assert "Tietosi ovat tämän kirjeen liitteenä." in reply.body
    assert done.details["letters"] == [Letter.COMPLETION]
    # Nothing more to hand over.
    with pytest.raises(Conflict) as exc:
        services.export_hand_over(actor=officer, case=case, export_id=export.pk)
    assert exc.value.code == "not_in_progress"


def test_a_requester_with_email_may_still_get_it_on_paper(officer, person):
    case = _letter_case(officer, person, requester_email="maija@example.fi")
    export = case.exports.get()
    services.export_hand_over(actor=officer, case=case, export_id=export.pk)
    mail.outbox.clear()
    services.case_complete(actor=officer, case=case)
    # The reply goes by email, without a link or a code, saying the data
    # comes by post.
    (letter,) = mail.outbox
    assert "/privacy/request/" not in letter.body and "/tietosuoja/" not in letter.body
    assert "Tietosi lähetetään sinulle postitse." in letter.body
    export.refresh_from_db()
    assert export.token_hash is None and export.content is None


def test_hand_over_refuses_what_is_not_the_case_s_export(officer, person):
    case = _letter_case(officer, person)
    other = _letter_case(officer, person, requester_name="Toinen")
    with pytest.raises(NotFound):
        services.export_hand_over(
            actor=officer, case=case, export_id=other.exports.get().pk
        )
    assert not AuditEvent.objects.filter(action="dsr.export_hand_over").exists()


def test_the_case_page_hands_it_over_by_post_only(officer, person, client):
    case = _letter_case(officer, person)
    export = case.exports.get()
    url = f"/privacy-office/requests/{case.pk}/exports/{export.pk}/hand-over/"
    client_as(officer, client=client)
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    assert url.encode() in page.content
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert response.content == EXPORT
    assert response["Content-Disposition"] == 'attachment; filename="access.json"'
    assert response["Cache-Control"] == "no-store"
    # A role that may only view cases may not take the file.
    auditor = make_staff(StaffRole.AUDITOR)
    client_as(auditor, client=client)
    assert client.post(url).status_code in (403, 404)
    assert ExportFile.objects.get(pk=export.pk).content == EXPORT
    assert AuditEvent.objects.filter(action="dsr.export_hand_over").count() == 1


def test_letters_to_a_requester_without_email_are_printed_to_post(
    officer, person, client
):
    case = _letter_case(officer, person, language="sv")
    # Acknowledged by post on receipt, in the case's language.
    acknowledgement = case.messages.get(letter=Letter.ACKNOWLEDGEMENT)
    assert acknowledgement.by_post and acknowledgement.subject.startswith(
        "Din begäran har tagits emot"
    )
    services.case_extend(
        actor=officer, case=case, months=1, reason="Paljon tietoa koottavana"
    )
    extension = case.messages.get(letter=Letter.EXTENSION)
    assert extension.by_post and "Paljon tietoa koottavana" in extension.body
    assert not mail.outbox
    client_as(officer, client=client)
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    url = f"/privacy-office/requests/{case.pk}/letters/{extension.pk}/print/"
    assert url.encode() in page.content
    printed = client.get(url)
    assert printed.status_code == 200
    text = printed.content.decode()
    # The requester's address block, the subject and the text.
    assert "Maija M" in text and "Konetie 1, 90620 Oulu" in text
    assert extension.subject in text and "Paljon tietoa koottavana" in text
    event = AuditEvent.objects.filter(action="dsr.letter_print").get()
    assert event.target_id == str(case.pk) and event.details["letter"] == "extension"
    assert event.details["status"] == "in_progress"
    assert "Konetie" not in str(event.details)
    # Another case's letter, or one sent by email, is not found here.
    other = services.case_create(
        actor=officer,
        kinds=["access"],
        channel="email",
        requester_email="toinen@example.fi",
    ).case
    emailed = other.messages.get()
    assert not emailed.by_post
    for wrong in (
        f"/privacy-office/requests/{case.pk}/letters/{emailed.pk}/print/",
        f"/privacy-office/requests/{other.pk}/letters/{extension.pk}/print/",
    ):
        assert client.get(wrong).status_code == 404


def test_a_phone_request_without_addresses_gets_no_letter(officer, person):
    case = services.case_create(
        actor=officer, kinds=["access"], channel="phone", requester_phone="040 765 4321"
    ).case
    assert not case.messages.exists()
