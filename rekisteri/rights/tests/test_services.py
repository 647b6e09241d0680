"""Access export and erasure through the Python API."""

from __future__ import annotations

import json

import pytest

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, Forbidden, ValidationFailed
from rekisteri.keystore import keys
from rekisteri.messaging.models import Message, MessageParticipant
from rekisteri.registry.models import Person, PersonEmail, Role
from rekisteri.rights import erasure, services
from rekisteri.rights.models import ErasureReceipt
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def _values(export: dict) -> dict[str, list]:
    found: dict[str, list] = {}
    for item in export["items"]:
        for v in item["values"]:
            found.setdefault(item["model"], []).append(v["value"])
    return found


def test_export_lists_every_kind_of_row(customer):
    export = services.export_person(actor=customer.officer, person=customer.person)
    values = _values(export)
    assert "Anna" in values["registry.Person"]
    assert "anna@asiakas.fi" in values["registry.PersonEmail"]
    assert "+358401234567" in values["registry.PersonPhone"]
    assert "Ostopäällikkö" in values["registry.Role"]
    assert "signatory" in values["contracts.ContractParty"]
    assert "Ehdot: Annan allekirjoittama" in values["contracts.Contract"]
    assert "Anna Aalto" in values["billing.Invoice"]  # the bookkeeping copy
    assert "Sopimus" in values["messaging.Message"]
    assert "Soitto Annalle" in values["messaging.Message"]
    assert "muistio.txt" in values["messaging.Attachment"]
    # The colleague's data is not in Anna's export.
    text = json.dumps(export)
    assert "ben@asiakas.fi" not in text
    assert "Berg" not in text
    assert export["confirmation"]["processed"] is True


def test_export_gives_article_15_information_per_item(customer):
    export = services.export_person(actor=customer.officer, person=customer.person)
    invoice = next(i for i in export["items"] if i["model"] == "billing.Invoice")
    info = invoice["info"]
    assert {b["code"] for b in info["legal_bases"]} == {"legal_obligation"}
    assert info["retention"][0]["rule"] == "bookkeeping_voucher"
    assert info["retention"][0]["until"] == "2032-12-31"
    assert info["complaint"]["url"] == "https://tietosuoja.fi"
    person = next(i for i in export["items"] if i["model"] == "registry.Person")
    name = next(v for v in person["values"] if v["field"] == "first_name")
    assert name["source"]["kind"] in {"staff", "data_subject", "customer_company"}
    assert {"article": "20", "right": "portability"} in person["info"]["rights"]


@pytest.mark.parametrize(
    ("language", "purpose", "basis", "retention"),
    [
        ("fi", "Laskutus", "lakisääteinen velvoite", "Kirjanpitolain mukaan"),
        ("sv", "Fakturering", "rättslig förpliktelse", "Enligt bokföringslagen"),
        ("en", "Invoicing", "legal obligation", "Under the Accounting Act"),
    ],
)
def test_export_labels_speak_the_persons_language(
    customer, language, purpose, basis, retention
):
    export = services.export_person(
        actor=customer.officer, person=customer.person, language=language
    )
    invoice = next(i for i in export["items"] if i["model"] == "billing.Invoice")
    info = invoice["info"]
    assert any(purpose.lower() in p["label"].lower() for p in info["purposes"])
    assert basis in info["legal_bases"][0]["label"].lower()
    assert info["retention"][0]["description"].startswith(retention)


def test_export_is_audited_without_personal_data(customer):
    services.export_person(actor=customer.officer, person=customer.person)
    event = AuditEvent.objects.get(action="rights.export")
    assert event.subject_id == customer.person.pk
    assert "contact_email" in event.categories
    assert "Anna" not in json.dumps(event.details)


def test_a_role_without_the_export_column_is_refused_before_reading(customer):
    sales = make_staff(StaffRole.SALES)
    with pytest.raises(Forbidden) as exc:
        services.export_person(actor=sales, person=customer.person)
    assert exc.value.code == "need_to_know"
    assert AuditEvent.objects.filter(action="rights.export", outcome="denied").exists()
    assert not AuditEvent.objects.filter(action="rights.export", outcome="ok")


def test_the_plan_keeps_the_invoice_under_the_accounting_act(customer):
    plan = erasure.erasure_plan(actor=customer.officer, person=customer.person)
    kept = [i for i in plan["items"] if i["model"] == "billing.Invoice"]
    assert kept and kept[0]["fate"] == "kept"
    assert kept[0]["ground"]["code"] == "accounting_act"
    assert kept[0]["until"] == "2032-12-31"
    fates = {(i["model"], i["fate"]) for i in plan["items"]}
    assert ("registry.Person", "shredded") in fates
    assert ("registry.Role", "deleted") in fates
    assert ("contracts.ContractParty", "deleted") in fates
    assert ("messaging.MessageParticipant", "deleted") in fates
    assert ("messaging.Message", "anonymised") in fates
    # A dry run changes nothing.
    assert Role.objects.filter(person=customer.person).count() == 2
    assert not keys.is_destroyed(customer.person.pk, "crm")


def test_erasure_executes_the_plan_and_gives_a_receipt(customer):
    person = customer.person
    receipt = erasure.erasure_execute(
        actor=customer.officer, person=person, reason="request", case_ref="DSR-1"
    )
    assert keys.is_destroyed(person.pk, "crm")
    assert not Role.objects.filter(person=person).exists()
    assert not person.contract_parties.exists()
    assert not MessageParticipant.objects.filter(person=person).exists()
    assert not Message.objects.filter(pk=customer.own.pk).exists()
    shared = Message.objects.get(pk=customer.shared.pk)
    with keys.ensure_scope():
        assert "anna@asiakas.fi" not in shared.headers
        assert "ben@asiakas.fi" in shared.headers
    fresh = Person.objects.get(pk=person.pk)
    with keys.ensure_scope():
        assert fresh.first_name.is_erased
        assert (
            customer.invoice.__class__.objects.get(pk=customer.invoice.pk).contact_name
            == "Anna Aalto"
        )
    assert receipt["case_ref"] == "DSR-1"
    assert receipt["counts"]["families"]["name"] >= 2
    assert any(k["ground"] == "accounting_act" for k in receipt["kept"])
    text = json.dumps(receipt)
    for secret in ("Anna", "Aalto", "anna@asiakas.fi", "request"):
        assert secret not in text
    assert ErasureReceipt.objects.get().subject_id == person.pk


def test_erasing_twice_is_a_noop_that_says_so(customer):
    person = customer.person
    first = erasure.erasure_execute(actor=customer.officer, person=person, reason="r")
    second = erasure.erasure_execute(actor=customer.officer, person=person, reason="r")
    assert second["already_erased"] is True
    assert second["receipt"] == first["receipt"]
    assert ErasureReceipt.objects.count() == 1


def test_erasure_while_held_is_refused_naming_every_hold(customer):
    from rekisteri.core import holds

    holds.register("test.a", lambda pid: [holds.Hold("a", "First hold.")])
    holds.register("test.b", lambda pid: [holds.Hold("b", "Second hold.")])
    try:
        with pytest.raises(Conflict) as exc:
            erasure.erasure_execute(
                actor=customer.officer, person=customer.person, reason="r"
            )
    finally:
        holds.unregister("test.a")
        holds.unregister("test.b")
    assert exc.value.code == "legal_hold"
    assert "First hold." in exc.value.message and "Second hold." in exc.value.message
    assert not keys.is_destroyed(customer.person.pk, "crm")
    assert Role.objects.filter(person=customer.person).count() == 2
    assert PersonEmail.objects.filter(person=customer.person).exists()
    assert not ErasureReceipt.objects.exists()


def test_erasure_needs_the_erase_column(customer):
    billing = make_staff(StaffRole.BILLING)
    with pytest.raises(Forbidden):
        erasure.erasure_execute(actor=billing, person=customer.person, reason="r")
    assert not keys.is_destroyed(customer.person.pk, "crm")


def test_erasure_validates_reason_and_case_reference(customer):
    with pytest.raises(ValidationFailed) as exc:
        erasure.erasure_execute(
            actor=customer.officer,
            person=customer.person,
            reason="",
            case_ref="Anna Aalto's request",
        )
    assert set(exc.value.fields) == {"reason", "case_ref"}


def test_export_of_an_erased_person_says_what_is_kept(customer):
    erasure.erasure_execute(actor=customer.officer, person=customer.person, reason="r")
    export = services.export_person(actor=customer.officer, person=customer.person)
    assert export["erasure"]["erased"] is True
    assert any(k["ground"] == "accounting_act" for k in export["erasure"]["kept"])
    assert "Anna Aalto" in json.dumps(export)  # the invoice's bookkeeping copy
    assert "anna@asiakas.fi" not in json.dumps(export)


def test_portability_zip_holds_what_the_person_provided(customer):
    import csv
    import io
    import zipfile

    from rekisteri.testing import make_person

    provided = make_person(
        first_name="Pia",
        last_name="Portti",
        emails=["pia@example.fi"],
        source="data_subject",
    )
    data = services.portability_zip(actor=customer.officer, person=provided)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        payload = json.loads(archive.read("data.json"))
        people = list(
            csv.DictReader(io.StringIO(archive.read("registry-Person.csv").decode()))
        )
    assert "registry-PersonEmail.csv" in names
    assert people[0]["first_name"] == "Pia"
    emails = payload["data"]["registry.PersonEmail"]
    assert emails[0]["email"] == "pia@example.fi"
    # Data staff recorded (Anna's) is not data she provided.
    anna = services.portability_zip(actor=customer.officer, person=customer.person)
    with zipfile.ZipFile(io.BytesIO(anna)) as archive:
        assert json.loads(archive.read("data.json"))["data"] == {}


def test_the_officer_exports_and_erases_a_sole_trader_with_contracts(db):
    """A sole trader's contracts are purchase history (the financial family),
    which the privacy officer may export; erasure keeps them under the
    relationship rule instead of refusing the officer."""
    import datetime as dt

    from rekisteri.contracts.services import contract_create, product_create
    from rekisteri.registry.services import role_create
    from rekisteri.testing import make_org, make_person

    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    person = make_person(first_name="Toini", last_name="Toiminimi")
    org = make_org(name="Toiminimi Toini", sole_trader=True)
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2024, 1, 1),
    )
    contract_create(
        actor=None,
        organization=org,
        product=product_create(actor=None, code="TT", name="Tuki"),
        start_date=dt.date(2024, 1, 1),
    )
    export = services.export_person(actor=officer, person=person)
    assert any(item["model"] == "contracts.Contract" for item in export["items"])
    erasure.erasure_plan(actor=officer, person=person)
    receipt = erasure.erasure_execute(actor=officer, person=person, reason="Pyyntö")
    assert receipt["receipt"]
