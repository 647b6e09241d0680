"""The person page's query budget (docs/benchmarks.md, Observations).

A person with everything the page shows — emails, phones, current and ended
roles, contracts they are a party to, messages, invoices they are the billing
contact of — is opened by every role that may read the register. The page
must stay within its role's budget of statements on the main database (the
key store's look-up of the person's key is on its own database), the audit
write included, and still record what it showed: every event of the page in
one append (rekisteri/audit/batching.py).

The budgets are what the page costs today; a change that adds a query fails
here and must either remove one elsewhere or raise the budget on purpose.
The aim was 8 (docs/benchmarks.md, Audit log, says where the statements went).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.verify import verify_chain
from rekisteri.contracts.choices import PartyKind
from rekisteri.contracts.services import contract_party_add
from rekisteri.messaging import services as messaging
from rekisteri.messaging.choices import Channel, Direction
from rekisteri.registry.choices import RoleKind
from rekisteri.registry.services import role_create, role_end
from rekisteri.testing import client_as, make_org, make_person, make_staff
from rekisteri.testing.billing import make_invoice
from rekisteri.testing.contracts import make_contract

pytestmark = pytest.mark.django_db

# Statements on the main database for one person page, the audit write
# included: the session; the account with its clearance, matrix row and
# person scope (accounts.backends); the person with their emails and phones
# (each with its provenance), the sections' flags, due dates, notice
# versions and contract parties; their roles; the append (head lock, INSERT
# and head update — on PostgreSQL the INSERT moves the head, one statement
# less). Billing also reads invoices and open collection cases; the privacy
# officer those, the access history and the rights engine's receipts.
BUDGET = {
    StaffRole.SALES: 7,
    StaffRole.CUSTOMER_SERVICE: 7,
    StaffRole.BILLING: 9,
    StaffRole.PRIVACY_OFFICER: 11,
}
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _rich_person():
    org = make_org(
        postal_street="Testitie 2", postal_postal_code="02100", postal_city="Espoo"
    )
    other = make_org()
    person = make_person(
        first_name="Kaisa",
        last_name="Kattava",
        emails=["kaisa@example.fi", "kaisa.k@example.com"],
        phones=["040 1234567", "09 1234567"],
        street="Katu 1",
        postal_code="00100",
        city="Helsinki",
    )
    role_create(
        actor=None,
        person=person,
        organization=org,
        kind=RoleKind.BILLING_CONTACT,
        start_date=dt.date(2020, 1, 1),
    )
    role_create(
        actor=None,
        person=person,
        organization=other,
        kind=RoleKind.CONTACT,
        start_date=dt.date(2020, 1, 1),
    )
    ended = role_create(
        actor=None,
        person=person,
        organization=other,
        kind=RoleKind.END_USER,
        start_date=dt.date(2019, 1, 1),
    )
    role_end(actor=None, role=ended, end_date=dt.date(2021, 1, 1))
    for _ in range(2):
        contract = make_contract(org, active=True)
        contract_party_add(
            actor=None, contract=contract, person=person, kind=PartyKind.CONTACT
        )
    for n in range(3):
        messaging.message_create(
            actor=None,
            person=person,
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            occurred_at=T0 + dt.timedelta(minutes=n),
            subject=f"Aihe {n}",
            body=f"Runko {n}",
        )
    for _ in range(2):
        make_invoice(organization=org, contact=person)
    return person


@pytest.mark.parametrize(
    "role",
    [
        StaffRole.SALES,
        StaffRole.CUSTOMER_SERVICE,
        StaffRole.BILLING,
        StaffRole.PRIVACY_OFFICER,
    ],
)
def test_the_person_page_stays_within_its_query_budget(role):
    person = _rich_person()
    client = client_as(role)
    url = reverse("registry:person_detail", kwargs={"person_id": person.pk})
    client.get(url)  # the first request of a session may warm caches
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    budget = BUDGET[role] - (1 if connection.vendor == "postgresql" else 0)
    assert len(statements) <= budget, "\n".join(statements)
    # One append for every event of the page: one head lock, one INSERT.
    inserts = [s for s in statements if 'INSERT INTO "audit_auditevent"' in s]
    locks = [s for s in statements if s.startswith("UPDATE audit_audithead")]
    assert len(inserts) == 1 and len(locks) == 1
    # The page still records what it showed, per family.
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    view = next(e for e in events if e.action == "person.view")
    assert view.subject_id == person.pk
    assert "name" in view.categories and "first_name" in view.fields
    # The emails and phones the role may see are shown, with where each came
    # from, and named in the event.
    html = response.content.decode()
    for family, field, values in (
        ("contact_email", "emails", ("kaisa@example.fi", "kaisa.k@example.com")),
        ("phone", "phones", ("040 1234567", "09 1234567")),
    ):
        shown = field in view.fields
        assert shown == (family in view.categories)
        assert all((value in html) == shown for value in values), field
    assert (
        html.count('<div class="provenance">')
        == 2
        + len([f for f in ("emails", "phones") if f in view.fields]) * 2
        + person.roles.filter(end_date__isnull=True).count()
    )
    assert all(e.subject_id == person.pk for e in events if e.subject_id)


def test_the_access_history_shows_every_read_of_the_person_exactly():
    """Who accessed this person: each page view appears once, in the order the
    chain holds them, with the reader and the families shown."""
    person = _rich_person()
    readers = [make_staff(StaffRole.SALES), make_staff(StaffRole.BILLING)]
    url = reverse("registry:person_detail", kwargs={"person_id": person.pk})
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    for reader in [*readers, readers[0]]:
        client = client_as(reader)
        assert client.get(url).status_code == 200
    officer = client_as(StaffRole.PRIVACY_OFFICER)
    page = officer.get(reverse("audit:person_access", kwargs={"person_id": person.pk}))
    assert page.status_code == 200
    views = list(
        AuditEvent.objects.filter(
            id__gt=start, subject_id=person.pk, action="person.view"
        ).order_by("id")
    )
    assert [e.actor_id for e in views] == [readers[0].pk, readers[1].pk, readers[0].pk]
    html = page.content.decode()
    for reader in readers:
        assert reader.username in html
    result = verify_chain()
    assert result.ok, result.problem
