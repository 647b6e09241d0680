"""Rights-request cases: creation, duplicates, identity, extension,
refusal, the action registry, completion and the one-time download."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.dsr import actions, services
from rekisteri.dsr.actions import ActionResult
from rekisteri.dsr.choices import IdentityMethod, IdentityReason, Status
from rekisteri.dsr.models import ExportFile, RequestCase
from rekisteri.restrictions import services as restrictions
from rekisteri.restrictions.models import Objection, Restriction
from rekisteri.testing import client_as, make_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("controller_profile")]

EMAIL = "maija.meikalainen@example.fi"


@pytest.fixture
def person():
    return make_person(
        first_name="Maija",
        last_name="Meikäläinen",
        emails=[EMAIL],
        phones=["040 123 4567"],
    )


@pytest.fixture
def export_action():
    calls = []

    def export(*, case, actor):
        calls.append(case.pk)
        return ActionResult(
            reference=f"export-{len(calls)}",
            export=b'{"name": "Maija"}',
            filename="export.json",
            content_type="application/json",
        )

    with actions.registered("access", export):
        yield calls


@pytest.fixture
def manual_rectification():
    """Rectification as a kind with no registered action, the way a kind is
    recorded by hand (the engine registers one for it)."""
    action, params = (
        actions.action_for("rectification"),
        actions.params_for("rectification"),
    )
    actions.unregister("rectification")
    yield
    actions.register("rectification", action, params=params)


def _case(officer, **kw):
    values = dict(
        actor=officer,
        kinds=["access"],
        channel="email",
        language="fi",
        requester_email=EMAIL,
    )
    values.update(kw)
    return services.case_create(**values)


def test_create_matches_the_person_and_acknowledges_with_the_deadline(officer, person):
    received = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
    created = _case(officer, received_at=received)
    case = created.case
    assert list(case.persons.all()) == [person]
    assert case.deadline == dt.date(2026, 2, 16)  # 15 Feb 2026 is a Sunday
    assert case.status == Status.RECEIVED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert "16.2.2026" in mail.outbox[0].body
    assert case.messages.get().letter == "acknowledgement"


def test_requester_details_are_sealed_and_matched_by_digest(officer, person):
    case = _case(officer, requester_name="Maija M", details="Kaikki tietoni").case
    with connection.cursor() as cur:
        cur.execute(
            "SELECT requester_email, requester_name, details, email_digest "
            "FROM dsr_requestcase WHERE id = %s",
            [case.pk.hex if connection.vendor == "sqlite" else case.pk],
        )
        row = cur.fetchone()
    raw = b"".join(bytes(v) for v in row[:3])
    assert EMAIL.encode() not in raw and b"Kaikki" not in raw
    assert isinstance(row[3], int)
    assert RequestCase.objects.get(pk=case.pk).requester_email == EMAIL


def test_same_requester_same_kind_open_is_pointed_out_not_merged(officer, person):
    first = _case(officer).case
    second = _case(officer, requester_email=EMAIL.upper())
    assert [d.pk for d in second.duplicates] == [first.pk]
    assert second.case.pk != first.pk
    other_kind = _case(officer, kinds=["erasure"])
    assert other_kind.duplicates == []
    services.case_withdraw(actor=officer, case=first, reason="Peruttu puhelimessa")
    assert [d.pk for d in _case(officer).duplicates] == [second.case.pk]


def test_bad_input_reports_every_error_and_saves_nothing(officer):
    with pytest.raises(ValidationFailed) as exc:
        services.case_create(
            actor=officer,
            kinds=["access", "teleport"],
            channel="pigeon",
            requester_email="not-an-address",
            requester_phone="123",
        )
    assert set(exc.value.fields) == {
        "kinds",
        "channel",
        "requester_email",
        "requester_phone",
    }
    with pytest.raises(ValidationFailed) as exc:
        _case(officer, requester_email="someone@mailinator.com")
    assert exc.value.fields["requester_email"][0][0] == "email_disposable"
    assert not RequestCase.objects.exists()
    assert not mail.outbox


def test_audit_rows_hold_no_personal_data(officer, person):
    case = _case(officer, requester_name="Maija M", details="salaisuus").case
    services.case_refuse(actor=officer, case=case, reason="Ilmeisen perusteeton")
    events = AuditEvent.objects.filter(target_type="dsr_case")
    assert [e.action for e in events] == ["dsr.create", "dsr.refuse"]
    text = json.dumps([[e.details, e.target_id, e.actor_label] for e in events])
    for secret in (EMAIL, "Maija", "salaisuus", "perusteeton"):
        assert secret not in text


def test_identity_code_goes_to_the_address_on_file(officer, person):
    case = _case(officer, requester_email="", requester_phone="040 123 4567").case
    assert list(case.persons.all()) == [person]
    services.identity_send_code(actor=officer, case=case)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_IDENTITY
    assert case.identity_requested_at is not None
    sent = mail.outbox[-1]
    assert sent.to == [EMAIL]
    code = re.search(r"\b\d{8}\b", sent.body)[0]
    with pytest.raises(ValidationFailed) as exc:
        services.identity_confirm_code(actor=officer, case=case, code="00000000")
    assert exc.value.fields["code"][0][0] == "code_wrong"
    case = services.identity_confirm_code(actor=officer, case=case, code=code)
    assert case.status == Status.IN_PROGRESS
    assert case.identity_method == IdentityMethod.EMAIL_CODE
    assert case.identity_confirmed_at >= case.identity_requested_at
    with pytest.raises(ValidationFailed) as exc:
        services.identity_confirm_code(actor=officer, case=case, code=code)
    assert exc.value.fields["code"][0][0] == "code_expired"


def test_no_match_waits_for_identity_with_the_reason(officer):
    case = _case(officer, requester_email="stranger@example.org").case
    assert case.identity_reason == IdentityReason.NO_MATCH
    with pytest.raises(ValidationFailed):
        services.identity_record_check(actor=officer, case=case, how="Soitettu")


def test_staff_check_records_who_how_when(officer, person):
    case = _case(
        officer, channel="phone", requester_email="", requester_phone="0401234567"
    ).case
    with pytest.raises(ValidationFailed):
        services.identity_record_check(actor=officer, case=case, how="")
    case = services.identity_record_check(
        actor=officer, case=case, how="Soitettu takaisin rekisterissä olevaan numeroon"
    )
    assert case.identity_checked_by == officer
    assert case.identity_method == IdentityMethod.STAFF_CHECK
    assert case.status == Status.IN_PROGRESS


def test_extension_needs_reasons_and_the_original_deadline(officer, person):
    received = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
    case = _case(officer, received_at=received).case
    assert case.deadline == dt.date(2026, 3, 2)
    with pytest.raises(ValidationFailed):
        services.case_extend(actor=officer, case=case, months=2, reason=" ")
    with pytest.raises(Conflict) as exc:
        services.case_extend(
            actor=officer,
            case=case,
            months=2,
            reason="Laaja",
            today=dt.date(2026, 3, 3),
        )
    assert exc.value.code == "deadline_passed"
    case = services.case_extend(
        actor=officer,
        case=case,
        months=2,
        reason="Laaja pyyntö",
        today=dt.date(2026, 3, 2),
    )
    assert case.extended_until == dt.date(2026, 4, 28)
    assert case.due == dt.date(2026, 4, 28)
    assert case.extension_notified_at is not None
    assert "28.4.2026" in mail.outbox[-1].body
    with pytest.raises(Conflict):
        services.case_extend(
            actor=officer, case=case, months=1, reason="Taas", today=dt.date(2026, 3, 1)
        )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", ["tietosuojavaltuutettu", "tuomioistuimessa"]),
        ("sv", ["dataombudsmannen", "domstol"]),
        ("en", ["Data Protection Ombudsman", "judicial remedy"]),
    ],
)
def test_refusal_requires_reasons_and_states_the_remedies(
    officer, person, language, words
):
    case = _case(officer, language=language).case
    with pytest.raises(ValidationFailed):
        services.case_refuse(actor=officer, case=case, reason="")
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    services.case_refuse(actor=officer, case=case, reason="Ilmeisen kohtuuton")
    letter = mail.outbox[-1].body
    for word in words:
        assert word in letter
    assert "Ilmeisen kohtuuton" in letter
    with pytest.raises(Conflict):
        services.case_withdraw(actor=officer, case=case, reason="x")


def _in_progress(officer, **kw):
    case = _case(officer, **kw).case
    return services.identity_record_check(actor=officer, case=case, how="Tunnettu")


def test_completion_requires_every_kind_done(
    officer, person, export_action, manual_rectification
):
    case = _in_progress(officer, kinds=["access", "rectification"])
    with pytest.raises(Conflict) as exc:
        services.case_complete(actor=officer, case=case)
    assert exc.value.code == "actions_missing"
    services.case_run_action(actor=officer, case=case, kind="access")
    assert export_action == [case.pk]
    with pytest.raises(Conflict) as exc:
        services.case_record_manual(actor=officer, case=case, kind="access", note="x")
    assert exc.value.code in ("action_registered", "already_done")
    with pytest.raises(Conflict) as exc:
        services.case_complete(actor=officer, case=case)
    assert "Rectification" in str(exc.value) or "Oikaisu" in str(exc.value)
    with pytest.raises(ValidationFailed):
        services.case_record_manual(
            actor=officer, case=case, kind="rectification", note=""
        )
    services.case_record_manual(
        actor=officer, case=case, kind="rectification", note="Sukunimi korjattu"
    )
    case = services.case_complete(actor=officer, case=case, base_url="https://x.test")
    assert case.status == Status.COMPLETED
    assert [a.reference for a in case.actions.filter(manual=False)] == ["export-1"]


def test_action_without_registration_is_refused(officer, person, manual_rectification):
    case = _in_progress(officer, kinds=["rectification"])
    with pytest.raises(Conflict) as exc:
        services.case_run_action(actor=officer, case=case, kind="rectification")
    assert exc.value.code == "no_action"


def test_a_rectification_request_confirms_the_corrections_made_under_it(
    officer, person
):
    from rekisteri.rights import rectification

    case = _in_progress(officer, kinds=["rectification"])
    # Nothing corrected yet: staff either correct or say why not.
    with pytest.raises(ValidationFailed) as exc:
        services.case_run_action(actor=officer, case=case, kind="rectification")
    assert set(exc.value.fields) == {"note"}
    assert not case.actions.exists()
    # A correction under another request does not count for this one.
    rectification.rectify(
        actor=officer, person=person, case_ref="OTHER-1", first_name="Maija-Liisa"
    )
    with pytest.raises(ValidationFailed):
        services.case_run_action(actor=officer, case=case, kind="rectification")
    rectification.rectify(
        actor=officer, person=person, case_ref=case.reference, last_name="Mäkinen"
    )
    done = services.case_run_action(actor=officer, case=case, kind="rectification")
    assert done.reference == (f"rectification:{case.reference}:records=1,persons=1")
    assert not done.manual and done.note is None
    case = services.case_complete(actor=officer, case=case)
    assert case.status == Status.COMPLETED


def test_a_rectification_request_without_corrections_keeps_staff_s_reasons(
    officer, person, client
):
    case = _in_progress(officer, kinds=["rectification"])
    client_as(officer, client=client)
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    assert b'name="kind" value="rectification"' in page.content
    client.post(
        f"/privacy-office/requests/{case.pk}/act/",
        {
            "op": "run_action",
            "kind": "rectification",
            "note": "Tiedot tarkistettu: osoite on oikein",
        },
    )
    done = case.actions.get()
    assert done.reference.endswith(":records=0,persons=0")
    assert done.note == "Tiedot tarkistettu: osoite on oikein"
    page = client.get(f"/privacy-office/requests/{case.pk}/")
    assert b"Tiedot tarkistettu: osoite on oikein" in page.content


def test_a_restriction_request_restricts_each_matched_person(officer, person):
    received = dt.datetime(2026, 3, 2, 22, 30, tzinfo=dt.UTC)  # 3 March in Finland
    case = _case(officer, kinds=["restriction"], received_at=received).case
    case = services.identity_record_check(actor=officer, case=case, how="Tunnettu")
    # Staff's choices are checked by the restrictions app's service.
    with pytest.raises(ValidationFailed) as exc:
        services.case_run_action(
            actor=officer, case=case, kind="restriction", params={"ground": "x"}
        )
    assert set(exc.value.fields) == {"ground", "reason"}
    assert not Restriction.objects.exists() and not case.actions.exists()
    done = services.case_run_action(
        actor=officer,
        case=case,
        kind="restriction",
        params={"ground": "accuracy", "reason": "Osoitteen oikeellisuus kiistetty"},
    )
    restriction = Restriction.objects.get()
    assert restriction.person_id == person.pk
    assert restriction.ground == "accuracy"
    assert restriction.requested_by == "data_subject"
    assert restriction.requested_on == dt.date(2026, 3, 3)
    assert restriction.reason == "Osoitteen oikeellisuus kiistetty"
    assert done.reference == f"restriction:{case.reference}:placed=1,kept=0"
    assert not done.manual
    event = AuditEvent.objects.filter(action="restriction.place").get()
    assert event.details["case_ref"] == case.reference
    # The person's writes are refused from now on; the case completes.
    assert restrictions.is_restricted(person.pk)
    case = services.case_complete(actor=officer, case=case)
    assert case.status == Status.COMPLETED


def test_a_second_restriction_request_keeps_the_one_in_force(officer, person):
    restrictions.restriction_place(actor=officer, person=person, reason="Aiempi")
    case = _in_progress(officer, kinds=["restriction"])
    # Staff's choices are checked even when nobody needs restricting.
    with pytest.raises(ValidationFailed) as exc:
        services.case_run_action(
            actor=officer, case=case, kind="restriction", params={"ground": "x"}
        )
    assert set(exc.value.fields) == {"ground", "reason"}
    assert not case.actions.exists()
    done = services.case_run_action(
        actor=officer,
        case=case,
        kind="restriction",
        params={"ground": "objection", "reason": "Vastustus käsittelyssä"},
    )
    assert done.reference.endswith("placed=0,kept=1")
    assert Restriction.objects.get().reason == "Aiempi"


def test_an_objection_request_records_it_and_suppresses_marketing(officer, person):
    case = _in_progress(officer, kinds=["objection"])
    # Legitimate interest needs the balancing note.
    with pytest.raises(ValidationFailed) as exc:
        services.case_run_action(
            actor=officer,
            case=case,
            kind="objection",
            params={"purpose": "legitimate_interest"},
        )
    assert set(exc.value.fields) == {"note"}
    done = services.case_run_action(
        actor=officer,
        case=case,
        kind="objection",
        params={"purpose": "direct_marketing"},
    )
    assert done.reference == (
        f"objection:{case.reference}:direct_marketing:recorded=1,kept=0"
    )
    objection = Objection.objects.get()
    assert (objection.person_id, objection.purpose) == (person.pk, "direct_marketing")
    assert objection.received_on == case.received_at.date()
    assert restrictions.objects_to_marketing(person.pk)
    assert restrictions.is_suppressed("email", EMAIL)
    event = AuditEvent.objects.filter(action="objection.record").get()
    assert event.details["case_ref"] == case.reference


def test_a_restricted_person_s_objection_is_still_recorded(officer, person):
    restrictions.restriction_place(actor=officer, person=person, reason="Aiempi")
    case = _in_progress(officer, kinds=["objection"])
    services.case_run_action(
        actor=officer,
        case=case,
        kind="objection",
        params={"purpose": "legitimate_interest", "note": "Käsittely lopetetaan"},
    )
    assert Objection.objects.get().note == "Käsittely lopetetaan"


def test_restriction_and_objection_run_from_the_case_page(officer, person, client):
    case = _in_progress(officer, kinds=["restriction", "objection"])
    client_as(officer, client=client)
    page = client.get(f"/privacy-office/requests/{case.pk}/").content.decode()
    assert 'name="ground"' in page and 'name="purpose"' in page
    url = f"/privacy-office/requests/{case.pk}/act/"
    client.post(
        url,
        {
            "op": "run_action",
            "kind": "restriction",
            "ground": "unlawful",
            "reason": "R",
        },
    )
    client.post(
        url, {"op": "run_action", "kind": "objection", "purpose": "direct_marketing"}
    )
    assert Restriction.objects.get().ground == "unlawful"
    assert Objection.objects.get().purpose == "direct_marketing"
    assert {a.kind for a in case.actions.all()} == {"restriction", "objection"}


def test_export_downloads_once_with_the_code(officer, person, export_action):
    case = _in_progress(officer)
    services.case_run_action(actor=officer, case=case, kind="access")
    mail.outbox.clear()
    services.case_complete(actor=officer, case=case, base_url="https://x.test")
    completion, code_mail = mail.outbox
    link = next(w for w in completion.body.split() if w.startswith("https://x.test"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    code = re.search(r"\b\d{8}\b", code_mail.body)[0]
    assert code not in completion.body and token not in code_mail.body
    export = ExportFile.objects.get()
    with connection.cursor() as cur:
        cur.execute("SELECT content FROM dsr_exportfile")
        assert b"Maija" not in bytes(cur.fetchone()[0])
    with pytest.raises(services.DownloadRefused):
        services.export_download(token=token, code="12345678")
    got = services.export_download(token=token, code=code)
    assert got.content == b'{"name": "Maija"}'
    export.refresh_from_db()
    assert export.downloaded_at and export.deleted_at
    assert ExportFile.objects.filter(content__isnull=True).count() == 1
    with pytest.raises(services.DownloadRefused):
        services.export_download(token=token, code=code)


def test_expired_export_is_refused_and_deleted(officer, person, export_action):
    case = _in_progress(officer)
    services.case_run_action(actor=officer, case=case, kind="access")
    mail.outbox.clear()
    services.case_complete(actor=officer, case=case)
    token = mail.outbox[0].body.split("/lataa/")[1].split("/")[0]
    code = re.search(r"\b\d{8}\b", mail.outbox[1].body)[0]
    ExportFile.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(services.DownloadRefused):
        services.export_download(token=token, code=code)
    assert ExportFile.objects.get().deleted_at is not None


def test_a_code_for_another_case_is_refused(officer, person):
    first = _case(officer).case
    second = _case(officer, kinds=["erasure"]).case
    services.identity_send_code(actor=officer, case=first)
    first_code = re.search(r"\b\d{8}\b", mail.outbox[-1].body)[0]
    services.identity_send_code(actor=officer, case=second)
    with pytest.raises(ValidationFailed) as exc:
        services.identity_confirm_code(actor=officer, case=second, code=first_code)
    assert exc.value.fields["code"][0][0] == "code_wrong"
    assert RequestCase.objects.get(pk=second.pk).status == Status.AWAITING_IDENTITY


def test_api_steps_answer_with_the_error_codes(officer, person):

    client = client_as(officer)
    created = client.post(
        "/api/v1/dsr/cases",
        {"kinds": ["access"], "channel": "email", "requester_email": EMAIL},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["persons"] == [str(person.pk)]
    url = f"/api/v1/dsr/cases/{body['id']}/steps"
    refused = client.post(url, {"op": "refuse"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["reason"][0]["code"] == "required"
    early = client.post(url, {"op": "complete"}, content_type="application/json")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "invalid_transition"
    checked = client.post(
        url, {"op": "staff_check", "how": "Soitto"}, content_type="application/json"
    )
    assert checked.json()["status"] == "in_progress"
    missing = client.post(url, {"op": "complete"}, content_type="application/json")
    assert missing.json()["error"]["code"] == "actions_missing"
    listing = client.get("/api/v1/dsr/cases?view=open").json()
    assert [c["reference"] for c in listing] == [body["reference"]]


def test_engine_actions_export_and_erase_the_matched_person(officer, person):
    from rekisteri.rights.models import ErasureReceipt
    from rekisteri.rights.services import export_person, is_erased

    case = _in_progress(officer, kinds=["access", "erasure"])
    access = services.case_run_action(actor=officer, case=case, kind="access")
    assert access.reference == f"access:{case.reference}:1"
    stored_file = ExportFile.objects.get(case=case)
    assert stored_file.filename == "access.zip"
    with zipfile.ZipFile(io.BytesIO(stored_file.content)) as bundle:
        assert sorted(bundle.namelist()) == ["access.html", "access.json"]
        stored = json.loads(bundle.read("access.json"))
        page = bundle.read("access.html").decode()
    # The page to read or print, in the case's language, with the values.
    assert '<html lang="fi">' in page and EMAIL in page
    assert "Henkilötietosi" in page
    assert stored["confirmation"]["person"] == str(person.pk)
    assert stored["language"] == "fi"
    assert any(v["value"] == EMAIL for item in stored["items"] for v in item["values"])
    erasure = services.case_run_action(actor=officer, case=case, kind="erasure")
    receipt = ErasureReceipt.objects.get(subject_id=person.pk)
    assert erasure.reference == f"erasure:{receipt.pk}"
    assert receipt.case_ref == case.reference
    assert is_erased(person)
    after = export_person(actor=officer, person=person)
    assert after["erasure"]["receipt"] == str(receipt.pk)
    case = services.case_complete(actor=officer, case=case, base_url="https://x.test")
    assert case.status == Status.COMPLETED


def test_engine_action_without_a_matched_person_is_refused(officer, person):
    case = _in_progress(officer)
    case.persons.clear()  # the matched person was unlinked after the check
    with pytest.raises(Conflict) as exc:
        services.case_run_action(actor=officer, case=case, kind="access")
    assert exc.value.code == "no_person"
    assert not case.actions.exists()
