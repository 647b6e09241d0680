"""Password policy and the change-password page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import TEST_PASSWORD, client_as, make_staff

pytestmark = pytest.mark.django_db


def test_argon2id_is_the_default_hasher():
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = get_hasher()
    assert hasher.encode("x" * 12, hasher.salt()).startswith("argon2$argon2id$")


def test_change_password_page_shows_the_rules(client):
    client_as(StaffRole.SALES, client=client)
    body = client.get(reverse("accounts:password_change")).content.decode()
    assert "12" in body  # minimum length, from the validator itself


@pytest.mark.parametrize(
    ("new", "field"),
    [
        ("lyhyt", "new_password1"),  # too short
        ("password1234", "new_password1"),  # common
        ("testi-käyttäjä", "new_password1"),  # like the user's name
    ],
)
def test_weak_new_passwords_are_refused(client, new, field):
    user = make_staff(first_name="Testi", last_name="Käyttäjä")
    client_as(user, client=client)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_change_password_needs_the_current_one_and_is_audited(client):
    user = make_staff()
    client_as(user, client=client)
    new = "Uusi-pitkä-salalause-2026"
    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-it-at-all", "new_password1": new, "new_password2": new},
    )
    assert wrong.context["form"].errors.get("old_password")
    ok = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert ok["Location"] == reverse("accounts:account")
    user.refresh_from_db()
    assert user.check_password(new)
    outcomes = list(
        AuditEvent.objects.filter(action="auth.password_change").values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == ["failed", "ok"]
    # The session survives its own password change.
    assert client.get(reverse("accounts:account")).status_code == 200
