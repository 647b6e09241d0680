"""Account administration, access reviews and dormant accounts."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.auth import register_failure
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import AccessReview, LoginThrottle, StaffUser
from rekisteri.accounts.selectors import access_review_rows
from rekisteri.accounts.sessions import mark_reauth
from rekisteri.audit.models import AuditEvent
from rekisteri.audit.services import audit_record
from rekisteri.testing import TEST_PASSWORD, client_as, enrol_totp, make_staff

pytestmark = pytest.mark.django_db


def admin_client(client):
    admin = make_staff(StaffRole.ADMINISTRATOR)
    client_as(admin, client=client, reauth=True)
    return admin


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.parametrize(
    "role", [StaffRole.SALES, StaffRole.PRIVACY_OFFICER, StaffRole.AUDITOR]
)
def test_only_administrators_manage_accounts(client, role):
    client_as(role, client=client)
    assert client.get(reverse("accounts:staff_list")).status_code == 403
    assert client.get(reverse("accounts:access_review")).status_code == 403


def test_staff_list_shows_accounts_and_lockouts(client):
    admin_client(client)
    locked = make_staff(StaffRole.SALES, username="lukittu")
    for _ in range(5):
        register_failure("lukittu", "192.0.2.1")
    page = client.get(reverse("accounts:staff_list")).content.decode()
    assert "lukittu" in page and "Lukittu" in page  # the badge, in Finnish
    assert locked.username in page


def test_create_account_applies_the_password_policy(client):
    admin = admin_client(client)
    url = reverse("accounts:staff_create")
    form = client.get(url).content.decode()
    assert "12" in form  # the minimum length is shown with the field
    data = {
        "username": "uusi",
        "first_name": "Uusi",
        "last_name": "Henkilö",
        "email": "",
        "role": "billing",
        "new_password1": "short",
        "new_password2": "short",
    }
    weak = client.post(url, data)
    assert weak.status_code == 200
    assert not StaffUser.objects.filter(username="uusi").exists()
    data["new_password1"] = data["new_password2"] = "password123456"
    common = client.post(url, data)
    assert not StaffUser.objects.filter(username="uusi").exists()
    assert common.status_code == 200
    data["new_password1"] = data["new_password2"] = "henkilö12345"
    similar = client.post(url, data)
    assert similar.status_code == 200
    assert not StaffUser.objects.filter(username="uusi").exists()
    data["new_password1"] = data["new_password2"] = "Vihreä-kettu-hyppää-42"
    ok = client.post(url, data)
    user = StaffUser.objects.get(username="uusi")
    assert ok["Location"] == reverse("accounts:staff_detail", args=[user.pk])
    assert user.password.startswith("argon2$argon2id$")
    event = AuditEvent.objects.get(action="staff_user.create")
    assert event.actor_id == admin.pk and event.details == {"role": "billing"}


def test_disable_and_enable(client):
    admin_client(client)
    user = make_staff(StaffRole.SALES)
    url = reverse("accounts:staff_active", args=[user.pk])
    client.post(url, {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    client.post(url, {"active": "1"})
    user.refresh_from_db()
    assert user.is_active
    assert actions() == ["staff_user.disable", "staff_user.enable"]


def test_administrator_cannot_disable_or_demote_themselves(client):
    admin = admin_client(client)
    client.post(reverse("accounts:staff_active", args=[admin.pk]), {"active": "0"})
    client.post(reverse("accounts:staff_role", args=[admin.pk]), {"role": "sales"})
    admin.refresh_from_db()
    assert admin.is_active and admin.role == StaffRole.ADMINISTRATOR
    assert actions() == []


def test_unlock_lets_the_account_log_in_again(client):
    admin_client(client)
    user = make_staff(StaffRole.SALES)
    for _ in range(5):
        register_failure(user.username, "192.0.2.1")
    other = client.__class__(REMOTE_ADDR="192.0.2.1")
    login = {"username": user.username, "password": TEST_PASSWORD}
    assert other.post(reverse("accounts:login"), login).status_code == 429
    client.post(reverse("accounts:staff_unlock", args=[user.pk]))
    assert other.post(reverse("accounts:login"), login).status_code == 302
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.details == {"was_locked": True}


def test_unlock_an_address(client):
    admin_client(client)
    for n in range(20):
        register_failure(f"x{n}", "192.0.2.77")
    row = LoginThrottle.objects.get(key="address:192.0.2.77")
    assert row.is_locked()
    client.post(reverse("accounts:address_unlock", args=[row.pk]))
    assert not LoginThrottle.objects.filter(pk=row.pk).exists()
    missing = client.post(reverse("accounts:address_unlock", args=[row.pk]))
    assert missing.status_code == 404


def test_mfa_reset_needs_reauth_and_is_audited(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = make_staff(StaffRole.ADMINISTRATOR)
    client_as(admin, client=client)
    user = make_staff(StaffRole.PRIVACY_OFFICER)
    enrol_totp(user)
    url = reverse("accounts:staff_mfa_reset", args=[user.pk])
    assert client.post(url)["Location"].startswith(reverse("accounts:reauth"))
    assert TOTPDevice.objects.filter(user=user).exists()
    session = client.session
    mark_reauth(session)
    session.save()
    client.post(url)
    assert not TOTPDevice.objects.filter(user=user).exists()
    # A privacy officer enrols again only with a new one-time code.
    assert actions() == ["auth.mfa_reset", "auth.enrolment_code_issue"]


def test_record_training(client):
    admin_client(client)
    user = make_staff(StaffRole.SALES, cleared=False)
    url = reverse("accounts:staff_training", args=[user.pk])
    future = timezone.localdate() + dt.timedelta(days=3)
    client.post(url, {"completed_on": future.isoformat()})
    assert not user.trainings.exists()
    client.post(
        url, {"completed_on": timezone.localdate().isoformat(), "course": "GDPR"}
    )
    assert user.trainings.get().course == "GDPR"
    event = AuditEvent.objects.get(action="staff_training.record")
    assert event.target_id == str(user.pk)


def test_access_review_report_and_decisions(client):
    admin = admin_client(client)
    user = make_staff(StaffRole.SALES)
    audit_record(
        actor=user,
        action="person.view",
        target_type="person",
        subject_id="5b0c36e4-8c2a-4f47-9d7e-0e3f1d2a9b11",
    )
    audit_record(actor=user, action="auth.logout", target_type="staff_user")
    rows = {r.user.pk: r for r in access_review_rows()}
    seen = AuditEvent.objects.get(action="person.view").at
    assert rows[user.pk].last_data_access == seen
    assert rows[user.pk].clearance.ok
    page = client.get(reverse("accounts:access_review")).content.decode()
    assert user.username in page
    url = reverse("accounts:access_review_decide", args=[user.pk])
    client.post(url, {"decision": "recertify"})
    review = AccessReview.objects.get(user=user)
    assert review.reviewer == admin and review.role == "sales"
    client.post(url, {"decision": "revoke"})
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(action="access_review.record").count() == 2


def test_disable_dormant_command(settings):
    settings.REKISTERI_DORMANT_DAYS = 90
    old = make_staff(StaffRole.SALES)
    StaffUser.objects.filter(pk=old.pk).update(
        last_login=timezone.now() - dt.timedelta(days=91)
    )
    never = make_staff(StaffRole.SALES)
    StaffUser.objects.filter(pk=never.pk).update(
        date_joined=timezone.now() - dt.timedelta(days=200)
    )
    fresh = make_staff(StaffRole.SALES)
    StaffUser.objects.filter(pk=fresh.pk).update(last_login=timezone.now())
    out = StringIO()
    call_command("disable_dormant", "--dry-run", stdout=out)
    assert "Would disable 2" in out.getvalue()
    assert StaffUser.objects.filter(is_active=False).count() == 0
    call_command("disable_dormant", stdout=StringIO())
    assert set(StaffUser.objects.filter(is_active=False)) == {old, never}
    events = AuditEvent.objects.filter(action="staff_user.disable")
    assert {e.details["reason"] for e in events} == {"dormant"}
    assert {e.actor_id for e in events} == {None}


def test_set_password_needs_reauth_and_the_policy(client):
    admin = make_staff(StaffRole.ADMINISTRATOR)
    client_as(admin, client=client)
    user = make_staff(StaffRole.SALES)
    url = reverse("accounts:staff_password", args=[user.pk])
    assert client.get(url)["Location"].startswith(reverse("accounts:reauth"))
    session = client.session
    mark_reauth(session)
    session.save()
    page = client.get(url).content.decode()
    assert "12" in page  # the rules are shown
    weak = client.post(url, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 200
    new = "Kesäpäivä-järven-rannalla-7"
    client.post(url, {"new_password1": new, "new_password2": new})
    user.refresh_from_db()
    assert user.check_password(new)
    assert actions() == ["auth.password_set"]


def test_replacing_an_authenticator_needs_reauth(client):
    user = make_staff(StaffRole.SALES)
    enrol_totp(user)
    client_as(user, client=client)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response["Location"].startswith(reverse("accounts:reauth"))
