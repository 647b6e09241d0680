"""Bad input: each refused with the right status and an audit event, none
revealing whether an account exists."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create, api_token_revoke
from rekisteri.accounts.sessions import SESSION_SEEN
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import (
    TEST_PASSWORD,
    client_as,
    enrol_totp,
    login_with_totp,
    make_staff,
    totp_code,
)

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_missing_csrf_token_is_403_and_audited():
    user = make_staff(StaffRole.SALES)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 403
    event = last("access.csrf_failed")
    assert event.outcome == "denied" and event.details["reason"] == "missing"
    assert user.username not in str(event.details)
    assert client.get(reverse("accounts:account")).status_code == 302


def test_anonymous_csrf_refusals_are_audited_once_a_minute_per_address():
    """Anyone may post to the public forms: a script posting without a
    token gets 403 every time, but only its first refusal a minute is an
    audit event (each takes the chain's lock); another address is audited
    on its own."""
    login = reverse("accounts:login")
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        assert client.post(login, {"username": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="access.csrf_failed").count() == 1
    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.7")
    assert other.post(login, {"username": "x"}).status_code == 403
    events = AuditEvent.objects.filter(action="access.csrf_failed")
    assert events.count() == 2


def test_a_signed_in_user_s_csrf_refusals_are_each_audited():
    user = make_staff(StaffRole.SALES)
    client = client_as(user, client=Client(enforce_csrf_checks=True))
    client.get(reverse("accounts:account"))  # sets the CSRF cookie
    for _ in range(3):
        response = client.post(
            reverse("accounts:attestation"),
            {"agree": "yes", "csrfmiddlewaretoken": "x" * 64},
        )
        assert response.status_code == 403
    events = AuditEvent.objects.filter(action="access.csrf_failed", actor_id=user.pk)
    assert events.count() == 3


def test_forged_csrf_token_is_403_and_audited():
    user = make_staff(StaffRole.SALES)
    client = client_as(user, client=Client(enforce_csrf_checks=True))
    client.get(reverse("accounts:account"))  # sets the CSRF cookie
    response = client.post(
        reverse("accounts:attestation"),
        {"agree": "yes", "csrfmiddlewaretoken": "x" * 64},
    )
    assert response.status_code == 403
    assert last("access.csrf_failed").actor_id == user.pk


def test_expired_session_is_refused_and_audited(client):
    user = make_staff(StaffRole.SALES)
    client_as(user, client=client)
    client.get(reverse("accounts:account"))
    session = client.session
    session[SESSION_SEEN] = time.time() - 24 * 3600
    session.save()
    response = client.get(reverse("registry:organization_list"))
    assert response.status_code == 302
    assert last("auth.session_expired").actor_id == user.pk


def test_revoked_api_token_is_401_and_audited(client):
    user = make_staff(StaffRole.SALES)
    token, plain = api_token_create(actor=user, name="sync")
    api_token_revoke(actor=user, token_id=token.id)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 401
    event = last("auth.token_refused")
    assert event.details == {"reason": "revoked"}
    assert event.target_id == str(token.id)


def test_unknown_api_token_is_401_like_a_revoked_one(client):
    response = client.get(
        "/api/v1/me", HTTP_AUTHORIZATION="Bearer rk_0123456789ab_nothing"
    )
    assert response.status_code == 401
    event = last("auth.token_refused")
    assert event.details == {"reason": "unknown"} and event.target_id == ""


def test_disabled_account_token_is_refused(client):
    user = make_staff(StaffRole.SALES)
    _token, plain = api_token_create(actor=user, name="sync")
    user.is_active = False
    user.save()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 401
    assert last("auth.token_refused").details == {"reason": "disabled"}


def test_disabled_account_session_ends(client):
    user = make_staff(StaffRole.SALES)
    client_as(user, client=client)
    user.is_active = False
    user.save()
    response = client.get(reverse("registry:organization_list"))
    assert response.status_code == 302  # Django's ModelBackend drops the user


def test_disabled_account_login_looks_like_a_wrong_password(client):
    user = make_staff(StaffRole.SALES)
    user.is_active = False
    user.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 401
    event = last("auth.login_failed")
    assert event.details == {"reason": "disabled"}


def test_wrong_and_replayed_totp(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    code = totp_code(device)
    login_with_totp(client, user, device)
    client.post(reverse("accounts:logout"))
    client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": TEST_PASSWORD},
    )
    replay = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert replay.status_code == 401
    assert last("auth.mfa_verify").details == {"reason": "replayed"}
    device.refresh_from_db()
    device.throttle_reset()
    wrong = client.post(reverse("accounts:mfa_verify"), {"code": "abc"})
    assert wrong.status_code == 401
    assert last("auth.mfa_verify").details == {"reason": "wrong"}
