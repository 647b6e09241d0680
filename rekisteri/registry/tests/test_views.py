"""The staff UI of the register, driven through Django's test client."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.models import Organization, Person, PersonPhone, Role
from rekisteri.testing import business_id, client_as, make_org, make_person

pytestmark = pytest.mark.django_db

NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')
ORG_LINK = re.compile(r'href="/organizations/([0-9a-f-]{36})/"')


@pytest.fixture
def staff_client(client):
    client_as(StaffRole.SALES, client=client)
    return client


def org_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Virtanen Ohjelmistot Oy",
        "business_id": "",
        "vat_number": "",
        "status": "customer",
        "postal_street": "Mannerheimintie 1",
        "postal_postal_code": "00100",
        "postal_city": "Helsinki",
        "postal_country": "FI",
        "visiting_street": "",
        "visiting_postal_code": "",
        "visiting_city": "",
        "visiting_country": "FI",
    }
    data.update(overrides)
    return data


def person_form(**overrides) -> dict:
    data = {
        "first_name": "Aino",
        "last_name": "Lahtinen",
        "preferred_language": "fi",
        "emails": ["aino.lahtinen@example.fi", ""],
        "phones": ["040 123 4567", ""],
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "FI",
    }
    data.update(overrides)
    return data


def field_error(content: str, field_id: str) -> str:
    """The text of the error block linked to ``field_id``, or ''."""
    match = re.search(
        rf'<div class="field__error" id="{re.escape(field_id)}_error">(.*?)</div>',
        content,
        re.S,
    )
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for name in ("registry:organization_list", "registry:person_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_administrator_cannot_read_the_register(client):
    client_as(StaffRole.ADMINISTRATOR, client=client)
    org = make_org()
    person = make_person()
    urls = [
        reverse("registry:organization_list"),
        reverse("registry:organization_detail", args=[org.id]),
        reverse("registry:person_list"),
        reverse("registry:person_detail", args=[person.id]),
        reverse("registry:search"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert person.last_name not in response.content.decode()
    # The start page does not send them into a wall of 403s.
    assert client.get(reverse("registry:home"))["Location"] == reverse(
        "accounts:tokens"
    )


def test_billing_may_read_but_not_change(client):
    client_as(StaffRole.BILLING, client=client)
    org = make_org()
    person = make_person()
    role = Role.objects.create(
        person=person,
        organization=org,
        kind="billing_contact",  # billing sees billing contacts only
        start_date=dt.date.today(),
    )
    assert client.get(reverse("registry:organization_list")).status_code == 200
    assert (
        client.get(reverse("registry:person_detail", args=[person.id])).status_code
        == 200
    )
    forbidden_get = [
        reverse("registry:organization_create"),
        reverse("registry:organization_edit", args=[org.id]),
        reverse("registry:person_create"),
        reverse("registry:person_edit", args=[person.id]),
        reverse("registry:role_create", args=[person.id]),
        reverse("registry:role_edit", args=[role.id]),
    ]
    for url in forbidden_get:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("registry:organization_create"), org_form()).status_code
        == 403
    )
    assert client.post(reverse("registry:role_end", args=[role.id])).status_code == 403
    role.refresh_from_db()
    assert role.end_date is None
    # Read-only users see no edit buttons.
    page = client.get(reverse("registry:organization_detail", args=[org.id]))
    assert (
        reverse("registry:organization_edit", args=[org.id])
        not in page.content.decode()
    )


def test_every_registry_view_declares_a_permission():
    from django.urls import get_resolver

    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "registry":
            continue
        for sub in pattern.url_patterns:
            assert getattr(sub.callback, "required_perm", None), sub.name


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


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------


def test_person_create_saves_emails_and_phones(staff_client):
    response = staff_client.post(reverse("registry:person_create"), person_form())
    assert response.status_code == 302
    person = Person.objects.get()
    assert [e.email for e in person.emails.all()] == ["aino.lahtinen@example.fi"]
    assert [p.number for p in person.phones.all()] == ["+358401234567"]
    page = staff_client.get(response["Location"]).content.decode()
    assert "040 1234567" in page


@pytest.mark.parametrize(
    ("overrides", "field_id", "expected"),
    [
        ({"emails": ["ei-osoite", ""]}, "id_emails", "sähköpostiosoite"),
        ({"phones": ["12", ""]}, "id_phones", "puhelinnumero"),
        ({"first_name": ""}, "id_first_name", "pakollinen"),
        (
            {"street": "Kotikatu 1", "postal_code": "", "city": "Espoo"},
            "id_postal_code",
            "osoitteeseen",
        ),
    ],
)
def test_person_create_errors_are_shown_in_place(
    staff_client, overrides, field_id, expected
):
    before = Person.objects.count()
    response = staff_client.post(
        reverse("registry:person_create"), person_form(**overrides)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in field_error(content, field_id).lower()
    assert Person.objects.count() == before


def test_person_create_duplicate_email_of_another_person(staff_client):
    make_person(emails=["jaettu@example.fi"])
    before = Person.objects.count()
    response = staff_client.post(
        reverse("registry:person_create"),
        person_form(emails=["JAETTU@example.fi", ""]),
    )
    assert response.status_code == 200
    assert "toiselle" in field_error(response.content.decode(), "id_emails")
    assert Person.objects.count() == before


def test_person_create_with_role_at_organization(staff_client):
    org = make_org(name="Kohde Oy")
    url = f"{reverse('registry:person_create')}?organization={org.id}"
    page = staff_client.get(url).content.decode()
    assert "Kohde Oy" in page
    data = person_form()
    data.update({"role-kind": "support_user", "role-title": "IT-päällikkö"})
    response = staff_client.post(url, data)
    assert response.status_code == 302
    role = Role.objects.get()
    assert role.organization == org
    assert role.kind == "support_user"
    assert role.start_date == dt.date.today()


def test_person_create_with_invalid_role_saves_nothing(staff_client):
    org = make_org()
    url = f"{reverse('registry:person_create')}?organization={org.id}"
    before = Person.objects.count()
    data = person_form()
    data.update(
        {
            "role-kind": "contact",
            "role-start_date": "2024-05-01",
            "role-end_date": "2024-04-01",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "ennen" in field_error(response.content.decode(), "id_role-end_date")
    assert Person.objects.count() == before
    assert Role.objects.count() == 0
    # The entered values survive the round trip.
    assert 'value="aino.lahtinen@example.fi"' in response.content.decode()


def test_person_create_for_unknown_organization_is_404(staff_client):
    url = f"{reverse('registry:person_create')}?organization=nope"
    assert staff_client.get(url).status_code == 404


def test_person_edit_changes_phone_and_detail_shows_it_formatted(staff_client):
    person = make_person(phones=["+358401234567"], emails=["vaihto@example.fi"])
    url = reverse("registry:person_edit", args=[person.id])
    form = staff_client.get(url).content.decode()
    assert 'value="040 1234567"' in form
    assert "Sähköposti 1" in form and "Sähköposti 2" in form
    assert "Puhelin 1" in form
    data = person_form(
        first_name=person.first_name,
        last_name=person.last_name,
        emails=["vaihto@example.fi", ""],
        phones=["050 765 4321", ""],
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert [p.number for p in PersonPhone.objects.all()] == ["+358507654321"]
    detail = staff_client.get(response["Location"]).content.decode()
    assert "050 7654321" in detail
    assert "040 1234567" not in detail


def test_person_edit_with_errors_keeps_input_and_saves_nothing(staff_client):
    person = make_person(first_name="Pysyvä", emails=["pysyva@example.fi"])
    url = reverse("registry:person_edit", args=[person.id])
    data = person_form(first_name="Uusi", emails=["pysyva@example.fi", "rikki"])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert field_error(content, "id_emails")
    assert 'value="rikki"' in content
    assert 'aria-describedby="id_emails_error"' in content
    person.refresh_from_db()
    assert person.first_name == "Pysyvä"


def test_person_detail_shows_roles_and_provenance(staff_client):
    org = make_org(name="Työpaikka Oy")
    person = make_person(
        first_name="Liisa",
        last_name="Koskinen",
        emails=["liisa@example.fi", "liisa.k@example.com"],
        phones=["+358501112222"],
        street="Kotikatu 3 B 12",
        postal_code="02100",
        city="Espoo",
    )
    Role.objects.create(
        person=person,
        organization=org,
        kind="contact",
        title="Toimitusjohtaja",
        start_date=dt.date(2023, 1, 1),
    )
    content = staff_client.get(
        reverse("registry:person_detail", args=[person.id])
    ).content.decode()
    assert content.index("liisa@example.fi") < content.index("liisa.k@example.com")
    assert "050 1112222" in content
    assert "02100 ESPOO" in content
    assert "Työpaikka Oy" in content
    assert reverse("registry:organization_detail", args=[org.id]) in content
    assert "Toimitusjohtaja" in content
    assert "Henkilökunta" in content


def test_person_list_paginates(staff_client):
    for i in range(27):
        make_person(last_name=f"Sukunimi{i:02d}")
    content = staff_client.get(reverse("registry:person_list")).content.decode()
    match = NEXT_LINK.search(content)
    assert match
    second = staff_client.get(unescape(match.group(1))).content.decode()
    # Newest first (names are encrypted): the oldest are on the second page.
    assert "Sukunimi00" in second
    assert "Sukunimi26" not in second


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


def test_role_create_resolves_customer_number_and_business_id(staff_client):
    org = make_org(name="Numero Oy")
    person = make_person()
    url = reverse("registry:role_create", args=[person.id])
    response = staff_client.post(
        url, {"organization": org.customer_number, "kind": "contact"}
    )
    assert response.status_code == 302
    response = staff_client.post(
        url,
        {
            "organization": org.business_id.replace("-", ""),
            "kind": "end_user",
            "start_date": "2024-01-15",
        },
    )
    assert response.status_code == 302
    kinds = set(Role.objects.filter(person=person).values_list("kind", flat=True))
    assert kinds == {"contact", "end_user"}


def test_role_create_unknown_organization_is_a_field_error(staff_client):
    person = make_person()
    response = staff_client.post(
        reverse("registry:role_create", args=[person.id]),
        {"organization": "99999", "kind": "contact"},
    )
    assert response.status_code == 200
    assert "asiakasnumeroa" in field_error(response.content.decode(), "id_organization")
    assert Role.objects.count() == 0


def test_role_edit_and_end(staff_client):
    org = make_org()
    person = make_person()
    role = Role.objects.create(
        person=person, organization=org, kind="contact", start_date=dt.date(2024, 1, 1)
    )
    response = staff_client.post(
        reverse("registry:role_edit", args=[role.id]),
        {"kind": "contact", "title": "Hankinta", "start_date": "2024-01-01"},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.title == "Hankinta"

    url = reverse("registry:role_end", args=[role.id])
    assert staff_client.get(url).status_code == 405
    response = staff_client.post(url, {"return_to": "organization"})
    assert response["Location"] == reverse(
        "registry:organization_detail", args=[org.id]
    )
    role.refresh_from_db()
    assert role.end_date == dt.date.today()


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


@pytest.fixture
def search_data():
    org = make_org(name="Hakuyhtiö Oy")
    other = make_org(name="Hakuväline Oy")
    person = make_person(
        first_name="Sanna",
        last_name="Hakulinen",
        emails=["sanna.hakulinen@example.fi"],
        phones=["+358401239876"],
    )
    return {"org": org, "other": other, "person": person}


def test_search_exact_identifiers_redirect_to_the_object(staff_client, search_data):
    org, person = search_data["org"], search_data["person"]
    url = reverse("registry:search")
    cases = [
        (
            "SANNA.hakulinen@example.fi",
            reverse("registry:person_detail", args=[person.id]),
        ),
        ("040 123 9876", reverse("registry:person_detail", args=[person.id])),
        (org.customer_number, reverse("registry:organization_detail", args=[org.id])),
        (org.business_id, reverse("registry:organization_detail", args=[org.id])),
    ]
    for q, expected in cases:
        response = staff_client.post(url, {"q": q})
        assert response.status_code == 302, q
        assert response["Location"] == expected
        assert q not in response["Location"]


def test_search_name_prefix_lists_matches(staff_client, search_data):
    response = staff_client.post(reverse("registry:search"), {"q": "haku"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hakuyhtiö Oy" in content
    assert "Hakuväline Oy" in content
    assert "Sanna Hakulinen" in content
    assert 'tag--small">Nimi</span>' in content  # what matched


def test_search_htmx_returns_a_partial_without_redirect(staff_client, search_data):
    response = staff_client.post(
        reverse("registry:search"),
        {"q": search_data["org"].customer_number},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert "Hakuyhtiö Oy" in content
    assert "Asiakasnumero" in content


def test_search_by_get_does_not_search(staff_client, search_data):
    response = staff_client.get(reverse("registry:search"), {"q": "Hakulinen"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Sanna Hakulinen" not in content
    assert "Hakulinen" not in content


def test_search_no_matches(staff_client, search_data):
    response = staff_client.post(reverse("registry:search"), {"q": "zzzz"})
    assert response.status_code == 200
    assert "Ei osumia" in response.content.decode()


def test_search_forms_never_put_the_query_in_a_url(staff_client):
    content = staff_client.get(reverse("registry:organization_list")).content.decode()
    header = re.search(r'<form class="globalsearch".*?</form>', content, re.S).group(0)
    assert 'method="post"' in header
    assert "hx-post" in header
    assert "hx-get" not in header and "hx-push-url" not in header


# --------------------------------------------------------------------------
# Language, error pages, security headers
# --------------------------------------------------------------------------


def test_language_switch_to_english(staff_client):
    url = reverse("registry:organization_list")
    assert "Organisaatiot" in staff_client.get(url).content.decode()
    response = staff_client.post(
        reverse("set_language"), {"language": "en", "next": url}
    )
    assert response.status_code == 302
    content = staff_client.get(url).content.decode()
    assert "Organizations" in content
    assert "Organisaatiot" not in content
    assert '<html lang="en">' in content


def test_pages_send_csp_and_load_no_inline_script(staff_client):
    org = make_org()
    response = staff_client.get(reverse("registry:organization_detail", args=[org.id]))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    content = response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)", content) is None
    assert " style=" not in content
    assert "<style" not in content


def test_404_page_is_friendly_and_has_no_request_data(staff_client):
    response = staff_client.get("/organizations/secret-path-xyz/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "secret-path-xyz" not in content
    assert "Sivua ei löytynyt" in content


def test_500_template_renders_without_context():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "Rekisteri" in html
    assert "{%" not in html
