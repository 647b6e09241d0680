"""The register's organization pages: the list, create, detail and edit."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from rekisteri.registry.models import Organization, Role
from rekisteri.registry.tests.viewkit import NEXT_LINK, ORG_LINK, field_error, org_form
from rekisteri.testing import business_id, make_org, make_person

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------
# Organization list
# --------------------------------------------------------------------------


def test_organization_list_pages_through_everything_once(staff_client):
    created = {make_org(name=f"Yritys {i:02d} Oy").id for i in range(30)}
    seen: list[str] = []
    url = reverse("registry:organization_list")
    pages = 0
    while url:
        response = staff_client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        seen.extend(ORG_LINK.findall(content))
        match = NEXT_LINK.search(content)
        url = unescape(match.group(1)) if match else None
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 30
    assert {str(i) for i in created} == set(seen)


def test_organization_list_filters_by_status_and_type(staff_client):
    customer = make_org(name="Asiakas Oy", status="customer")
    prospect = make_org(name="Prospekti Oy", status="prospect")
    trader = make_org(name="Toiminimi Virtanen", status="customer", sole_trader=True)
    url = reverse("registry:organization_list")

    content = staff_client.get(url, {"status": "customer"}).content.decode()
    assert customer.name in content and trader.name in content
    assert prospect.name not in content

    content = staff_client.get(url, {"sole_trader": "1"}).content.decode()
    assert trader.name in content
    assert customer.name not in content

    content = staff_client.get(url, {"sole_trader": "0"}).content.decode()
    assert customer.name in content and prospect.name in content
    assert trader.name not in content

    # An unknown status is ignored rather than an error.
    assert staff_client.get(url, {"status": "bogus"}).status_code == 200


def test_organization_list_keeps_filters_on_the_next_page(staff_client):
    for i in range(27):
        make_org(name=f"Asiakas {i:02d} Oy", status="customer")
    make_org(name="Zeta Prospekti Oy", status="prospect")
    url = reverse("registry:organization_list")
    first = staff_client.get(url, {"status": "customer"}).content.decode()
    next_url = unescape(NEXT_LINK.search(first).group(1))
    assert "status=customer" in next_url
    second = staff_client.get(next_url).content.decode()
    assert len(ORG_LINK.findall(second)) == 2
    assert "Zeta Prospekti Oy" not in second


def test_organization_list_htmx_returns_only_the_table(staff_client):
    make_org(name="Osittainen Oy")
    response = staff_client.get(
        reverse("registry:organization_list"), HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Osittainen Oy" in content
    assert "<html" not in content
    assert 'id="org-table"' in content


def test_organization_list_unknown_cursor_is_404(staff_client):
    url = reverse("registry:organization_list")
    assert staff_client.get(url, {"after": "not-a-uuid"}).status_code == 404


# --------------------------------------------------------------------------
# Organization create, detail, edit
# --------------------------------------------------------------------------


def test_organization_create_form_defaults_to_finland(staff_client):
    content = staff_client.get(reverse("registry:organization_create")).content.decode()
    for name in ("postal_country", "visiting_country"):
        assert re.search(rf'name="{name}"[^>]*value="FI"', content), name
    assert '<label class="field__label" for="id_business_id">' in content


def test_organization_create_saves_and_redirects(staff_client):
    response = staff_client.post(
        reverse("registry:organization_create"),
        org_form(business_id=business_id(2_345_678)),
    )
    assert response.status_code == 302
    org = Organization.objects.get()
    assert response["Location"] == reverse(
        "registry:organization_detail", args=[org.id]
    )
    page = staff_client.get(response["Location"]).content.decode()
    assert org.customer_number in page
    assert org.business_id in page
    assert "00100 HELSINKI" in page
    assert "Tallennettu" in page


@pytest.mark.parametrize(
    ("overrides", "field_id", "expected"),
    [
        ({"business_id": "1234567-2"}, "id_business_id", "tarkiste"),
        ({"business_id": "abc"}, "id_business_id", "Y-tunnus"),
        ({"postal_postal_code": "123"}, "id_postal_postal_code", "viisi numeroa"),
        ({"name": ""}, "id_name", "pakollinen"),
    ],
)
def test_organization_create_errors_are_shown_in_place(
    staff_client, overrides, field_id, expected
):
    response = staff_client.post(
        reverse("registry:organization_create"), org_form(**overrides)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in field_error(content, field_id)
    assert f'aria-describedby="{field_id}_error"' in content or (
        f"{field_id}_error" in content and 'aria-invalid="true"' in content
    )
    assert Organization.objects.count() == 0


def test_organization_create_duplicate_business_id(staff_client):
    existing = make_org()
    response = staff_client.post(
        reverse("registry:organization_create"),
        org_form(business_id=existing.business_id),
    )
    assert response.status_code == 200
    assert "toisella" in field_error(response.content.decode(), "id_business_id")
    assert Organization.objects.count() == 1


def test_organization_detail_shows_people_current_and_ended(staff_client):
    org = make_org(
        name="Rooli Oy",
        postal_street="Aleksanterinkatu 5",
        postal_postal_code="00100",
        postal_city="Helsinki",
        visiting_street="Storgatan 1",
        visiting_postal_code="111 22",
        visiting_city="Stockholm",
        visiting_country="SE",
    )
    current = make_person(first_name="Nykyinen", last_name="Henkilö")
    former = make_person(first_name="Entinen", last_name="Henkilö")
    today = dt.date.today()
    Role.objects.create(
        person=current, organization=org, kind="contact", start_date=today
    )
    Role.objects.create(
        person=former,
        organization=org,
        kind="billing_contact",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=30),
    )
    content = staff_client.get(
        reverse("registry:organization_detail", args=[org.id])
    ).content.decode()
    assert org.customer_number in content
    assert org.vat_number in content
    ended_at = content.index("Päättyneet roolit")
    assert (
        content.index("Nykyinen Henkilö") < ended_at < content.index("Entinen Henkilö")
    )
    assert "00100 HELSINKI" in content
    assert "RUOTSI" in content  # country line only for a foreign address
    assert "SUOMI" not in content
    assert "Henkilökunta" in content  # provenance source, in Finnish
    assert f"{reverse('registry:person_create')}?organization={org.id}" in content


def test_organization_detail_missing_is_404(staff_client):
    url = reverse(
        "registry:organization_detail",
        args=["00000000-0000-0000-0000-000000000000"],
    )
    response = staff_client.get(url)
    assert response.status_code == 404
    assert "00000000" not in response.content.decode()


def test_organization_edit_changes_status(staff_client):
    org = make_org(name="Muokattava Oy", status="prospect")
    url = reverse("registry:organization_edit", args=[org.id])
    form = staff_client.get(url).content.decode()
    assert 'value="Muokattava Oy"' in form
    response = staff_client.post(
        url, org_form(name="Muokattava Oy", business_id=org.business_id)
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == "customer"
