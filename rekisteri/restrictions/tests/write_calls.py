"""The write services, found and called, for the write-service walk
(``test_write_services_walks.py``).

The write services are found, not listed: every public function with a
keyword-only ``actor`` in the modules of the apps that hold personal data of
customers (derived from the catalogue). Each needs a call in :data:`CALLS`,
made against one :class:`World`; a declared service without one fails
``test_every_declared_service_has_a_call``, so a new service cannot be
missed."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction

from rekisteri.billing import collection, payments, run
from rekisteri.billing import services as billing
from rekisteri.connectors.contacts import inform
from rekisteri.connectors.models import InformTask
from rekisteri.contracts import services as contracts
from rekisteri.core.catalogue import catalogue_entries
from rekisteri.core.errors import Forbidden, ServiceError
from rekisteri.dsr.models import RequestCase
from rekisteri.dsr.services import expiry as dsr_expiry
from rekisteri.messaging import erasure as messaging_erasure
from rekisteri.messaging import importing
from rekisteri.messaging import services as messaging
from rekisteri.registry import bulk
from rekisteri.registry import services as registry
from rekisteri.registry.models import DataSource
from rekisteri.restrictions import services as restrictions
from rekisteri.rights import erasure, rectification
from rekisteri.rights.models import RecipientNotice, Rectification
from rekisteri.testing import make_org, make_person
from rekisteri.testing.billing import line, make_invoice, make_seller

# --------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------

SKIP_MODULES = ("tests", "migrations", "management", "demo", "testing")


def customer_data_apps() -> list[Any]:
    """Apps whose models hold personal data of customers (not staff)."""
    labels = {
        e.model._meta.app_label
        for e in catalogue_entries()
        if e.classification.personal and e.classification.subject != "staff"
    }
    return [
        a
        for a in apps.get_app_configs()
        if a.label in labels and a.name.startswith("rekisteri.")
    ]


def discovered_services() -> dict[str, Callable]:
    """Public functions taking a keyword-only ``actor`` in those apps."""
    found: dict[str, Callable] = {}
    for app in customer_data_apps():
        package = importlib.import_module(app.name)
        for info in pkgutil.walk_packages(package.__path__, app.name + "."):
            if any(part in SKIP_MODULES for part in info.name.split(".")[2:]):
                continue
            module = importlib.import_module(info.name)
            for name, func in vars(module).items():
                if name.startswith("_") or not inspect.isfunction(func):
                    continue
                if func.__module__ != module.__name__:
                    continue
                params = inspect.signature(func).parameters
                actor = params.get("actor")
                if actor is not None and actor.kind is inspect.Parameter.KEYWORD_ONLY:
                    found[f"{module.__name__}.{func.__qualname__}"] = func
    return found


# --------------------------------------------------------------------------
# A world, and one call per service
# --------------------------------------------------------------------------


@dataclass
class World:
    org: Any
    person: Any
    role: Any
    contract: Any
    party: Any
    draft: Any
    issued: Any
    case: Any
    message: Any
    due_contract: Any
    active_contract: Any
    inform_task: Any
    notice: Any
    rights_case: Any

    def fresh(self) -> World:
        """The same rows read again: a call may have changed the instances
        (a delete clears the primary key) even when its writes rolled back."""
        return World(
            **{
                name: type(obj).objects.get(pk=obj.pk)
                for name, obj in vars(self).items()
            }
        )


MAIL = (
    b"From: Asiakas <{addr}>\r\nTo: tuki@example.com\r\n"
    b"Subject: Kysymys\r\nMessage-ID: <walk-1@example.fi>\r\n"
    b"Date: Mon, 5 Jan 2026 10:00:00 +0000\r\n\r\nHei\r\n"
)


def build_world() -> World:
    # A sole trader: the company's and the contracts' data are personal
    # data, so the matrix walk covers the organization's services too.
    org = make_org(
        postal_street="Testitie 2",
        postal_postal_code="02100",
        postal_city="Espoo",
        sole_trader=True,
    )
    person = make_person(
        emails=["walk.person@example.fi"],
        phones=["040 123 4567"],
        street="Laskutie 5",
        postal_code="02100",
        city="Espoo",
    )
    start = dt.date(2020, 1, 1)
    role = registry.role_create(
        actor=None, person=person, organization=org, kind="contact", start_date=start
    )
    registry.role_create(
        actor=None,
        person=person,
        organization=org,
        kind="billing_contact",
        start_date=start,
    )
    product = contracts.product_create(actor=None, code="WALK", name="Walk")
    contract = contracts.contract_create(
        actor=None, organization=org, product=product, start_date=start
    )
    party = contracts.contract_party_add(
        actor=None, contract=contract, person=person, kind="signatory"
    )
    due = contracts.contract_create(
        actor=None,
        organization=org,
        product=product,
        start_date=start,
        end_date=dt.date(2021, 1, 1),
    )
    make_seller()
    draft = make_invoice(organization=org, contact=person, issue=False)
    issued = make_invoice(
        organization=org, contact=person, invoice_date=dt.date(2026, 1, 1)
    )
    collection.reminder_create(actor=None, invoice=issued, on=dt.date(2026, 2, 1))
    case = collection.collection_case_open(
        actor=None, invoice=issued, on=dt.date(2026, 3, 1)
    )
    message = messaging.message_create(
        actor=None,
        person=person,
        channel="phone",
        direction="in",
        occurred_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        subject="Puhelu",
        body="Sisältö",
    )
    active = contracts.contract_create(
        actor=None, organization=org, product=product, start_date=start
    )
    # Put in force directly: activating checks the dates, and the due
    # contract's have passed on purpose.
    for c in (due, active):
        c.status = "active"
        c.save()
    inform_task = InformTask.objects.create(
        person=person,
        source=DataSource.objects.get(code="fonecta"),
        obtained_on=dt.date(2026, 1, 2),
        due=dt.date(2026, 2, 2),
    )
    rectified = Rectification.objects.create(
        person=person, case_ref="DSR-0", fields=["last_name"], categories=["user.name"]
    )
    notice = RecipientNotice.objects.create(
        person=person,
        rectification=rectified,
        recipient="Postitus Oy",
        categories=["user.name"],
    )
    rights_case = RequestCase.objects.create(
        reference="WALK-1",
        kinds=["access"],
        channel="letter",
        received_at=dt.datetime(2020, 1, 2, tzinfo=dt.UTC),
        deadline=dt.date(2020, 2, 2),
        status="completed",
        closed_at=dt.datetime(2020, 1, 20, tzinfo=dt.UTC),
        requester_name="Kävelijä",
    )
    rights_case.persons.add(person)
    return World(
        org,
        person,
        role,
        contract,
        party,
        draft,
        issued,
        case,
        message,
        due,
        active,
        inform_task,
        notice,
        rights_case,
    )


def _in_transaction(fn: Callable[[], Any]) -> Any:
    with transaction.atomic():
        return fn()


RUN_ITEM = run.RunItem  # the invoice run's item


# name -> (call(world, actor), touches the world's person)
CALLS: dict[str, Callable[[World, Any], Any] | None] = {
    "rekisteri.registry.services.organizations.organization_create": lambda w, a: (
        registry.organization_create(actor=a, name="Uusi Oy")
    ),
    "rekisteri.registry.services.organizations.organization_set_from_source": (
        lambda w, a: registry.organization_set_from_source(
            actor=a,
            organization=w.org,
            provenance=w.org.provenance,
            values={"name": "Rekisterin Oy"},
        )
    ),
    "rekisteri.registry.services.organizations.organization_update": lambda w, a: (
        registry.organization_update(actor=a, organization=w.org, name="Muu Oy")
    ),
    "rekisteri.registry.services.persons.person_create": lambda w, a: (
        registry.person_create(actor=a, first_name="Uusi", last_name="Henkilö")
    ),
    "rekisteri.registry.bulk.contacts_create": lambda w, a: bulk.contacts_create(
        actor=a,
        contacts=[
            bulk.NewContact(
                first_name="Uusi",
                last_name="Listalta",
                email="uusi.listalta@example.fi",
                organization=w.org,
            )
        ],
        source="fonecta",
    ),
    "rekisteri.registry.services.persons.person_update": lambda w, a: (
        registry.person_update(actor=a, person=w.person, first_name="Muutettu")
    ),
    "rekisteri.registry.services.roles.role_create": lambda w, a: registry.role_create(
        actor=a, person=w.person, organization=w.org, kind="end_user"
    ),
    "rekisteri.registry.services.roles.role_update": lambda w, a: registry.role_update(
        actor=a, role=w.role, title="Johtaja"
    ),
    "rekisteri.registry.services.roles.role_end": lambda w, a: registry.role_end(
        actor=a, role=w.role
    ),
    "rekisteri.registry.services.roles.role_delete": lambda w, a: registry.role_delete(
        actor=a, role=w.role
    ),
    "rekisteri.registry.services.shredding.person_shred": lambda w, a: (
        registry.person_shred(actor=a, person=w.person, reason="walk")
    ),
    "rekisteri.contracts.services.products.product_create": None,
    "rekisteri.contracts.services.products.product_retire": None,
    "rekisteri.contracts.services.lifecycle.contract_create": lambda w, a: (
        contracts.contract_create(
            actor=a,
            organization=w.org,
            product="WALK",
            start_date=dt.date(2024, 1, 1),
            terms="Ehdot",
        )
    ),
    "rekisteri.contracts.services.lifecycle.contract_update": lambda w, a: (
        contracts.contract_update(actor=a, contract=w.contract, terms="Uudet ehdot")
    ),
    "rekisteri.contracts.services.lifecycle.contract_activate": lambda w, a: (
        contracts.contract_activate(actor=a, contract=w.contract)
    ),
    "rekisteri.contracts.services.lifecycle.contract_end": lambda w, a: (
        contracts.contract_end(actor=a, contract=w.active_contract)
    ),
    "rekisteri.contracts.services.lifecycle.contract_terminate": lambda w, a: (
        contracts.contract_terminate(actor=a, contract=w.active_contract)
    ),
    "rekisteri.contracts.services.lifecycle.contract_delete": lambda w, a: (
        contracts.contract_delete(actor=a, contract=w.contract)
    ),
    "rekisteri.contracts.services.lifecycle.contracts_end_due": lambda w, a: (
        contracts.contracts_end_due(actor=a)
    ),
    "rekisteri.contracts.services.parties.contract_party_add": lambda w, a: (
        contracts.contract_party_add(
            actor=a, contract=w.contract, person=w.person, kind="contact"
        )
    ),
    "rekisteri.contracts.services.parties.contract_party_remove": lambda w, a: (
        contracts.contract_party_remove(actor=a, party=w.party)
    ),
    "rekisteri.billing.seller.seller_update": None,
    "rekisteri.billing.services.invoice_create": lambda w, a: billing.invoice_create(
        actor=a, organization=w.org, billing_contact=w.person, lines=[line()]
    ),
    "rekisteri.billing.services.invoice_update": lambda w, a: billing.invoice_update(
        actor=a, invoice=w.draft, billing_contact=w.person, lines=[line()]
    ),
    "rekisteri.billing.services.invoice_delete": lambda w, a: billing.invoice_delete(
        actor=a, invoice=w.draft
    ),
    "rekisteri.billing.services.invoice_issue": lambda w, a: billing.invoice_issue(
        actor=a, invoice=w.draft
    ),
    "rekisteri.billing.services.credit_note_issue": lambda w, a: (
        billing.credit_note_issue(actor=a, invoice=w.issued)
    ),
    "rekisteri.billing.run.invoice_run": lambda w, a: run.invoice_run(
        actor=a,
        items=[RUN_ITEM(organization=w.org, billing_contact=w.person, lines=[line()])],
    ),
    "rekisteri.billing.collection.reminder_create": lambda w, a: (
        collection.reminder_create(actor=a, invoice=w.issued, on=dt.date(2026, 3, 1))
    ),
    "rekisteri.billing.collection.collection_case_open": lambda w, a: (
        collection.collection_case_open(
            actor=a, invoice=w.issued, on=dt.date(2026, 4, 1)
        )
    ),
    "rekisteri.billing.collection.collection_case_hand_over": lambda w, a: (
        collection.collection_case_hand_over(
            actor=a, case=w.case, agency_name="Perintä Oy"
        )
    ),
    "rekisteri.billing.collection.collection_case_close": lambda w, a: (
        collection.collection_case_close(actor=a, case=w.case, status="paid")
    ),
    "rekisteri.billing.payments.payment_record": lambda w, a: payments.payment_record(
        actor=a, invoice=w.issued, amount="10.00", paid_on=dt.date(2026, 1, 2)
    ),
    "rekisteri.billing.payments.payment_import": lambda w, a: payments.payment_import(
        actor=a,
        stream=io.BytesIO(
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
            b"<BkToCstmrDbtCdtNtfctn/></Document>"
        ),
    ),
    "rekisteri.messaging.services.message_store": lambda w, a: _in_transaction(
        lambda: messaging.message_store(
            actor=a,
            organization=None,
            person=w.person,
            channel="phone",
            direction="in",
            occurred_at=dt.datetime(2026, 1, 6, 9, 0, tzinfo=dt.UTC),
            subject="Toinen",
            body="",
        )
    ),
    "rekisteri.messaging.services.message_create": lambda w, a: (
        messaging.message_create(
            actor=a,
            person=w.person,
            channel="phone",
            direction="in",
            occurred_at=dt.datetime(2026, 1, 6, 9, 0, tzinfo=dt.UTC),
            subject="Toinen",
        )
    ),
    "rekisteri.messaging.services.message_delete": lambda w, a: (
        messaging.message_delete(actor=a, message=w.message)
    ),
    "rekisteri.messaging.services.person_participation_erase": lambda w, a: (
        messaging.person_participation_erase(actor=a, person=w.person)
    ),
    "rekisteri.messaging.importing.import_messages": lambda w, a: _import(w, a),
    "rekisteri.restrictions.services.restriction_place": lambda w, a: (
        restrictions.restriction_place(actor=a, person=w.person, reason="Toinen")
    ),
    "rekisteri.restrictions.services.restriction_lift": lambda w, a: (
        restrictions.restriction_lift(
            actor=a, person=w.person, reason="Selvitetty", informed_how="email"
        )
    ),
    "rekisteri.restrictions.services.objection_record": lambda w, a: (
        restrictions.objection_record(
            actor=a, person=w.person, purpose="direct_marketing"
        )
    ),
    "rekisteri.rights.erasure.erasure_execute": lambda w, a: erasure.erasure_execute(
        actor=a, person=w.person, reason="walk"
    ),
    "rekisteri.rights.erasure.erasure_execute_many": lambda w, a: _batch_erasure(w, a),
    "rekisteri.dsr.services.expiry.cases_expire": lambda w, a: _case_expiry(w, a),
    "rekisteri.registry.services.shredding.persons_shred": lambda w, a: (
        registry.persons_shred(actor=a, persons=[w.person], reason="walk")
    ),
    "rekisteri.messaging.erasure.participation_erase_many": lambda w, a: (
        messaging_erasure.participation_erase_many(actor=a, persons=[w.person])
    ),
    "rekisteri.rights.rectification.rectify": lambda w, a: rectification.rectify(
        actor=a, person=w.person, case_ref="DSR-1", last_name="Oikaistu"
    ),
    "rekisteri.rights.rectification.notice_record": lambda w, a: (
        rectification.notice_record(actor=a, notice=w.notice, state="impossible")
    ),
    "rekisteri.connectors.contacts.inform.inform_send": lambda w, a: inform.inform_send(
        actor=a, task=w.inform_task
    ),
    "rekisteri.connectors.contacts.inform.inform_record": lambda w, a: (
        inform.inform_record(actor=a, task=w.inform_task, channel="letter")
    ),
    "rekisteri.connectors.contacts.inform.inform_with_message": lambda w, a: (
        inform.inform_with_message(actor=a, task=w.inform_task, message=w.message)
    ),
    # Declared as writing no register person rows (their reasons say why).
    "rekisteri.dsr.services.intake.case_assign": None,
    "rekisteri.dsr.services.fulfilment.case_answer_none_held": None,
    "rekisteri.dsr.services.downloads.export_hand_over": None,
    "rekisteri.dsr.services.fulfilment.case_complete": None,
    "rekisteri.dsr.services.intake.case_create": None,
    "rekisteri.dsr.services.decisions.case_extend": None,
    "rekisteri.dsr.services.intake.case_match": None,
    "rekisteri.dsr.services.fulfilment.case_record_manual": None,
    "rekisteri.dsr.services.decisions.case_refuse": None,
    "rekisteri.dsr.services.fulfilment.case_run_action": None,
    "rekisteri.dsr.services.decisions.case_withdraw": None,
    "rekisteri.dsr.services.identity.identity_confirm_code": None,
    "rekisteri.dsr.services.identity.identity_record_check": None,
    "rekisteri.dsr.services.identity.identity_request": None,
    "rekisteri.dsr.services.identity.identity_send_code": None,
    "rekisteri.dsr.services.casework.send_letter": None,
    "rekisteri.dsr.actions.run": None,
    "rekisteri.connectors.services.prh_import_file": None,
    "rekisteri.connectors.services.prh_refresh": None,
    "rekisteri.connectors.services.prh_refresh_organization": None,
    "rekisteri.connectors.services.review_accept": None,
    "rekisteri.connectors.services.review_reject": None,
    "rekisteri.connectors.prh.importer.apply_company": None,
    "rekisteri.connectors.prh.importer.batch_start": None,
    "rekisteri.connectors.prh.importer.import_companies": None,
    "rekisteri.connectors.contacts.importer.import_contacts": None,
    "rekisteri.connectors.contacts.importer.mapping_save": None,
    "rekisteri.restrictions.services.suppression_add": None,
}


def _batch_erasure(w: World, a: Any) -> Any:
    """A batch erasure skips a refused person and reports why: the walk
    takes the report's refusal as the call's."""
    done = erasure.erasure_execute_many(actor=a, persons=[w.person], reason="walk")
    if w.person.pk in done.skipped:
        raise done.skipped[w.person.pk]
    return done


def _case_expiry(w: World, a: Any) -> Any:
    """The expiry keeps a refused case and reports why: the walk takes the
    report's refusal as the call's."""
    done = dsr_expiry.cases_expire(actor=a, case_ids=[w.rights_case.pk], reason="walk")
    if w.rights_case.pk in done.kept:
        raise done.kept[w.rights_case.pk]
    return done


class ImportRefused(ServiceError):
    """An import reports refusals per message instead of raising."""


def _import(w: World, a: Any) -> Any:
    report = importing.import_messages(
        actor=a,
        stream=io.BytesIO(MAIL.replace(b"{addr}", b"walk.person@example.fi")),
        organization=w.org,
    )
    codes = {e.code for e in report.errors}
    if report.created == 0 and codes:
        code = codes.pop()
        if code == "need_to_know":
            raise Forbidden(code=code)
        raise ImportRefused(code=code)
    return report
