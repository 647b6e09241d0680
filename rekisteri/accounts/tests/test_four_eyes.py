"""Four eyes for the roles that read the most: a privacy officer or auditor
role is given only when a second administrator approves it, and the account
sets up its authenticator only with the one-time code from that approval."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts import enrolment, services
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import EnrolmentCode, RoleGrant, StaffUser
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict
from rekisteri.testing import TEST_PASSWORD, client_as, make_staff, totp_code

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client_as(user, client=client, reauth=True)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.parametrize("role", [StaffRole.PRIVACY_OFFICER, StaffRole.AUDITOR])
def test_role_change_waits_for_a_second_administrator(role):
    asker = make_staff(StaffRole.ADMINISTRATOR)
    other = make_staff(StaffRole.ADMINISTRATOR)
    # The account is an administrator too: it must not approve its own role.
    user = make_staff(StaffRole.ADMINISTRATOR)
    services.staff_user_set_role(actor=asker, user=user, role=role)
    user.refresh_from_db()
    assert user.role == StaffRole.ADMINISTRATOR  # not yet
    grant = RoleGrant.objects.get(user=user)
    assert grant.status == RoleGrant.Status.PENDING
    for wrong in (asker, user):
        with pytest.raises(Conflict) as exc:
            services.role_grant_decide(actor=wrong, grant_id=grant.pk, approve=True)
        assert exc.value.code == "four_eyes"
    user.refresh_from_db()
    assert user.role == StaffRole.ADMINISTRATOR
    grant, code = services.role_grant_decide(
        actor=other, grant_id=grant.pk, approve=True
    )
    user.refresh_from_db()
    assert user.role == role and grant.decided_by == other
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    stored = EnrolmentCode.objects.get(user=user)
    assert code.replace("-", "") not in stored.digest and len(stored.digest) == 64
    assert stored.expires_at > timezone.now()
    assert "role_grant.request" in actions()
    assert actions()[-3:] == [
        "role_grant.approve",
        "auth.role_change",
        "auth.enrolment_code_issue",
    ]
    denied = AuditEvent.objects.filter(outcome="denied", action="role_grant.approve")
    assert denied.count() == 2
    with pytest.raises(Conflict):
        services.role_grant_decide(actor=other, grant_id=grant.pk, approve=False)


def test_rejected_grant_leaves_the_role():
    asker, other = (
        make_staff(StaffRole.ADMINISTRATOR),
        make_staff(StaffRole.ADMINISTRATOR),
    )
    user = make_staff(StaffRole.BILLING)
    services.staff_user_set_role(actor=asker, user=user, role=StaffRole.AUDITOR)
    grant = RoleGrant.objects.get(user=user)
    _grant, code = services.role_grant_decide(
        actor=other, grant_id=grant.pk, approve=False
    )
    user.refresh_from_db()
    assert code == "" and user.role == StaffRole.BILLING
    assert actions()[-1] == "role_grant.reject"
    assert not EnrolmentCode.objects.exists()


def test_other_roles_change_at_once():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    user = make_staff(StaffRole.SALES)
    services.staff_user_set_role(actor=admin, user=user, role=StaffRole.BILLING)
    user.refresh_from_db()
    assert user.role == StaffRole.BILLING and not RoleGrant.objects.exists()


def test_an_administrator_cannot_make_a_new_privacy_officer_alone(client):
    admin = make_staff(StaffRole.ADMINISTRATOR)
    signed_in(client, admin)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": "uusi.tsv",
            "first_name": "Uusi",
            "last_name": "Vastaava",
            "role": StaffRole.PRIVACY_OFFICER,
            "new_password1": TEST_PASSWORD,
            "new_password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = StaffUser.objects.get(username="uusi.tsv")
    assert user.role == ""  # no access until approved
    grant = RoleGrant.objects.get(user=user, status=RoleGrant.Status.PENDING)
    assert grant.requested_by == admin
    # The asking administrator sees the request but cannot decide it.
    page = client.get(reverse("accounts:staff_list")).content.decode()
    assert "uusi.tsv" in page and "Toinen ylläpitäjä päättää" in page
    response = client.post(
        reverse("accounts:role_grant_decide", args=[grant.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == ""


def test_approval_in_the_admin_ui_needs_reauth_and_shows_the_code_once(client):
    asker = make_staff(StaffRole.ADMINISTRATOR)
    approver = make_staff(StaffRole.ADMINISTRATOR)
    user = make_staff(StaffRole.SALES)
    services.staff_user_set_role(actor=asker, user=user, role=StaffRole.AUDITOR)
    grant = RoleGrant.objects.get(user=user)
    client_as(approver, client=client)
    url = reverse("accounts:role_grant_decide", args=[grant.pk])
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302 and "reauth" in response["Location"]
    user.refresh_from_db()
    assert user.role == StaffRole.SALES
    signed_in(client, approver)
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    code = response.context["code"]
    assert code in response.content.decode()
    user.refresh_from_db()
    assert user.role == StaffRole.AUDITOR


def _approved(role=StaffRole.PRIVACY_OFFICER) -> tuple[StaffUser, str]:
    asker, other = (
        make_staff(StaffRole.ADMINISTRATOR),
        make_staff(StaffRole.ADMINISTRATOR),
    )
    user = make_staff(StaffRole.SALES)
    services.staff_user_set_role(actor=asker, user=user, role=role)
    grant = RoleGrant.objects.get(user=user)
    _grant, code = services.role_grant_decide(
        actor=other, grant_id=grant.pk, approve=True
    )
    user.refresh_from_db()
    return user, code


def _enrol(client, user, enrolment_code=None):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": TEST_PASSWORD},
    )
    page = client.get(reverse("accounts:mfa_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    data = {"code": totp_code(device)}
    if enrolment_code is not None:
        data["enrolment_code"] = enrolment_code
    return client.post(reverse("accounts:mfa_enrol"), data), page


def test_new_privacy_officer_cannot_enrol_with_the_password_alone(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _code = _approved()
    response, page = _enrol(client, user)
    assert "Käyttöönottokoodi" in page.content.decode()
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert AuditEvent.objects.filter(
        action="auth.mfa_enrol", outcome="failed"
    ).get().details == {"reason": "enrolment_code"}
    response, _page = _enrol(client, user, "ABCD-EFGH-JKLM-NPQR")
    assert response.status_code == 400


def test_enrolment_code_works_once(client):
    from rekisteri.accounts.mfa import mfa_reset

    user, code = _approved()
    response, _page = _enrol(client, user, code.lower())
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert EnrolmentCode.objects.get(user=user).used_at is not None
    # After a lost phone the old code does not set up a new authenticator.
    mfa_reset(actor=make_staff(StaffRole.ADMINISTRATOR), user=user)
    client.post(reverse("accounts:logout"))
    response, _page = _enrol(client, user, code)
    assert response.status_code == 400


def test_expired_enrolment_code_is_refused(client):
    user, code = _approved(StaffRole.AUDITOR)
    EnrolmentCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client_as(user, client=client)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        reverse("accounts:mfa_enrol"),
        {"code": totp_code(device), "enrolment_code": code},
    )
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_second_factor_reset_of_a_privacy_officer_gives_a_new_code(client):
    from rekisteri.testing import enrol_totp

    admin = make_staff(StaffRole.ADMINISTRATOR)
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    enrol_totp(officer)
    signed_in(client, admin)
    response = client.post(reverse("accounts:staff_mfa_reset", args=[officer.pk]))
    assert response.status_code == 200
    code = response.context["code"]
    assert enrolment.enrolment_code_check(officer, code) is not None


def test_only_administrators_decide_and_a_new_role_withdraws_a_request():
    from rekisteri.core.errors import Forbidden

    asker = make_staff(StaffRole.ADMINISTRATOR)
    user = make_staff(StaffRole.SALES)
    services.staff_user_set_role(actor=asker, user=user, role=StaffRole.AUDITOR)
    grant = RoleGrant.objects.get(user=user)
    with pytest.raises(Forbidden):
        services.role_grant_decide(
            actor=make_staff(StaffRole.PRIVACY_OFFICER), grant_id=grant.pk, approve=True
        )
    services.staff_user_set_role(actor=asker, user=user, role=StaffRole.BILLING)
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.REJECTED
    event = AuditEvent.objects.filter(action="role_grant.reject").get()
    assert event.details["reason"] == "superseded"
