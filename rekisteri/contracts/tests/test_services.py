"""Contract services: lifecycle transitions, validation, atomicity, parties,
audit events and the daily end-due job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.utils import timezone

from rekisteri.audit.models import AuditEvent
from rekisteri.contracts import services
from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.contracts.dates import add_months, notice_end
from rekisteri.contracts.models import Contract, ContractParty, Product
from rekisteri.core.errors import Conflict, NotFound, ValidationFailed
from rekisteri.registry.services import organization_update, role_create
from rekisteri.testing import make_org, make_person, make_staff
from rekisteri.testing.contracts import make_contract, make_product

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def counts() -> dict[str, int]:
    return {
        "contracts": Contract.objects.count(),
        "parties": ContractParty.objects.count(),
        "products": Product.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@contextmanager
def refused(*codes: str, field: str | None = None) -> Iterator[None]:
    """Expect ValidationFailed with ``codes`` and nothing written at all."""
    before = counts()
    with pytest.raises(ValidationFailed) as excinfo:
        yield
    got = {code for errs in excinfo.value.fields.values() for code, _m in errs}
    assert set(codes) <= got, excinfo.value.fields
    if field is not None:
        assert field in excinfo.value.fields
    assert counts() == before


def today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------
# Notice arithmetic
# --------------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)
    assert notice_end(dt.date(2025, 3, 1), 30, NoticeUnit.DAYS) == dt.date(2025, 3, 31)


# --------------------------------------------------------------------------
# Create and validate
# --------------------------------------------------------------------------


def test_create_makes_a_numbered_draft_and_audits_field_names():
    staff = make_staff()
    org = make_org()
    product = make_product(code="HR-PRO", name="Henkilöstöhallinto Pro")
    contract = services.contract_create(
        actor=staff,
        organization=org,
        product="hr-pro",
        start_date=dt.date(2025, 1, 1),
        notice_period=3,
        notice_unit=NoticeUnit.MONTHS,
        terms="Tukipalvelu arkisin 8–16. Yhteyshenkilö Maija Meikäläinen.",
    )
    assert contract.status == ContractStatus.DRAFT
    assert contract.product == product
    assert contract.number.startswith("SOP-")
    assert contract.created_by == staff
    other = make_contract(org)
    assert other.number != contract.number
    event = AuditEvent.objects.filter(action="contract.create").first()
    assert event.target_id == str(contract.pk)
    assert "terms" in event.fields and "start_date" in event.fields
    # Terms may name people: the family is recorded, never the text.
    assert event.categories == ["communication"]
    assert "Maija" not in str(event.details)


def test_terms_are_stored_encrypted_under_the_organization_key():
    from django.db import connection

    org = make_org()
    contract = make_contract(org, terms="Salainen ehto Maija")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT terms FROM contracts_contract WHERE id = %s", [contract.pk.hex]
        )
        row = cur.fetchone()
    if row is None:  # PostgreSQL stores uuid natively
        with connection.cursor() as cur:
            cur.execute(
                "SELECT terms FROM contracts_contract WHERE id = %s", [contract.pk]
            )
            row = cur.fetchone()
    assert b"Maija" not in bytes(row[0])
    assert Contract.objects.get(pk=contract.pk).terms == "Salainen ehto Maija"


def test_end_before_start_and_bad_notice_are_refused_together():
    org = make_org()
    product = make_product()
    with refused("end_before_start", "too_large"):
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=dt.date(2025, 5, 1),
            end_date=dt.date(2025, 4, 30),
            notice_period=37,
            notice_unit=NoticeUnit.MONTHS,
        )
    with refused("too_small", field="notice_period"):
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=dt.date(2025, 5, 1),
            notice_period=-1,
        )
    with refused("invalid_choice", field="notice_unit"):
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=dt.date(2025, 5, 1),
            notice_unit="weeks",
        )
    # 730 days is the longest notice in days; 731 is a typing mistake.
    with refused("too_large"):
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=dt.date(2025, 5, 1),
            notice_period=731,
            notice_unit=NoticeUnit.DAYS,
        )


def test_missing_start_unknown_and_retired_products_are_refused():
    org = make_org()
    with refused("required", "product_unknown"):
        services.contract_create(
            actor=None, organization=org, product="NOPE", start_date=None
        )
    retired = make_product()
    services.product_retire(actor=None, product=retired)
    with refused("product_retired"):
        services.contract_create(
            actor=None, organization=org, product=retired, start_date=today()
        )
    product = make_product()
    with refused("too_long"):
        services.contract_create(
            actor=None,
            organization=org,
            product=product,
            start_date=today(),
            terms="x" * (services.TERMS_MAX + 1),
        )


def test_error_messages_never_repeat_the_submitted_value():
    org = make_org()
    with pytest.raises(ValidationFailed) as excinfo:
        services.contract_create(
            actor=None,
            organization=org,
            product="SALAINEN-TUOTE",
            start_date=today(),
        )
    assert "SALAINEN" not in str(excinfo.value.fields)


def test_product_codes_are_validated_and_unique():
    make_product(code="CRM-BASIC")
    with refused("code_taken"):
        services.product_create(actor=None, code="crm-basic", name="Toinen")
    with refused("code_invalid", "required"):
        services.product_create(actor=None, code="a b", name="  ")


# --------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------


def test_activate_then_end_on_the_end_date():
    org = make_org()
    contract = make_contract(org, start_date=today() - 10 * DAY)
    contract = services.contract_activate(actor=None, contract=contract)
    assert contract.status == ContractStatus.ACTIVE
    assert contract.activated_at is not None
    ended = services.contract_end(actor=None, contract=contract)
    assert ended.status == ContractStatus.ENDED
    assert ended.end_date == today() == ended.ends_on


@pytest.mark.parametrize(
    "transition",
    ["activate", "end", "terminate"],
)
def test_illegal_transitions_are_conflicts(transition):
    org = make_org()
    contract = make_contract(org, active=True, start_date=today() - 30 * DAY)
    services.contract_end(actor=None, contract=contract)
    before = counts()
    with pytest.raises(Conflict) as excinfo:
        getattr(services, f"contract_{transition}")(actor=None, contract=contract)
    assert excinfo.value.code == "transition_invalid"
    assert counts() == before


def test_a_draft_can_neither_end_nor_terminate():
    contract = make_contract(make_org())
    with pytest.raises(Conflict):
        services.contract_end(actor=None, contract=contract)
    with pytest.raises(Conflict):
        services.contract_terminate(actor=None, contract=contract)


def test_activation_refuses_a_contract_whose_end_has_passed():
    contract = make_contract(
        make_org(), start_date=today() - 60 * DAY, end_date=today() - DAY
    )
    with refused("end_in_past"):
        services.contract_activate(actor=None, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_end_cannot_be_in_the_future_or_before_the_start():
    contract = make_contract(make_org(), active=True, start_date=today() - 5 * DAY)
    with refused("end_in_future"):
        services.contract_end(actor=None, contract=contract, end_date=today() + DAY)
    with refused("end_before_start"):
        services.contract_end(actor=None, contract=contract, end_date=today() - 6 * DAY)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


def test_only_drafts_are_deleted():
    org = make_org()
    draft = make_contract(org)
    services.contract_delete(actor=None, contract=draft)
    assert not Contract.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(
        action="contract.delete", target_id=str(draft.pk)
    ).exists()
    active = make_contract(org, active=True)
    with pytest.raises(Conflict) as excinfo:
        services.contract_delete(actor=None, contract=active)
    assert excinfo.value.code == "not_draft"
    assert Contract.objects.filter(pk=active.pk).exists()


# --------------------------------------------------------------------------
# Termination and notice
# --------------------------------------------------------------------------


def test_termination_defaults_to_the_end_of_the_notice_period():
    contract = make_contract(
        make_org(),
        active=True,
        start_date=dt.date(2024, 1, 1),
        notice_period=3,
        notice_unit=NoticeUnit.MONTHS,
    )
    notice = today() - 2 * DAY
    done = services.contract_terminate(
        actor=None, contract=contract, notice_given_on=notice
    )
    assert done.status == ContractStatus.TERMINATED
    assert done.termination_date == add_months(notice, 3) == done.ends_on
    assert done.notice_overridden is False
    assert done.is_in_force  # terminated, but in force until the date


def test_termination_before_the_notice_period_needs_an_override_and_a_reason():
    contract = make_contract(
        make_org(),
        active=True,
        start_date=dt.date(2024, 1, 1),
        notice_period=30,
        notice_unit=NoticeUnit.DAYS,
    )
    early = today() + 10 * DAY
    with refused("notice_period", field="termination_date"):
        services.contract_terminate(
            actor=None, contract=contract, termination_date=early
        )
    with refused("override_reason", field="note"):
        services.contract_terminate(
            actor=None, contract=contract, termination_date=early, override_notice=True
        )
    done = services.contract_terminate(
        actor=None,
        contract=contract,
        termination_date=early,
        override_notice=True,
        note="Sovittu asiakkaan kanssa",
    )
    assert done.notice_overridden is True
    assert done.termination_date == early
    event = AuditEvent.objects.get(action="contract.terminate")
    assert event.details["notice_overridden"] is True
    assert "termination_note" in event.fields
    assert "Sovittu" not in str(event.details)


def test_termination_after_the_fixed_end_or_notice_in_the_future_is_refused():
    contract = make_contract(
        make_org(),
        active=True,
        start_date=dt.date(2024, 1, 1),
        end_date=today() + 20 * DAY,
        notice_period=1,
    )
    with refused("after_end"):
        services.contract_terminate(actor=None, contract=contract)
    with refused("notice_in_future"):
        services.contract_terminate(
            actor=None,
            contract=contract,
            notice_given_on=today() + DAY,
            termination_date=today() + 10 * DAY,
            override_notice=True,
            note="x",
        )


def test_termination_ends_open_party_periods():
    org = make_org()
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2024, 1, 1),
    )
    contract = make_contract(org, active=True, start_date=dt.date(2024, 1, 1))
    party = services.contract_party_add(
        actor=None, contract=contract, person=person, kind=PartyKind.SIGNATORY
    )
    done = services.contract_terminate(actor=None, contract=contract)
    party.refresh_from_db()
    assert party.end_date == done.termination_date


# --------------------------------------------------------------------------
# Editing
# --------------------------------------------------------------------------


def test_a_draft_changes_everything_and_records_only_changed_fields():
    contract = make_contract(make_org(), terms="A")
    other = make_product()
    services.contract_update(
        actor=None, contract=contract, product=other, terms="B", notice_period=2
    )
    contract.refresh_from_db()
    assert (contract.product, contract.terms, contract.notice_period) == (other, "B", 2)
    event = AuditEvent.objects.filter(action="contract.update").get()
    assert set(event.fields) == {"product", "terms", "notice_period"}


def test_an_active_contract_keeps_product_and_start_but_may_be_amended():
    contract = make_contract(make_org(), active=True, start_date=dt.date(2024, 1, 1))
    other = make_product()
    with refused("frozen"):
        services.contract_update(
            actor=None, contract=contract, start_date=dt.date(2024, 2, 1)
        )
    with refused("frozen"):
        services.contract_update(actor=None, contract=contract, product=other)
    # Sending the current values back (as a form does) is not a change.
    services.contract_update(
        actor=None,
        contract=contract,
        product=contract.product.code.lower(),
        start_date=contract.start_date,
    )
    with refused("end_in_past"):
        services.contract_update(actor=None, contract=contract, end_date=today() - DAY)
    services.contract_update(
        actor=None, contract=contract, end_date=today() + 40 * DAY, terms="Uudet ehdot"
    )
    contract.refresh_from_db()
    assert contract.ends_on == today() + 40 * DAY
    assert contract.terms == "Uudet ehdot"


def test_an_ended_contract_never_changes():
    contract = make_contract(make_org(), active=True, start_date=dt.date(2024, 1, 1))
    services.contract_end(actor=None, contract=contract)
    with pytest.raises(Conflict) as excinfo:
        services.contract_update(actor=None, contract=contract, terms="muutos")
    assert excinfo.value.code == "contract_closed"
    contract.refresh_from_db()
    assert contract.terms is None


def test_sole_trader_flag_follows_the_organization():
    org = make_org(sole_trader=True)
    contract = make_contract(org)
    assert contract.sole_trader is True
    organization_update(actor=None, organization=org, sole_trader=False)
    contract.refresh_from_db()
    assert contract.sole_trader is False
    # A sole trader's contract changes are its personal data in the audit.
    organization_update(actor=None, organization=org, sole_trader=True)
    contract.refresh_from_db()
    services.contract_update(actor=None, contract=contract, notice_period=5)
    event = AuditEvent.objects.filter(action="contract.update").get()
    assert event.categories == ["financial"]


# --------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------


def test_a_party_must_hold_a_role_at_the_organization():
    org, elsewhere = make_org(), make_org()
    person = make_person()
    role_create(actor=None, person=person, organization=elsewhere, kind="contact")
    contract = make_contract(org, start_date=today())
    with refused("no_role", field="person"):
        services.contract_party_add(
            actor=None, contract=contract, person=person, kind=PartyKind.CONTACT
        )
    role_create(actor=None, person=person, organization=org, kind="contact")
    party = services.contract_party_add(
        actor=None, contract=contract, person=person, kind=PartyKind.CONTACT
    )
    assert party.start_date == contract.start_date
    event = AuditEvent.objects.get(action="contract_party.add")
    assert event.subject_id == person.pk
    assert event.categories == ["workplace"]


def test_party_period_must_lie_within_the_contract_and_not_repeat():
    org = make_org()
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    contract = make_contract(
        org, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31)
    )
    with refused("before_contract"):
        services.contract_party_add(
            actor=None,
            contract=contract,
            person=person,
            kind="contact",
            start_date=dt.date(2024, 12, 31),
        )
    with refused("after_contract", "end_before_start"):
        services.contract_party_add(
            actor=None,
            contract=contract,
            person=person,
            kind="contact",
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 1, 1),
        )
    with refused("invalid_choice"):
        services.contract_party_add(
            actor=None, contract=contract, person=person, kind="boss"
        )
    services.contract_party_add(
        actor=None, contract=contract, person=person, kind="contact"
    )
    with refused("party_exists"):
        services.contract_party_add(
            actor=None, contract=contract, person=person, kind="contact"
        )


def test_removing_a_party_deletes_from_a_draft_and_ends_on_an_active_contract():
    org = make_org()
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=dt.date(2020, 1, 1),
    )
    draft = make_contract(org, start_date=dt.date(2025, 1, 1))
    party = services.contract_party_add(
        actor=None, contract=draft, person=person, kind="contact"
    )
    assert services.contract_party_remove(actor=None, party=party) is None
    assert not ContractParty.objects.filter(pk=party.pk).exists()
    with pytest.raises(NotFound):
        services.contract_party_remove(actor=None, party=party)

    active = make_contract(org, active=True, start_date=dt.date(2025, 1, 1))
    party = services.contract_party_add(
        actor=None,
        contract=active,
        person=person,
        kind="signatory",
        start_date=dt.date(2025, 1, 1),
    )
    ended = services.contract_party_remove(actor=None, party=party)
    assert ended.end_date == today()
    assert ContractParty.objects.filter(pk=party.pk).exists()
    with pytest.raises(Conflict):
        services.contract_party_remove(actor=None, party=ended)  # closes today
    services.contract_end(actor=None, contract=active)
    with pytest.raises(Conflict) as excinfo:
        services.contract_party_add(
            actor=None, contract=active, person=person, kind="contact"
        )
    assert excinfo.value.code == "contract_closed"


# --------------------------------------------------------------------------
# The daily job
# --------------------------------------------------------------------------


def test_end_due_ends_active_contracts_past_their_end_date_idempotently():
    org = make_org()
    due = make_contract(
        org, active=True, start_date=dt.date(2024, 1, 1), end_date=today() + 5 * DAY
    )
    # Its end date passes: simulated by moving it back in the database.
    Contract.objects.filter(pk=due.pk).update(
        end_date=today() - DAY, ends_on=today() - DAY
    )
    ends_today = make_contract(
        org, active=True, start_date=dt.date(2024, 1, 1), end_date=today()
    )
    open_ended = make_contract(org, active=True, start_date=dt.date(2024, 1, 1))
    draft = make_contract(org, start_date=dt.date(2024, 1, 1), end_date=today())

    assert services.contracts_end_due() == 1
    due.refresh_from_db()
    assert due.status == ContractStatus.ENDED
    assert due.end_date == today() - DAY  # its own end date, not the run's
    for c in (ends_today, open_ended):
        c.refresh_from_db()
        assert c.status == ContractStatus.ACTIVE
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT
    assert services.contracts_end_due() == 0


def test_end_due_command(capsys):
    org = make_org()
    due = make_contract(
        org, active=True, start_date=dt.date(2024, 1, 1), end_date=today() + 5 * DAY
    )
    Contract.objects.filter(pk=due.pk).update(
        end_date=today() - DAY, ends_on=today() - DAY
    )
    call_command("contracts", "end-due")
    assert "1" in capsys.readouterr().out
    due.refresh_from_db()
    assert due.status == ContractStatus.ENDED
    call_command("contracts", "end-due")
    assert "0" in capsys.readouterr().out
