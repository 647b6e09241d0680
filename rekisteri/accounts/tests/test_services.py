"""Account services: validation first, nothing half-saved, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from rekisteri.accounts.auth import account_key, pair_key, register_failure
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import ConfidentialityAttestation, LoginThrottle
from rekisteri.accounts.services import (
    access_review_record,
    attestation_sign,
    staff_user_create,
    staff_user_set_role,
    training_record,
)
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Conflict, ValidationFailed
from rekisteri.testing import TEST_PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def test_create_refuses_weak_password_and_unknown_role_together():
    with pytest.raises(ValidationFailed) as exc:
        staff_user_create(actor=None, username="uusi", password="short", role="boss")
    assert set(exc.value.fields) == {"password", "role"}
    assert not AuditEvent.objects.exists()


def test_create_refuses_a_taken_name_in_any_case():
    make_staff(username="Aino")
    with pytest.raises(ValidationFailed) as exc:
        staff_user_create(
            actor=None, username="aino", password=TEST_PASSWORD, role="sales"
        )
    assert exc.value.fields["username"][0][0] == "username_taken"


def test_role_change_validates_and_ignores_no_change():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    user = make_staff(StaffRole.SALES)
    with pytest.raises(ValidationFailed):
        staff_user_set_role(actor=admin, user=user, role="king")
    with pytest.raises(Conflict):
        staff_user_set_role(actor=admin, user=admin, role="sales")
    staff_user_set_role(actor=admin, user=user, role="sales")
    assert not AuditEvent.objects.exists()


def test_training_in_the_future_is_refused():
    user = make_staff(cleared=False)
    with pytest.raises(ValidationFailed):
        training_record(
            actor=None,
            user=user,
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert not user.trainings.exists()


@override_settings(REKISTERI_ATTESTATION_VERSION="3")
def test_an_outdated_attestation_version_cannot_be_signed():
    user = make_staff(cleared=False)
    with pytest.raises(Conflict):
        attestation_sign(actor=user, version="2")
    attestation_sign(actor=user, version="3")
    attestation_sign(actor=user, version="3")  # twice is once
    assert ConfidentialityAttestation.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="staff_attestation.sign").count() == 1


def test_reviewers_cannot_review_themselves():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    with pytest.raises(Conflict):
        access_review_record(actor=admin, user=admin, decision="recertify")
    with pytest.raises(ValidationFailed):
        access_review_record(actor=admin, user=make_staff(), decision="maybe")


def test_throttle_never_stores_the_name_and_forgets_old_counters():
    register_failure("Salainen.Nimi", "192.0.2.1")
    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    # Counted per name and client address together (a keyed digest of the
    # name), never per name alone, so no one can lock a colleague out.
    assert pair_key("salainen.nimi ", "192.0.2.1") in keys
    assert account_key("salainen.nimi ") not in keys
    assert not any("salainen" in k.lower() for k in keys)
    LoginThrottle.objects.update(
        window_started_at=timezone.now() - dt.timedelta(days=1)
    )
    register_failure("toinen", "192.0.2.2")
    assert pair_key("Salainen.Nimi", "192.0.2.1") not in set(
        LoginThrottle.objects.values_list("key", flat=True)
    )
