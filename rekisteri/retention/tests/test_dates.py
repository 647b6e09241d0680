"""Due dates on concrete calendars (docs/retention.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from rekisteri.contracts.services import contract_end, contract_party_add
from rekisteri.core import fiscal
from rekisteri.registry.services import organization_update, role_create, role_end
from rekisteri.retention import periods, services
from rekisteri.retention.models import DueDate, LegalPeriod
from rekisteri.testing import make_org, make_person
from rekisteri.testing.contracts import make_contract

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.REKISTERI_FINANCIAL_YEAR_END_MONTH = 12
    settings.REKISTERI_RETENTION_GRACE_MONTHS = 6
    settings.REKISTERI_RETENTION_MARKETING_MONTHS = 24
    settings.REKISTERI_RETENTION_CASE_YEARS = 3
    settings.REKISTERI_RETENTION_LOCK_STALE_MINUTES = 30
    periods.clear_cache()
    yield
    periods.clear_cache()


def dates(person=None, organization=None) -> dict[str, tuple[dt.date, dt.date]]:
    rows = DueDate.objects.filter(person=person, organization=organization)
    return {r.rule: (r.anchor_on, r.kept_until) for r in rows}


# -- pure calendar arithmetic ------------------------------------------------


def test_calendar_financial_year():
    assert fiscal.financial_year_end(D(2026, 3, 15), 12) == D(2026, 12, 31)
    # The invoice of 15.3.2026 is kept until 31.12.2032.
    assert fiscal.voucher_until(D(2026, 3, 15), 12) == D(2032, 12, 31)
    assert fiscal.book_until(D(2026, 3, 15), 12) == D(2036, 12, 31)


def test_financial_year_not_the_calendar_year():
    # Financial year 1.7.–30.6.: an invoice of August 2025 belongs to the
    # year ending 30.6.2026, so the voucher is kept a year longer than a
    # calendar-year company's.
    assert fiscal.financial_year_end(D(2025, 8, 15), 6) == D(2026, 6, 30)
    assert fiscal.financial_year_end(D(2025, 6, 30), 6) == D(2025, 6, 30)
    assert fiscal.voucher_until(D(2025, 8, 15), 6) == D(2032, 12, 31)
    assert fiscal.voucher_until(D(2025, 6, 30), 6) == D(2031, 12, 31)
    assert fiscal.book_until(D(2025, 8, 15), 6) == D(2036, 6, 30)


def test_leap_days():
    # A financial year ending with February: 29.2. in leap years.
    assert fiscal.financial_year_end(D(2024, 1, 15), 2) == D(2024, 2, 29)
    assert fiscal.financial_year_end(D(2024, 3, 1), 2) == D(2025, 2, 28)
    # Ten years from 29.2.2024 is the end of February 2034 (28th) ...
    assert fiscal.book_until(D(2024, 1, 15), 2) == D(2034, 2, 28)
    # ... and from 28.2.2030 the end of February 2040, a leap year (29th).
    assert fiscal.book_until(D(2029, 3, 15), 2) == D(2040, 2, 29)
    assert fiscal.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert fiscal.add_months(D(2023, 8, 29), 6) == D(2024, 2, 29)


def test_legal_periods_are_dated_data():
    assert fiscal.legal_years("bookkeeping_voucher", D(2026, 12, 31)) == 6
    # A later amendment for financial years ending from 2030 on.
    LegalPeriod.objects.filter(rule="bookkeeping_voucher").update(
        valid_to=D(2029, 12, 31)
    )
    LegalPeriod.objects.create(
        rule="bookkeeping_voucher",
        years=5,
        valid_from=D(2030, 1, 1),
        source="a future amendment (test)",
    )
    periods.clear_cache()
    assert fiscal.voucher_until(D(2029, 5, 1), 12) == D(2035, 12, 31)
    assert fiscal.voucher_until(D(2030, 5, 1), 12) == D(2035, 12, 31)
    LegalPeriod.objects.filter(rule="bookkeeping_book").delete()
    periods.clear_cache()
    with pytest.raises(ImproperlyConfigured, match="bookkeeping_book"):
        fiscal.book_until(D(2030, 5, 1), 12)


def test_a_period_that_is_not_a_whole_number_is_named(settings):
    settings.REKISTERI_RETENTION_GRACE_MONTHS = -1
    settings.REKISTERI_RETENTION_CASE_YEARS = "3"
    settings.REKISTERI_RETENTION_LOCK_STALE_MINUTES = 2.5
    person = make_person()
    with pytest.raises(ImproperlyConfigured, match="REKISTERI_RETENTION_GRACE_MONTHS"):
        services.recompute_persons([person.pk])
    from rekisteri.retention.checks import retention_settings

    assert [e.id for e in retention_settings(None)] == ["retention.E001"] * 3


# -- the register ------------------------------------------------------------


def test_role_ending_while_the_contract_continues(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org = make_org(status="customer")
        leaving, staying = make_person(), make_person()
        role_l = role_create(
            actor=None,
            person=leaving,
            organization=org,
            kind="contact",
            start_date=D(2024, 1, 1),
        )
        role_create(
            actor=None,
            person=staying,
            organization=org,
            kind="contact",
            start_date=D(2024, 1, 1),
        )
        make_contract(org, active=True, start_date=D(2024, 1, 1))
    assert "relationship" not in dates(leaving)
    with django_capture_on_commit_callbacks(execute=True):
        role_end(actor=None, role=role_l, end_date=D(2025, 8, 31))
    # The leaving person's clock runs from their own last role ...
    assert dates(leaving)["relationship"] == (D(2025, 8, 31), D(2026, 2, 28))
    # ... while the colleague and the organization, whose contract goes on,
    # have none.
    assert "relationship" not in dates(staying)
    assert "relationship" not in dates(organization=org)


def test_relationship_reopened_by_a_new_contract(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org = make_org(status="customer")
        person = make_person()
        role = role_create(
            actor=None,
            person=person,
            organization=org,
            kind="contact",
            start_date=D(2020, 1, 1),
        )
        first = make_contract(org, active=True, start_date=D(2020, 1, 1))
        contract_party_add(
            actor=None,
            contract=first,
            person=person,
            kind="contact",
            start_date=D(2020, 1, 1),
            end_date=D(2023, 12, 31),
        )
        contract_end(actor=None, contract=first, end_date=D(2024, 2, 29))
        role_end(actor=None, role=role, end_date=D(2024, 2, 29))
    assert dates(organization=org)["relationship"] == (D(2024, 2, 29), D(2024, 8, 29))
    assert dates(person)["relationship"] == (D(2024, 2, 29), D(2024, 8, 29))
    # A new contract and a new role reopen the relationship: no date.
    with django_capture_on_commit_callbacks(execute=True):
        make_contract(org, active=True, start_date=D(2025, 1, 1))
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind="contact",
            start_date=D(2025, 1, 1),
        )
    assert "relationship" not in dates(organization=org)
    assert "relationship" not in dates(person)


def test_prospect_marketing_then_customer(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org = make_org()  # a prospect
        person = make_person()
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind="contact",
            start_date=D(2024, 2, 29),
            end_date=D(2024, 2, 29),
        )
    rule = dates(person)
    assert set(rule) == {"marketing"}
    anchor = rule["marketing"][0]
    assert rule["marketing"][1] == fiscal.add_months(anchor, 24)
    with django_capture_on_commit_callbacks(execute=True):
        organization_update(actor=None, organization=org, status="customer")
    assert dates(person)["relationship"] == (D(2024, 2, 29), D(2024, 8, 29))
    assert "marketing" not in dates(person)


def test_invoice_issued_sets_voucher_and_book(
    settings, django_capture_on_commit_callbacks
):
    from rekisteri.testing.billing import make_invoice

    settings.REKISTERI_FINANCIAL_YEAR_END_MONTH = 6
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(invoice_date=D(2025, 8, 15))
    person = invoice.billing_contact
    assert dates(person)["bookkeeping_voucher"] == (D(2026, 6, 30), D(2032, 12, 31))
    assert dates(organization=invoice.organization)["bookkeeping_book"] == (
        D(2026, 6, 30),
        D(2036, 6, 30),
    )


def test_recompute_is_idempotent(capsys):
    org = make_org(status="customer")
    person = make_person()
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind="contact",
        start_date=D(2022, 1, 1),
        end_date=D(2023, 1, 31),
    )
    DueDate.objects.all().delete()
    call_command("retention", "recompute")
    first = {
        (r.person_id, r.organization_id, r.rule, r.kept_until, r.pk, r.computed_at)
        for r in DueDate.objects.all()
    }
    assert (person.pk, None, "relationship", D(2023, 7, 31)) in {x[:4] for x in first}
    call_command("retention", "recompute")
    again = {
        (r.person_id, r.organization_id, r.rule, r.kept_until, r.pk, r.computed_at)
        for r in DueDate.objects.all()
    }
    assert again == first
    assert "0 changed" in capsys.readouterr().out


def test_full_recompute_by_range_equals_the_event_path():
    """One definition per rule: the keyset-range recompute (whole register)
    and the per-subject recompute (events) write the same rows."""
    from rekisteri.testing.billing import make_invoice

    customer = make_org(status="customer")
    prospect = make_org(status="prospect")
    people = [make_person() for _ in range(7)]
    ended, open_, prospect_only, mixed, party, _nowhere, billed = people
    for person, org, end in (
        (ended, customer, D(2023, 1, 31)),
        (open_, customer, None),
        (open_, prospect, D(2022, 5, 1)),
        (prospect_only, prospect, D(2022, 5, 1)),
        (mixed, prospect, D(2024, 3, 1)),
        (mixed, customer, D(2021, 2, 1)),
        (party, customer, D(2022, 12, 31)),
    ):
        role_create(
            actor=None,
            person=person,
            organization=org,
            kind="contact",
            start_date=D(2020, 1, 1),
            end_date=end,
        )
    contract = make_contract(customer, start_date=D(2020, 1, 1))
    contract_party_add(
        actor=None,
        contract=contract,
        person=party,
        kind="contact",
        start_date=D(2021, 1, 1),
        end_date=D(2022, 6, 30),
    )
    invoice = make_invoice(invoice_date=D(2025, 8, 15))
    people.append(invoice.billing_contact)
    assert billed  # a person without invoices beside one with

    def rows():
        return {
            (r.person_id, r.organization_id, r.rule, r.anchor_on, r.kept_until)
            for r in DueDate.objects.all()
        }

    DueDate.objects.all().delete()
    services.recompute_persons([p.pk for p in people])
    from rekisteri.registry.models import Organization

    services.recompute_organizations(
        list(Organization.objects.values_list("pk", flat=True))
    )
    by_event = rows()
    assert (ended.pk, None, "relationship", D(2023, 1, 31), D(2023, 7, 31)) in by_event
    assert not any(r[0] == open_.pk and r[2] == "relationship" for r in by_event)
    DueDate.objects.all().delete()
    # Batches of two: every range boundary falls between subjects.
    out = services.recompute_all(batch_size=2)
    assert rows() == by_event
    assert out["person"].changed == len([r for r in by_event if r[0]])
    assert services.recompute_all(batch_size=3)["person"].changed == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"
)
def test_a_full_recompute_analyzes_the_due_dates_as_they_grow(monkeypatch):
    """The sweep's keyset read is planned from the table's statistics: a
    first recompute, which fills the table, leaves them taken of what it
    wrote, not of the empty table (a scan and sort per batch)."""
    from rekisteri.core import bulkload

    for _ in range(6):
        make_person()
    DueDate.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE retention_duedate")
    monkeypatch.setattr(bulkload, "FIRST", 4)
    out = services.recompute_all(batch_size=2)
    assert out["person"].created >= 4
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'retention_duedate'"
        )
        (counted,) = cursor.fetchone()
    assert counted >= 4


def test_no_catalogued_field_is_kept_under_the_books_rule():
    """``bookkeeping_book`` dates are a forecast: the books hold no personal
    data of their own past the vouchers (docs/retention.md). A field
    catalogued under it would need the sweep to act on it."""
    from rekisteri.core.catalogue import catalogue_entries

    assert not [
        e.label
        for e in catalogue_entries()
        if getattr(e.classification, "retention", None) == "bookkeeping_book"
    ]
