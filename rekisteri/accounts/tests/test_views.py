"""Log-in and the personal API token pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import ApiToken
from rekisteri.accounts.services import api_token_authenticate, api_token_create
from rekisteri.testing import TEST_PASSWORD, client_as, fresh_login, make_staff

pytestmark = pytest.mark.django_db

PLAINTEXT = re.compile(r"rk_[0-9a-f]{12}_[A-Za-z0-9_-]+")


def test_login_page_renders_with_labels(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<label class="field__label" for="id_username">' in content
    assert '<label class="field__label" for="id_password">' in content
    assert "Kirjaudu" in content
    assert 'class="skip-link"' in content


def test_login_with_password_and_logout(client):
    user = make_staff(StaffRole.SALES)
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:home")
    page = client.get(reverse("registry:organization_list")).content.decode()
    assert user.get_full_name() in page
    assert "Myynti" in page  # the role, in Finnish

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("registry:organization_list")).status_code == 302


def test_login_with_wrong_password_shows_an_error(client):
    user = make_staff()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "wrong"}
    )
    # 401: refused credentials (the page still shows the form and the error).
    assert response.status_code == 401
    assert 'role="alert"' in response.content.decode()


def test_tokens_page_requires_login(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_role_may_manage_own_tokens(client):
    client_as(StaffRole.AUDITOR, client=client)
    assert client.get(reverse("accounts:tokens")).status_code == 200


def test_token_create_shows_plaintext_once(client):
    user = make_staff()
    fresh_login(client, user)
    response = client.post(
        reverse("accounts:tokens"), {"name": "Laskutus", "scope": "write", "days": "30"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    found = PLAINTEXT.findall(content)
    assert len(set(found)) == 1
    plaintext = found[0]
    token = api_token_authenticate(plaintext)
    assert token is not None and token.user == user and token.scope == "write"
    assert response["Cache-Control"] == "no-store, private"

    again = client.get(reverse("accounts:tokens")).content.decode()
    assert plaintext not in again
    assert not PLAINTEXT.search(again)
    assert "Laskutus" in again


def test_token_create_errors_are_shown(client):
    fresh_login(client, make_staff())
    response = client.post(
        reverse("accounts:tokens"), {"name": "", "scope": "read", "days": "999"}
    )
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert 'id="id_days_error"' in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_token_revoke(client):
    user = make_staff()
    token, plaintext = api_token_create(actor=user, name="Vanha")
    client_as(user, client=client)
    url = reverse("accounts:token_revoke", args=[token.id])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert api_token_authenticate(plaintext) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_another_users_token_is_404(client):
    owner = make_staff()
    token, plaintext = api_token_create(actor=owner, name="Toisen")
    client_as(StaffRole.SALES, client=client)
    response = client.post(reverse("accounts:token_revoke", args=[token.id]))
    assert response.status_code == 404
    assert api_token_authenticate(plaintext) is not None
    # Another user's tokens are not listed either.
    assert "Toisen" not in client.get(reverse("accounts:tokens")).content.decode()
