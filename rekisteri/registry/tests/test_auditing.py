"""The register's audit events: writes name fields, reads name families,
search never records its text, the person page shows only what the role may
view and records exactly that."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rekisteri.access.services import matrix_set
from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.registry import services
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def no_values_in(event: AuditEvent, *values: str) -> None:
    text = repr(
        (event.fields, event.categories, event.details, event.target_id, event.purpose)
    )
    for value in values:
        assert value not in text


# --------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------


def test_person_create_records_field_names_only():
    staff = make_staff()
    person = make_person(
        actor=staff,
        first_name="Ritva",
        last_name="Rekisteröity",
        emails=["ritva@example.fi"],
        phones=["040 111 2222"],
    )
    (event,) = events("person.create")
    assert event.actor_id == staff.pk
    assert event.subject_id == person.pk
    assert {"first_name", "last_name", "emails", "phones"} <= set(event.fields)
    assert {"name", "contact_email", "phone"} <= set(event.categories)
    no_values_in(event, "Ritva", "ritva@example.fi", "2222")


def test_person_update_records_only_the_changed_fields():
    staff = make_staff()
    person = make_person(actor=staff, emails=["a@example.fi"])
    services.person_update(
        actor=staff,
        person=person,
        street="Hämeenkatu 1",
        postal_code="33100",
        city="Tampere",
        emails=["a@example.fi"],
    )
    (event,) = events("person.update")
    assert event.fields == ["city", "postal_code", "street"]
    assert event.categories == ["address"]
    no_values_in(event, "Tampere")


def test_organization_and_role_writes_are_recorded():
    staff = make_staff()
    org = make_org(actor=staff, name="Auditoitu Oy")
    person = make_person(actor=staff)
    role = services.role_create(
        actor=staff, person=person, organization=org, kind="contact", title="CTO"
    )
    services.role_update(actor=staff, role=role, title="CEO")
    services.role_end(actor=staff, role=role)
    services.organization_update(actor=staff, organization=org, status="customer")
    services.role_delete(actor=staff, role=role)
    actions = [
        e.action
        for e in AuditEvent.objects.order_by("id")
        if e.action.startswith(("organization.", "role."))
    ]
    assert actions == [
        "organization.create",
        "role.create",
        "role.update",
        "role.end",
        "organization.update",
        "role.delete",
    ]
    assert events("role.update")[0].fields == ["title"]
    assert events("role.end")[0].fields == ["end_date"]
    assert events("role.create")[0].subject_id == person.pk
    no_values_in(events("role.update")[0], "CEO")
    assert events("organization.update")[0].fields == ["status"]


def test_a_refused_write_records_nothing():
    staff = make_staff()
    person = make_person(actor=staff)
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        services.person_update(actor=staff, person=person, first_name="")
    assert AuditEvent.objects.count() == before


def test_person_shred_records_field_names_and_no_reason_text():
    staff = make_staff(StaffRole.PRIVACY_OFFICER)
    person = make_person(actor=staff)
    services.person_shred(actor=staff, person=person, reason="Pyyntö 2026-11-28 Ritva")
    (event,) = events("person.shred")
    assert {"first_name", "emails.email", "phones.number"} <= set(event.fields)
    assert event.details == {"key_class": "crm", "destroyed": True}
    no_values_in(event, "Ritva", "Pyyntö")


# --------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------


def test_the_person_page_records_the_families_it_showed():
    sales = make_staff(StaffRole.SALES)
    person = make_person(emails=["nakyva@example.fi"], phones=["040 765 4321"])
    response = client_as(sales).get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    )
    assert response.status_code == 200
    (event,) = events("person.view")
    assert event.subject_id == person.pk
    assert event.purpose == "sales"
    assert set(event.categories) == {
        "name",
        "contact_email",
        "phone",
        "address",
        "preferences",
        "workplace",
    }


def test_a_family_the_role_may_not_view_is_neither_shown_nor_recorded():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(
        actor=admin,
        changes=[
            ("sales", "phone", "view", False),
            ("sales", "address", "view", False),
        ],
    )
    sales = make_staff(StaffRole.SALES)
    person = make_person(
        emails=["nakyva@example.fi"],
        phones=["040 765 4321"],
        street="Kuja 1",
        postal_code="00100",
        city="Salainenkylä",
    )
    body = (
        client_as(sales)
        .get(reverse("registry:person_detail", kwargs={"person_id": person.pk}))
        .content.decode()
    )
    assert "nakyva@example.fi" in body
    assert "765 4321" not in body
    assert "Salainenkylä" not in body
    (event,) = events("person.view")
    assert "phone" not in event.categories and "address" not in event.categories
    assert "phones" not in event.fields and "city" not in event.fields
    assert "contact_email" in event.categories


def test_lists_record_counts_and_families():
    sales = make_staff(StaffRole.SALES)
    make_org()
    make_person()
    client = client_as(sales)
    client.get(reverse("registry:organization_list"))
    client.get(reverse("registry:person_list"))
    (orgs,) = events("organization.list")
    (persons,) = events("person.list")
    assert orgs.details["count"] == 1 and "name" in orgs.categories
    assert persons.details["count"] == 1 and "contact_email" in persons.categories


def test_the_organization_page_records_its_people():
    sales = make_staff(StaffRole.SALES)
    org = make_org()
    person = make_person()
    services.role_create(actor=None, person=person, organization=org, kind="contact")
    client_as(sales).get(
        reverse("registry:organization_detail", kwargs={"organization_id": org.pk})
    )
    (event,) = events("organization.view")
    assert event.target_id == str(org.pk)
    assert event.details == {"page": "detail", "people": 1}
    assert "phone" in event.categories


def test_search_records_neither_the_query_nor_anything_typed():
    sales = make_staff(StaffRole.SALES)
    make_person(first_name="Salli", last_name="Salainen")
    client_as(sales).post(reverse("registry:search"), {"q": "Salainen"})
    (event,) = events("registry.search")
    assert event.details["length"] == len("Salainen")
    assert event.details["persons"] == 1
    assert event.details["kind"] == "name"
    assert len(event.details["digest"]) == 16
    no_values_in(event, "Salainen", "salainen")


def test_the_same_query_gives_the_same_digest():
    sales = make_staff(StaffRole.SALES)
    client = client_as(sales)
    client.post(reverse("registry:search"), {"q": "virtanen"})
    client.post(reverse("registry:search"), {"q": "Virtanen "})
    client.post(reverse("registry:search"), {"q": "korhonen"})
    digests = [e.details["digest"] for e in events("registry.search")]
    assert digests[0] == digests[1] != digests[2]


def test_a_refused_page_is_recorded_as_denied():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    person = make_person()
    response = client_as(admin).get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    )
    assert response.status_code == 403
    (event,) = events("access.denied")
    assert event.outcome == "denied"
    assert event.target_id == "registry:person_detail"
    # The refused attempt is linked to the person it targeted, so "who
    # accessed this person" shows it; the answer itself is the same 403.
    assert event.subject_id == person.pk
    assert not events("person.view")


def test_an_api_read_is_recorded_like_a_page():
    sales = make_staff(StaffRole.SALES)
    person = make_person()
    response = client_as(sales).get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200
    (event,) = events("person.view")
    assert event.details["page"] == "api"
    assert event.actor_id == sales.pk


def test_a_refused_api_call_is_recorded():
    auditor = make_staff(StaffRole.AUDITOR)
    response = client_as(auditor).get("/api/v1/persons")
    assert response.status_code == 403
    (event,) = events("access.denied")
    assert event.actor_id == auditor.pk
    assert event.target_type == "api"


def test_lists_and_search_drop_a_family_the_role_may_not_view():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("sales", "contact_email", "view", False)])
    sales = make_staff(StaffRole.SALES)
    make_person(first_name="Piilo", last_name="Posti", emails=["piilo@example.fi"])
    client = client_as(sales)
    listing = client.get(reverse("registry:person_list")).content.decode()
    found = client.post(reverse("registry:search"), {"q": "Piilo"}).content.decode()
    assert "Posti" in listing and "Posti" in found
    assert "piilo@example.fi" not in listing + found
    assert "contact_email" not in events("person.list")[0].categories
    assert "contact_email" not in events("registry.search")[0].categories


def test_the_api_withholds_a_family_the_role_may_not_view():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("sales", "phone", "view", False)])
    sales = make_staff(StaffRole.SALES)
    person = make_person(emails=["api@example.fi"], phones=["040 765 4321"])
    data = client_as(sales).get(f"/api/v1/persons/{person.pk}").json()
    assert data["phones"] == []
    assert data["withheld"] == ["phone"]
    assert data["emails"][0]["email"] == "api@example.fi"
    (event,) = events("person.view")
    assert "phone" not in event.categories and "phones" not in event.fields


def test_the_api_withholds_nothing_by_default():
    sales = make_staff(StaffRole.SALES)
    person = make_person(phones=["040 765 4321"])
    data = client_as(sales).get(f"/api/v1/persons/{person.pk}").json()
    assert data["withheld"] == []
    assert data["phones"][0]["number"] == "+358407654321"


def test_organization_create_names_the_fields_given():
    staff = make_staff()
    make_org(actor=staff, name="Nimetty Oy", postal_city="")
    (event,) = events("organization.create")
    assert "name" in event.fields and "customer_number" in event.fields
    assert "name_key" not in event.fields and "postal_city" not in event.fields
    assert event.subject_id is None


def test_api_lists_search_and_roles_withhold_what_the_role_may_not_view():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(
        actor=admin,
        changes=[
            ("sales", "contact_email", "view", False),
            ("sales", "phone", "view", False),
        ],
    )
    sales = make_staff(StaffRole.SALES)
    org = make_org()
    person = make_person(
        first_name="Liisa", emails=["liisa@example.fi"], phones=["040 765 4321"]
    )
    services.role_create(actor=None, person=person, organization=org, kind="contact")
    client = client_as(sales)
    listed = client.get("/api/v1/persons").json()["items"][0]
    found = client.post(
        "/api/v1/search", {"q": "Liisa"}, content_type="application/json"
    ).json()["persons"][0]
    (role,) = client.get(f"/api/v1/organizations/{org.pk}/roles").json()
    assert listed["first_name"] == found["first_name"] == "Liisa"
    assert listed["emails"] == found["emails"] == role["person"]["emails"] == []
    assert role["person"]["phones"] == []
    assert "contact_email" not in events("person.list")[0].categories
    assert "phone" not in events("organization.view")[0].categories


def test_a_write_to_a_family_the_role_may_not_change_is_refused_whole():
    from rekisteri.core.errors import Forbidden

    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("sales", "address", "change", False)])
    sales = make_staff(StaffRole.SALES)
    person = make_person(first_name="Ennallaan")
    with pytest.raises(Forbidden) as refused:
        services.person_update(
            actor=sales,
            person=person,
            first_name="Muutettu",
            street="Katu 2",
            postal_code="00100",
            city="Helsinki",
        )
    assert refused.value.code == "need_to_know"
    person.refresh_from_db()
    assert (person.first_name, person.city) == ("Ennallaan", "")
    assert not events("person.update")
    # What the role may change still goes through.
    services.person_update(actor=sales, person=person, first_name="Muutettu")
    assert events("person.update")[0].fields == ["first_name"]


def test_the_edit_form_is_refused_to_a_role_that_may_not_change_all_of_it():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("sales", "phone", "change", False)])
    sales = make_staff(StaffRole.SALES)
    person = make_person(phones=["040 765 4321"])
    response = client_as(sales).get(
        reverse("registry:person_edit", kwargs={"person_id": person.pk})
    )
    assert response.status_code == 403
    (event,) = events("access.denied")
    assert event.details["need_to_know"] == ["phone"]
    assert not events("person.view")


def test_an_api_list_records_every_family_it_returns():
    sales = make_staff(StaffRole.SALES)
    make_org()
    assert client_as(sales).get("/api/v1/organizations").status_code == 200
    (event,) = events("organization.list")
    # The list returns names, identifiers and both addresses.
    assert {"name", "identifiers", "address"} <= set(event.categories)


def _bankrupt(sole_trader: bool):
    org = make_org(sole_trader=sole_trader)
    type(org).objects.filter(pk=org.pk).update(registry_situation="bankruptcy")
    return org


@pytest.mark.parametrize(
    ("role", "sole_trader", "flag_shown"),
    [
        # A company's bankruptcy is public business data: every role sees it.
        (StaffRole.SALES, False, True),
        # A sole trader's is the person's financial data: only a role that
        # may view that family sees it (sales may not, billing may).
        (StaffRole.SALES, True, False),
        (StaffRole.BILLING, True, True),
    ],
)
def test_a_sole_traders_bankruptcy_is_shown_only_within_need_to_know(
    role, sole_trader, flag_shown
):
    user = make_staff(role)
    org = _bankrupt(sole_trader)
    client = client_as(user)
    listing = client.get(reverse("registry:organization_list")).content.decode()
    detail = client.get(
        reverse("registry:organization_detail", kwargs={"organization_id": org.pk})
    ).content.decode()
    assert ('data-registry-flag="bankruptcy"' in listing) is flag_shown
    assert ('data-registry-flag="bankruptcy"' in detail) is flag_shown
    (listed,) = events("organization.list")
    (viewed,) = events("organization.view")
    # The audit records the sole trader's financial data exactly when shown.
    recorded = sole_trader and flag_shown
    assert ("financial" in listed.categories) is recorded
    assert ("financial" in viewed.categories) is recorded
    assert ("registry_situation" in viewed.fields) is recorded
