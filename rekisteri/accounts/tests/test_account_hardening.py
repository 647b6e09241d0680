"""Stolen sessions and planted sessions: re-authentication for grants and
token minting, revocation on password reset, role change and disable, and
a new session key at every login step."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from rekisteri.accounts import services
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import ApiToken, StaffUser
from rekisteri.testing import TEST_PASSWORD, client_as, enrol_totp, make_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "uusi-salasana-2026-kevät"


def stale_client(user: StaffUser) -> Client:
    """Logged in long ago (no recent re-authentication): a stolen session."""
    client = client_as(user)
    return client


def test_minting_an_api_token_needs_recent_reauthentication() -> None:
    user = make_staff(StaffRole.SALES)
    client = stale_client(user)
    assert client.get(reverse("accounts:tokens")).status_code == 200  # list ok
    response = client.post(
        reverse("accounts:tokens"), {"name": "x", "scope": "read", "days": 30}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not ApiToken.objects.filter(user=user).exists()


def test_creating_an_account_and_recording_training_need_reauthentication() -> None:
    admin = make_staff(StaffRole.ADMINISTRATOR)
    client = stale_client(admin)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": "uusi.tietosuoja",
            "role": StaffRole.PRIVACY_OFFICER,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "first_name": "Uusi",
            "last_name": "Vastaava",
            "email": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not StaffUser.objects.filter(username="uusi.tietosuoja").exists()
    other = make_staff(StaffRole.SALES, cleared=False)
    response = client.post(
        reverse("accounts:staff_training", args=[other.pk]),
        {"completed_on": "2026-01-05", "course": "x"},
    )
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not other.trainings.exists()


def test_signing_the_attestation_needs_reauthentication() -> None:
    user = make_staff(StaffRole.SALES, cleared=False)
    client = stale_client(user)
    response = client.post(reverse("accounts:attestation"), {"agree": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert not user.attestations.exists()


def sessions_of(user: StaffUser) -> int:
    return sum(
        1
        for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )


@pytest.mark.parametrize("change", ["disable", "password", "role"])
def test_reset_role_change_and_disable_end_tokens_and_sessions(change) -> None:
    admin = make_staff(StaffRole.ADMINISTRATOR)
    user = make_staff(StaffRole.SALES)
    victim_session = stale_client(user)
    _token, raw = services.api_token_create(actor=user, name="t", scope="read")
    assert sessions_of(user) == 1
    if change == "disable":
        services.staff_user_set_active(actor=admin, user=user, active=False)
        services.staff_user_set_active(actor=admin, user=user, active=True)
    elif change == "password":
        services.staff_user_set_password(actor=admin, user=user, password=NEW_PASSWORD)
    else:
        services.staff_user_set_role(actor=admin, user=user, role=StaffRole.BILLING)
    assert sessions_of(user) == 0
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    # The old session does not come back (after re-enabling, too).
    assert victim_session.get(reverse("accounts:account")).status_code == 302
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/persons").status_code == 401


def test_the_password_step_gives_a_new_session_key() -> None:
    user = make_staff(StaffRole.ADMINISTRATOR)
    enrol_totp(user)
    client = Client()
    planted = client.session  # a session an attacker could have planted
    planted["x"] = 1
    planted.save()
    key = planted.session_key
    client.cookies["sessionid"] = key
    client.post(
        reverse("accounts:login"),
        {"username": user.get_username(), "password": TEST_PASSWORD},
    )
    assert client.cookies["sessionid"].value != key
    assert not Session.objects.filter(session_key=key).exists()
