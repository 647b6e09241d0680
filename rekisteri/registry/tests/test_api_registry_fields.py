"""The trade register's fields in the organization API, per role.

PRH sets names history, addresses, industry, company form, status,
situations and end date, with a provenance per field (docs/connectors.md).
The API returns them all; a sole trader's situation is the trader's
financial data, returned only to roles that may view the ``financial``
family, as the pages show it (``registry.auditing.situation_shown``), and
the list's, detail's and search's audit events name the families of what
they returned.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.audit.models import AuditEvent
from rekisteri.registry.models import DataSource, ImportBatch
from rekisteri.registry.services import (
    organization_set_from_source,
    provenance_record,
)
from rekisteri.testing import make_org, make_staff

pytestmark = pytest.mark.django_db

API = "/api/v1"
MODIFIED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
NAMES = [
    {
        "name": "Uusi Nimi Oy",
        "type": "1",
        "version": 1,
        "registration_date": "2020-01-01",
        "end_date": "",
    },
    {
        "name": "Vanha Nimi Oy",
        "type": "1",
        "version": 2,
        "registration_date": "2001-05-02",
        "end_date": "2019-12-31",
    },
]


def _from_prh(org, situation: str):
    batch = ImportBatch.objects.create(
        source=DataSource.objects.get(code="prh"), description="PRH file"
    )
    provenance = provenance_record(
        actor=None, source="prh", import_batch=batch, source_modified_at=MODIFIED
    )
    organization_set_from_source(
        actor=None,
        organization=org,
        provenance=provenance,
        values={
            "name": "Uusi Nimi Oy" if not org.sole_trader else org.name,
            "visiting_street": "Mannerheimintie 1",
            "visiting_postal_code": "00100",
            "visiting_city": "HELSINKI",
            "registered_names": NAMES,
            "company_form": "16",
            "company_form_name": "Osakeyhtiö",
            "industry_code": "62010",
            "industry_code_set": "TOL 2008",
            "industry_name": "Ohjelmistojen suunnittelu ja valmistus",
            "trade_register_status": "1",
            "registered_entries": [
                {
                    "type": "1",
                    "register": "1",
                    "authority": "2",
                    "description": "Rekisterissä",
                    "registration_date": "2001-05-02",
                    "end_date": "",
                }
            ],
            "registry_situation": situation,
            "registry_end_date": None,
            "registry_modified_at": MODIFIED,
        },
    )
    return batch


@pytest.fixture
def world():
    company = make_org(name="Yhtiö Oy")
    trader = make_org(name="Toiminimi Tiina Toimija", sole_trader=True)
    batch = _from_prh(company, "bankruptcy")
    _from_prh(trader, "liquidation")
    return company, trader, batch


def _client(role: str) -> Client:
    user = make_staff(role)
    _token, raw = api_token_create(actor=user, name="t", scope="read")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _get(client: Client, path: str) -> dict:
    response = client.get(f"{API}{path}")
    assert response.status_code == 200, response.content
    return response.json()


def _event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_the_registry_fields_and_their_provenance_are_returned(world):
    company, trader, batch = world
    got = _get(_client(StaffRole.SALES), f"/organizations/{company.pk}")
    assert got["name"] == "Uusi Nimi Oy"
    assert [(n["name"], n["end_date"]) for n in got["registered_names"]] == [
        ("Uusi Nimi Oy", None),
        ("Vanha Nimi Oy", "2019-12-31"),
    ]
    assert got["visiting_street"] == "Mannerheimintie 1"
    assert (got["company_form"], got["company_form_name"]) == ("16", "Osakeyhtiö")
    assert got["industry_code"] == "62010"
    assert got["industry_code_set"] == "TOL 2008"
    assert got["trade_register_status"] == "1"
    entry = got["registered_entries"][0]
    assert (entry["register_code"], entry["registration_date"]) == ("1", "2001-05-02")
    assert got["registry_situation"] == "bankruptcy"  # a company's is public
    assert got["registry_end_date"] is None
    assert dt.datetime.fromisoformat(got["registry_modified_at"]) == MODIFIED
    assert got["registry_checked_at"] is not None
    sources = {v["field"]: v for v in got["value_sources"]}
    assert sources["industry_code"]["source_code"] == "prh"
    assert sources["industry_code"]["import_batch_id"] == str(batch.pk)
    assert dt.datetime.fromisoformat(sources["name"]["source_modified_at"]) == MODIFIED
    assert "registry_situation" in sources


@pytest.mark.parametrize(
    "role,shown",
    [
        (StaffRole.SALES, False),
        (StaffRole.CUSTOMER_SERVICE, False),
        (StaffRole.BILLING, True),
        (StaffRole.PRIVACY_OFFICER, True),
    ],
)
def test_a_sole_traders_situation_only_to_roles_that_see_financial_data(
    world, role, shown
):
    company, trader, batch = world
    client = _client(role)

    detail = _get(client, f"/organizations/{trader.pk}")
    assert detail["registry_situation"] == ("liquidation" if shown else None)
    fields = {v["field"] for v in detail["value_sources"]}
    assert ("registry_situation" in fields) is shown
    assert detail["industry_code"] == "62010"  # the rest is the register's
    event = _event("organization.view")
    assert ("financial" in event.categories) is shown
    assert ("registry_situation" in event.fields) is shown
    assert {"name", "workplace"} <= set(event.categories)

    listed = {o["id"]: o for o in _get(client, "/organizations")["items"]}
    assert listed[str(trader.pk)]["registry_situation"] == (
        "liquidation" if shown else None
    )
    assert listed[str(company.pk)]["registry_situation"] == "bankruptcy"
    event = _event("organization.list")
    assert ("financial" in event.categories) is shown
    assert {"name", "workplace", "address", "identifiers"} <= set(event.categories)

    response = client.post(
        f"{API}/search",
        json.dumps({"q": trader.customer_number}),
        content_type="application/json",
    )
    found = response.json()["organizations"]
    assert found[0]["registry_situation"] == ("liquidation" if shown else None)
    event = _event("registry.search")
    assert ("financial" in event.categories) is shown
    assert "workplace" in event.categories


def test_an_active_sole_trader_is_withheld_alike(world):
    """Withheld is null whatever the situation, so null says nothing."""
    company, trader, batch = world
    active = make_org(name="Toiminimi Aktiivinen", sole_trader=True)
    _from_prh(active, "")
    client = _client(StaffRole.SALES)
    assert _get(client, f"/organizations/{active.pk}")["registry_situation"] is None
    assert _get(_client(StaffRole.BILLING), f"/organizations/{active.pk}")[
        "registry_situation"
    ] == ("")


def test_write_answers_withhold_a_sole_traders_situation(world):
    company, trader, batch = world
    user = make_staff(StaffRole.SALES)
    _token, raw = api_token_create(actor=user, name="t", scope="write")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.patch(
        f"{API}/organizations/{trader.pk}",
        json.dumps({"status": "former"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["registry_situation"] is None
