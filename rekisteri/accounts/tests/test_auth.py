"""The login: password, lockout, second factor, and their audit events."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import LoginThrottle
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

LOGIN = "/accounts/login/"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def post_login(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in(client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


# --------------------------------------------------------------------------
# Password step
# --------------------------------------------------------------------------


def test_login_records_the_event_with_the_account_id(client):
    user = make_staff(StaffRole.SALES)
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 302
    [event] = events("auth.login")
    assert event.actor_id == user.pk
    assert event.target_id == str(user.pk)
    assert event.details == {"mfa": False}
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_of_an_existing_account_is_recorded_by_id_only(client):
    user = make_staff(StaffRole.SALES, username="maija")
    response = post_login(client, "maija", "wrong-password-123")
    assert response.status_code == 401
    [event] = events("auth.login_failed")
    assert event.outcome == "failed"
    assert event.target_type == "staff_user" and event.target_id == str(user.pk)
    assert event.actor_id is None and event.actor_label == ""
    assert "maija" not in str(event.details)
    assert not logged_in(client)


def test_unknown_user_name_is_not_stored_anywhere(client):
    response = post_login(client, "nobody-by-this-name", "whatever-password")
    assert response.status_code == 401
    [event] = events("auth.login_failed")
    assert event.target_id == "" and event.actor_label == ""
    assert (
        "nobody" not in repr(AuditEvent.objects.values().get(pk=event.pk))
        and not LoginThrottle.objects.filter(key__contains="nobody").exists()
    )


def test_disabled_account_is_refused_exactly_like_a_wrong_password(client):
    user = make_staff(StaffRole.SALES, username="entinen")
    user.is_active = False
    user.save()
    disabled = post_login(client, "entinen", TEST_PASSWORD)
    unknown = post_login(client, "tuntematon", TEST_PASSWORD)
    wrong = post_login(client, make_staff().username, "wrong-password-123")
    assert disabled.status_code == unknown.status_code == wrong.status_code == 401

    def message(r) -> str:
        body = r.content.decode()
        start = body.index('class="error-summary"')
        return body[start : body.index("</div>", start)]

    assert message(disabled) == message(unknown) == message(wrong)
    reasons = [e.details["reason"] for e in events("auth.login_failed")]
    assert reasons == ["disabled", "credentials", "credentials"]
    assert not logged_in(client)


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=3)
def test_account_locks_after_failures_even_with_the_right_password(client):
    user = make_staff(StaffRole.SALES)
    for _ in range(2):
        assert post_login(client, user.username, "wrong-password-1").status_code == 401
    assert post_login(client, user.username, "wrong-password-1").status_code == 429
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert events("auth.login_failed")[-1].details == {"reason": "locked"}
    assert events("auth.login_failed")[-1].outcome == "denied"


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=3)
def test_unknown_names_lock_exactly_like_existing_ones(client):
    """Lockout must not reveal whether an account exists."""
    make_staff(StaffRole.SALES, username="olemassa")
    answers = {}
    for name in ("olemassa", "eiolemassa"):
        answers[name] = [
            post_login(client, name, "wrong-password-1").status_code for _ in range(4)
        ]
    assert answers["olemassa"] == answers["eiolemassa"] == [401, 401, 429, 429]


@override_settings(
    REKISTERI_LOCKOUT_ACCOUNT_FAILURES=100, REKISTERI_LOCKOUT_ADDRESS_FAILURES=3
)
def test_client_address_locks_across_user_names(client):
    user = make_staff(StaffRole.SALES)
    for n in range(3):
        post_login(client, f"guess{n}", "wrong-password-1")
    assert post_login(client, user.username, TEST_PASSWORD).status_code == 429
    other = client.__class__(REMOTE_ADDR="192.0.2.50")
    assert post_login(other, user.username, TEST_PASSWORD).status_code == 302


def test_success_clears_the_account_failures(client):
    user = make_staff(StaffRole.SALES)
    post_login(client, user.username, "wrong-password-1")
    assert post_login(client, user.username, TEST_PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(key__startswith="pair:").exists()


def test_next_is_followed_only_within_the_site(client):
    user = make_staff(StaffRole.SALES)
    response = client.post(
        LOGIN,
        {
            "username": user.username,
            "password": TEST_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("registry:home")


def test_logout_is_audited(client):
    user = make_staff(StaffRole.SALES)
    post_login(client, user.username, TEST_PASSWORD)
    client.post(reverse("accounts:logout"))
    [event] = events("auth.logout")
    assert event.actor_id == user.pk
    assert not logged_in(client)


# --------------------------------------------------------------------------
# Second factor
# --------------------------------------------------------------------------


def test_enrolled_user_is_not_logged_in_before_the_code(client):
    user = make_staff(StaffRole.SALES)
    enrol_totp(user)
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response["Location"] == reverse("accounts:mfa_verify")
    assert not logged_in(client)
    assert not events("auth.login")


def test_login_with_totp(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    response = login_with_totp(client, user, device)
    assert response.status_code == 302
    assert logged_in(client)
    assert events("auth.login")[0].details == {"mfa": True}
    [verify] = events("auth.mfa_verify")
    assert verify.outcome == "ok" and verify.details == {"method": "totp"}


def test_wrong_totp_is_refused_and_audited(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    post_login(client, user.username, TEST_PASSWORD)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    assert response.status_code == 401
    assert not logged_in(client)
    [event] = events("auth.mfa_verify")
    assert event.outcome == "failed" and event.details == {"reason": "wrong"}
    assert event.target_id == str(user.pk)


def test_replayed_totp_is_refused(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    code = totp_code(device)
    login_with_totp(client, user, device)
    client.post(reverse("accounts:logout"))
    post_login(client, user.username, TEST_PASSWORD)
    response = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 401
    assert "käytetty" in response.content.decode()  # "used already"
    assert not logged_in(client)
    assert events("auth.mfa_verify")[-1].details == {"reason": "replayed"}


def test_code_page_without_a_password_goes_back_to_login(client):
    response = client.get(reverse("accounts:mfa_verify"))
    assert response["Location"] == reverse("accounts:login")


def test_required_role_enrols_at_first_login_and_gets_recovery_codes(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_staff(StaffRole.ADMINISTRATOR)
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response["Location"] == reverse("accounts:mfa_enrol")
    assert not logged_in(client)
    page = client.get(reverse("accounts:mfa_enrol"))
    body = page.content.decode()
    assert "<svg" in body and "otpauth://totp/" in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert logged_in(client)
    device.refresh_from_db()
    assert device.confirmed
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "auth.mfa_enrol",
        "auth.login",
    ]


def test_required_role_cannot_skip_enrolment(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    post_login(client, user.username, TEST_PASSWORD)
    assert client.get(reverse("registry:organization_list")).status_code == 302
    assert not logged_in(client)


def test_recovery_code_works_once(client):
    from rekisteri.accounts.mfa import _new_recovery_codes

    user = make_staff(StaffRole.PRIVACY_OFFICER)
    enrol_totp(user)
    codes = _new_recovery_codes(user)
    post_login(client, user.username, TEST_PASSWORD)
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert response.status_code == 302 and logged_in(client)
    assert events("auth.mfa_verify")[0].details == {"method": "recovery"}
    client.post(reverse("accounts:logout"))
    post_login(client, user.username, TEST_PASSWORD)
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert response.status_code == 401 and not logged_in(client)


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=2)
def test_wrong_codes_lock_the_account(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    post_login(client, user.username, TEST_PASSWORD)
    client.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's own delay is not what is tested
    response = client.post(reverse("accounts:mfa_verify"), {"code": "000001"})
    assert response.status_code == 429
    # The pending login is gone: the right code no longer helps.
    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
    assert response["Location"] == reverse("accounts:login")
    assert not logged_in(client)


def test_user_enrols_from_the_account_page(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_staff(StaffRole.SALES)
    client_as(user, client=client)
    assert client.get(reverse("accounts:mfa_enrol")).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(reverse("accounts:mfa_enrol"), {"code": "12345"})
    assert wrong.status_code == 400
    ok = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)})
    assert ok.status_code == 200 and len(ok.context["codes"]) == 10
    assert [e.outcome for e in events("auth.mfa_enrol")] == ["failed", "ok"]
    # From now on the login asks for the code.
    client.post(reverse("accounts:logout"))
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response["Location"] == reverse("accounts:mfa_verify")


def test_password_alone_cannot_enrol_a_new_authenticator(client):
    """With only the password, enrolling another device would skip the code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_staff(StaffRole.PRIVACY_OFFICER)
    enrol_totp(user)
    post_login(client, user.username, TEST_PASSWORD)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response["Location"] == reverse("accounts:mfa_verify")
    response = client.post(reverse("accounts:mfa_enrol"), {"code": "123456"})
    assert response["Location"] == reverse("accounts:mfa_verify")
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert not logged_in(client)


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=2)
def test_giving_the_password_again_does_not_reset_wrong_code_counts(client):
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    device = enrol_totp(user)
    for _attempt in range(2):
        post_login(client, user.username, TEST_PASSWORD)
        device.refresh_from_db()
        device.throttle_reset()
        response = client.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    assert response.status_code == 429
    assert post_login(client, user.username, TEST_PASSWORD).status_code == 429
