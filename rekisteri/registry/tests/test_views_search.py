"""The register's search from the page header."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db

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
