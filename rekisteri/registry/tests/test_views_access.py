"""The register's pages: who may see and change them, language, error pages
and security headers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.models import Role
from rekisteri.registry.tests.viewkit import org_form
from rekisteri.testing import client_as, make_org, make_person

pytestmark = pytest.mark.django_db

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
