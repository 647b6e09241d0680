"""Training and confidentiality gate the reading of personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.clearance import add_months, clearance_of
from rekisteri.accounts.models import ConfidentialityAttestation, TrainingRecord
from rekisteri.accounts.permissions import Perm, has_perm
from rekisteri.accounts.services import api_token_create
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import client_as, fresh_login, make_staff

TODAY = dt.date(2026, 6, 15)


@given(
    day=st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), months=st.integers(0, 36)
)
def test_add_months_lands_in_the_right_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_add_months_clamps_to_the_month_end():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)


@pytest.mark.django_db
def test_new_account_without_training_reads_nothing_personal():
    user = make_staff(StaffRole.SALES, cleared=False)
    assert not has_perm(user, Perm.REGISTRY_VIEW)
    # Its own tokens and its account page stay open.
    assert has_perm(user, Perm.OWN_TOKENS) and has_perm(user, Perm.AUTHENTICATED)


@pytest.mark.django_db
def test_both_training_and_attestation_are_needed():
    user = make_staff(StaffRole.SALES, cleared=False)
    TrainingRecord.objects.create(user=user, completed_on=dt.date.today())
    assert not clearance_of(user, today=dt.date.today()).ok
    ConfidentialityAttestation.objects.create(user=user, text_version="1")
    assert clearance_of(user, today=dt.date.today()).ok


@pytest.mark.django_db
@override_settings(REKISTERI_TRAINING_VALID_MONTHS=12)
def test_training_expires_after_the_validity():
    user = make_staff(StaffRole.SALES, cleared=False)
    TrainingRecord.objects.create(user=user, completed_on=dt.date(2025, 6, 15))
    ConfidentialityAttestation.objects.create(user=user, text_version="1")
    assert clearance_of(user, today=dt.date(2026, 6, 14)).ok
    assert not clearance_of(user, today=TODAY).ok


@pytest.mark.django_db
@override_settings(REKISTERI_CLEARANCE_WARNING_DAYS=30)
def test_expiry_warning_ahead_of_time():
    user = make_staff(StaffRole.SALES, cleared=False)
    TrainingRecord.objects.create(user=user, completed_on=dt.date(2025, 7, 1))
    assert clearance_of(user, today=dt.date(2026, 6, 1)).expiring_soon
    assert not clearance_of(user, today=dt.date(2026, 5, 1)).expiring_soon


@pytest.mark.django_db
@override_settings(REKISTERI_ATTESTATION_VERSION="2")
def test_a_new_attestation_text_must_be_signed_again():
    user = make_staff(StaffRole.SALES, cleared=False)
    TrainingRecord.objects.create(user=user, completed_on=dt.date.today())
    ConfidentialityAttestation.objects.create(user=user, text_version="1")
    assert not clearance_of(user).attestation_current


@pytest.mark.django_db
def test_uncleared_user_sees_why_and_what_to_do(client):
    user = make_staff(StaffRole.SALES, cleared=False)
    client_as(user, client=client)
    response = client.get(reverse("registry:organization_list"))
    assert response.status_code == 403
    body = response.content.decode()
    assert reverse("accounts:attestation") in body
    assert "koulutus" in body  # training, in Finnish


@pytest.mark.django_db
def test_staff_sign_the_attestation_themselves(client):
    user = make_staff(StaffRole.SALES, cleared=False)
    TrainingRecord.objects.create(user=user, completed_on=dt.date.today())
    fresh_login(client, user)
    unticked = client.post(reverse("accounts:attestation"), {"version": "1"})
    assert unticked.status_code == 200
    assert not ConfidentialityAttestation.objects.filter(user=user).exists()
    client.post(reverse("accounts:attestation"), {"version": "1", "agree": "yes"})
    assert ConfidentialityAttestation.objects.filter(user=user).exists()
    assert client.get(reverse("registry:organization_list")).status_code == 200
    assert AuditEvent.objects.filter(action="staff_attestation.sign").count() == 1


@pytest.mark.django_db
def test_the_api_is_gated_too(client):
    user = make_staff(StaffRole.SALES, cleared=False)
    _token, plain = api_token_create(actor=user, name="t")
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert me.status_code == 200  # who-am-I reads no register data
    response = client.get("/api/v1/organizations", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_administrators_are_not_gated_for_account_management():
    admin = make_staff(StaffRole.ADMINISTRATOR, cleared=False)
    assert has_perm(admin, Perm.ACCOUNTS_MANAGE)
