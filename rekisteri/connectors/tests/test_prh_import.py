"""Importing PRH data: provenance per value, reviews, idempotence, failures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.connectors import services
from rekisteri.connectors.models import RegistryReview
from rekisteri.connectors.prh.client import PrhClient, PrhSettings
from rekisteri.connectors.tests import builders
from rekisteri.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from rekisteri.registry import services as registry
from rekisteri.registry.models import (
    ImportBatch,
    Organization,
    OrganizationValueSource,
    Provenance,
)
from rekisteri.registry.sealing import business_id_q
from rekisteri.testing import make_org, make_staff

pytestmark = pytest.mark.django_db

PAGE_100 = builders.DATA / "companies_page_100.json"
SAMPLE = builders.DATA / "prh_v3_companies_businessId_0250345-3.json"


@pytest.fixture
def write(tmp_path):
    """Save a PRH answer as a file, as an operator would."""
    made = iter(range(1000))

    def _write(data) -> Path:
        path = tmp_path / f"answer{next(made)}.json"
        path.write_text(json.dumps(data))
        return path

    return _write


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "provenance": Provenance.objects.count(),
        "value_sources": OrganizationValueSource.objects.count(),
        "reviews": RegistryReview.objects.count(),
    }


def fake_client(companies: list[dict]) -> PrhClient:
    by_id = {c["businessId"]["value"]: c for c in companies}

    def handler(request):
        found = by_id.get(request.url.params.get("businessId"))
        return httpx.Response(
            200,
            json={
                "totalResults": int(bool(found)),
                "companies": [found] if found else [],
            },
        )

    return PrhClient(
        PrhSettings(base_url="https://prh.test/v3", retries=2, backoff=0),
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
    )


def test_a_page_of_100_companies_imported_twice_adds_nothing_the_second_time():
    report = services.prh_import_file(actor=None, path=PAGE_100, create=True)
    assert report.counts() == {
        "seen": 100,
        "created": 100,
        "updated": 0,
        "unchanged": 0,
        "not_in_register": 0,
        "reviews": 0,
        "flagged": 13,
        "failed": 0,
    }
    flagged = dict(
        Organization.objects.exclude(registry_situation="").values_list(
            "business_id", "registry_situation"
        )
    )
    assert {flagged[builders.business_id(i)] for i in builders.DISSOLVED} == {
        "dissolved"
    }
    assert {flagged[builders.business_id(i)] for i in builders.BANKRUPT} == {
        "bankruptcy"
    }
    assert {flagged[builders.business_id(i)] for i in builders.LIQUIDATED} == {
        "liquidation"
    }
    assert flagged[builders.business_id(30)] == "reorganisation"
    assert builders.business_id(31) not in flagged  # reorganisation is over
    sole = Organization.objects.get(business_id_q([builders.business_id(5)]))
    assert sole.sole_trader and sole.name == "Toiminimi Testaaja 5"

    # Provenance on each value: PRH, the batch, PRH's lastModified.
    org = Organization.objects.get(business_id_q([builders.business_id(14)]))
    sources = registry.value_sources(org)
    for f in ("name", "postal_street", "visiting_city", "industry_code", "business_id"):
        assert sources[f].source.code == "prh", f
        assert sources[f].import_batch == report.batch
        assert sources[f].source_modified_at.isoformat() == "2024-11-15T12:02:08+00:00"
    assert org.provenance.source.code == "prh"
    assert [n["name"] for n in org.registered_names] == [
        "Testiyhtiö 14 Oy",
        "Vanha Nimi 14 Oy",
    ]

    before = counts()
    again = services.prh_import_file(actor=None, path=PAGE_100, create=True)
    assert again.created == again.updated == again.reviews == 0
    assert again.unchanged == 100
    assert counts() == before
    assert ImportBatch.objects.get(pk=again.batch.pk).row_count == 100


def test_without_create_only_organizations_in_the_register_are_updated():
    make_org(business_id=builders.business_id(2), name="Testiyhtiö 2 Oy")
    report = services.prh_import_file(actor=None, path=PAGE_100)
    assert (report.updated, report.not_in_register, report.created) == (1, 99, 0)
    assert Organization.objects.count() == 1


def test_a_typed_value_is_not_overwritten_but_proposed_for_review():
    staff = make_staff(StaffRole.SALES)
    org = make_org(
        actor=staff,
        business_id="0250345-3",
        name="Accountor (typed)",
        postal_street="Typed street 5",
        postal_postal_code="00100",
        postal_city="Helsinki",
    )
    report = services.prh_import_file(actor=None, path=SAMPLE)
    assert report.reviews == 4  # name, postal street, postal code, post office
    org.refresh_from_db()
    assert org.name == "Accountor (typed)"
    assert org.postal_street == "Typed street 5"
    # Empty fields were filled straight away, registry facts always.
    assert org.visiting_street == "Keilaniementie 1"
    assert org.industry_code == "66190"
    assert registry.value_sources(org)["visiting_street"].source.code == "prh"
    pending = {r.field: r for r in RegistryReview.objects.filter(status="pending")}
    assert set(pending) == {
        "name",
        "postal_street",
        "postal_postal_code",
        "postal_city",
    }
    assert pending["name"].current_value == "Accountor (typed)"
    assert pending["name"].proposed_value == "Accountor Group Oy"
    # Nothing new on a second import: the proposals are already pending.
    assert services.prh_import_file(actor=None, path=SAMPLE).reviews == 0

    services.review_accept(actor=staff, review=pending["name"])
    org.refresh_from_db()
    assert org.name == "Accountor Group Oy"
    assert registry.value_sources(org)["name"].source.code == "prh"
    services.review_reject(actor=staff, review=pending["postal_street"])
    org.refresh_from_db()
    assert org.postal_street == "Typed street 5"
    with pytest.raises(Conflict):
        services.review_reject(actor=staff, review=pending["postal_street"])
    actions = list(
        AuditEvent.objects.filter(action__startswith="registry_review.")
        .order_by("id")  # the chain's order; unordered rows come in any order
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("registry_review.accept", staff.pk),
        ("registry_review.reject", staff.pk),
    ]
    # A rejected proposal is not raised again.
    assert services.prh_import_file(actor=None, path=SAMPLE).reviews == 0


def test_a_value_prh_set_before_follows_prh(write):
    services.prh_import_file(actor=None, path=SAMPLE, create=True)
    renamed = json.loads(SAMPLE.read_text())
    renamed["companies"][0]["names"][0]["name"] = "Accountor Oyj"
    report = services.prh_import_file(actor=None, path=write(renamed))
    assert (report.updated, report.reviews) == (1, 0)
    assert Organization.objects.get().name == "Accountor Oyj"


def test_a_staff_edit_turns_a_prh_value_into_a_typed_one(write):
    services.prh_import_file(actor=None, path=SAMPLE, create=True)
    org = Organization.objects.get()
    registry.organization_update(actor=None, organization=org, name="Our own name")
    renamed = json.loads(SAMPLE.read_text())
    renamed["companies"][0]["names"][0]["name"] = "Accountor Oyj"
    report = services.prh_import_file(actor=None, path=write(renamed))
    assert report.reviews == 1
    assert Organization.objects.get().name == "Our own name"


def test_bad_companies_are_reported_and_nothing_of_them_is_half_imported(write):
    page = builders.page(5)
    page["companies"][1]["businessId"]["value"] = "1234567-8"  # bad check digit
    page["companies"][2].pop("names")
    # Passes the mapper, refused by the register's validation.
    page["companies"][3]["addresses"][1]["postCode"] = "1234"
    report = services.prh_import_file(actor=None, path=write(page), create=True)
    assert report.created == 2
    assert [(f.position, f.code) for f in report.failures] == [
        (2, "invalid_business_id"),
        (3, "missing_name"),
        (4, "invalid_value"),
    ]
    assert "postal_postal_code" in report.failures[2].message
    assert not Organization.objects.filter(
        business_id_q([builders.business_id(3)])
    ).exists()
    # The batch is closed and the run audited with the counts.
    event = AuditEvent.objects.get(action="prh.import")
    assert event.details["failed"] == 3 and event.details["created"] == 2


def test_a_file_without_companies_is_a_clear_error(tmp_path):
    empty = tmp_path / "e.json"
    empty.write_text('{"totalResults": 0, "companies": []}')
    with pytest.raises(Conflict) as exc:
        services.prh_import_file(actor=None, path=empty)
    assert exc.value.code == "no_companies"
    with pytest.raises(ValidationFailed):
        services.prh_import_file(actor=None, path=tmp_path / "missing.json")


def test_refresh_one_organization_from_the_api():
    company = json.loads(SAMPLE.read_text())["companies"][0]
    org = make_org(business_id="0250345-3", name="Accountor Group Oy")
    report = services.prh_refresh_organization(
        actor=None, organization=org, client=fake_client([company])
    )
    assert report.updated == 1
    org.refresh_from_db()
    assert org.company_form_name == "Osakeyhtiö"
    assert org.registry_checked_at is not None
    other = make_org(business_id=builders.business_id(1))
    with pytest.raises(NotFound):
        services.prh_refresh_organization(
            actor=None, organization=other, client=fake_client([company])
        )


def test_refresh_all_reports_companies_prh_does_not_know():
    companies = builders.page(4)["companies"]
    for c in companies[:3]:
        make_org(business_id=c["businessId"]["value"], name=c["names"][0]["name"])
    make_org(business_id="0250345-3", name="Unknown to PRH")
    report = services.prh_refresh(actor=None, client=fake_client(companies))
    assert report.updated == 3
    assert [(f.business_id, f.code) for f in report.failures] == [
        ("0250345-3", "not_in_prh")
    ]
    with pytest.raises(ValidationFailed):
        services.prh_refresh(actor=None, business_id="123", client=fake_client([]))


def test_a_429_storm_during_refresh_keeps_what_was_done():
    companies = builders.page(3)["companies"]
    for c in companies:
        make_org(business_id=c["businessId"]["value"], name="Typed")
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) > 1:
            return httpx.Response(429, headers={"Retry-After": "1"})
        return httpx.Response(
            200, json={"totalResults": 1, "companies": [companies[0]]}
        )

    client = PrhClient(
        PrhSettings(base_url="https://prh.test/v3", retries=2),
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
    )
    with pytest.raises(Conflict) as exc:
        services.prh_refresh(actor=None, client=client)
    assert exc.value.code == "prh_unavailable"
    # The half-read stream of business IDs was closed where it stopped: no
    # server-side cursor is left for the garbage collector to close later,
    # inside some other transaction.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_cursors WHERE name LIKE %s", ["_django_curs_%"]
            )
            assert cursor.fetchone()[0] == 0
    # The first company was applied whole, in its own transaction.
    first = Organization.objects.get(
        business_id_q([companies[0]["businessId"]["value"]])
    )
    assert first.industry_code != ""
    assert RegistryReview.objects.filter(organization=first, field="name").exists()
    batch = ImportBatch.objects.latest("started_at")
    assert batch.finished_at is not None and batch.row_count == 1


def test_a_sole_traders_review_values_are_classified_as_personal():
    c = RegistryReview._meta.get_field("proposed_value").catalogue
    assert c.personal and c.when == "sole_trader" and c.subject == "organization"
    situation = Organization._meta.get_field("registry_situation").catalogue
    assert situation.personal and situation.when == "sole_trader"


def test_the_recorded_page_is_what_the_builders_describe():
    """The positions the tests rely on (DISSOLVED, BANKRUPT, …) are true of
    the saved file."""
    assert json.loads(PAGE_100.read_text()) == builders.page(100)


# What one company's import writes (the run's import batch is recorded first).
COMPANY_TABLES = (
    '"registry_provenance"',
    '"registry_organization"',
    '"registry_organizationvaluesource"',
    '"connectors_registryreview"',
)


def test_a_role_the_matrix_refuses_writes_nothing_for_the_company():
    """The enforcement point answers before the provenance row, the values
    and the review proposals of a company are written (not a rollback)."""
    make_org(business_id="0250345-3", name="Accountor (typed)")
    auditor = make_staff(StaffRole.AUDITOR)
    with CaptureQueriesContext(connection) as ctx:
        try:
            report = services.prh_import_file(actor=auditor, path=SAMPLE)
        except ServiceError as exc:
            assert exc.code == "need_to_know"
        else:
            assert report.updated == 0
    written = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and any(t in q["sql"] for t in COMPANY_TABLES)
    ]
    assert written == []


def test_a_registry_end_date_outside_the_bounds_is_refused_by_the_service():
    org = make_org(name="Raja Oy")
    prov = registry.provenance_record(actor=None, source="prh")
    with pytest.raises(ValidationFailed) as exc:
        registry.organization_set_from_source(
            actor=None,
            organization=org,
            provenance=prov,
            values={"registry_end_date": dt.date(9999, 12, 31)},
        )
    assert "registry_end_date" in exc.value.fields
