"""Idle and absolute session timeouts, and re-authentication."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.conf import setting
from rekisteri.accounts.sessions import SESSION_REAUTH, SESSION_SEEN, SESSION_STARTED
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import (
    TEST_PASSWORD,
    client_as,
    enrol_totp,
    make_staff,
    totp_code,
)

pytestmark = pytest.mark.django_db


def set_session(client, **values) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_idle_session_expires_to_the_login_page(client, settings):
    user = make_staff(StaffRole.SALES)
    client_as(user, client=client)
    assert client.get(reverse("accounts:account")).status_code == 200
    idle = setting("REKISTERI_SESSION_IDLE_MINUTES") * 60
    set_session(client, **{SESSION_SEEN: time.time() - idle - 5})
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:login") + "?expired=1&next=%2Faccounts%2F"
    )
    [event] = AuditEvent.objects.filter(action="auth.session_expired")
    assert event.actor_id == user.pk and event.details == {"reason": "idle"}
    # The session is gone, not just redirected once.
    assert client.get(reverse("accounts:account")).status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'role="status"' in page


def test_absolute_limit_ends_even_an_active_session(client, settings):
    client_as(StaffRole.SALES, client=client)
    client.get(reverse("accounts:account"))
    limit = setting("REKISTERI_SESSION_MAX_HOURS") * 3600
    set_session(
        client, **{SESSION_STARTED: time.time() - limit - 5, SESSION_SEEN: time.time()}
    )
    assert client.get(reverse("accounts:account")).status_code == 302
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.details == {"reason": "absolute"}


def test_expired_session_on_the_api_is_401(client, settings):
    client_as(StaffRole.SALES, client=client)
    client.get("/api/v1/me")
    set_session(client, **{SESSION_SEEN: time.time() - 10 * 3600})
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_role_change_needs_recent_authentication(client):
    admin = make_staff(StaffRole.ADMINISTRATOR)
    target = make_staff(StaffRole.SALES)
    client_as(admin, client=client)
    url = reverse("accounts:staff_role", kwargs={"user_id": target.pk})
    response = client.post(url, {"role": "billing"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    target.refresh_from_db()
    assert target.role == "sales"
    # Re-authenticate (password and TOTP for an enrolled admin) and retry.
    device = enrol_totp(admin)
    wrong = client.post(
        reverse("accounts:reauth"),
        {"password": TEST_PASSWORD, "code": "000000", "next": url},
    )
    assert wrong.status_code == 401
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's one-second delay after a failure
    ok = client.post(
        reverse("accounts:reauth"),
        {"password": TEST_PASSWORD, "code": totp_code(device), "next": url},
    )
    assert ok["Location"] == url
    assert client.post(url, {"role": "billing"}).status_code == 302
    target.refresh_from_db()
    assert target.role == "billing"
    [change] = AuditEvent.objects.filter(action="auth.role_change")
    assert change.details == {
        "old": "sales",
        "new": "billing",
        "sessions_ended": 0,
        "tokens_revoked": 0,
    }
    assert change.actor_id == admin.pk and change.target_id == str(target.pk)
    outcomes = list(
        AuditEvent.objects.filter(action="auth.reauth").values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == ["failed", "ok"]


def test_reauth_window_closes(client, settings):
    admin = make_staff(StaffRole.ADMINISTRATOR)
    target = make_staff(StaffRole.SALES)
    client_as(admin, client=client)
    old = time.time() - setting("REKISTERI_REAUTH_MINUTES") * 60 - 5
    set_session(client, **{SESSION_REAUTH: old})
    url = reverse("accounts:staff_role", kwargs={"user_id": target.pk})
    assert client.get(url)["Location"].startswith(reverse("accounts:reauth"))
    set_session(client, **{SESSION_REAUTH: time.time()})
    assert client.get(url).status_code == 200
