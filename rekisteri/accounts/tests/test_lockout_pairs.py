"""Lockout by account and address together, with growing delays, and a
bounded audit of refused attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from rekisteri.accounts.auth import register_failure
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.models import LoginThrottle
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import TEST_PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str) -> int:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}
    ).status_code


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=3)
def test_failures_from_elsewhere_do_not_lock_the_staff_member_out() -> None:
    user = make_staff(StaffRole.SALES)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        login(attacker, user.username, "wrong-password-1")
    assert login(attacker, user.username, TEST_PASSWORD) == 429
    at_work = Client(REMOTE_ADDR="192.0.2.10")
    assert login(at_work, user.username, TEST_PASSWORD) == 302


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=3, REKISTERI_LOCKOUT_MINUTES=30)
def test_delays_grow_with_each_failure_after_the_limit() -> None:
    delays = []
    for _ in range(6):
        register_failure("kohde", "203.0.113.9")
        row = LoginThrottle.objects.get(key__startswith="pair:")
        if row.locked_until is not None:
            delays.append((row.locked_until - timezone.now()).total_seconds())
            # The delay has passed; the next failure comes after it.
            row.locked_until = timezone.now() - timedelta(seconds=1)
            row.save()
    assert len(delays) == 4
    assert all(b > a for a, b in zip(delays, delays[1:], strict=False)), delays
    assert delays[-1] <= 30 * 60


@override_settings(REKISTERI_LOCKOUT_ACCOUNT_FAILURES=3)
def test_refused_attempts_on_a_lock_are_audited_at_most_once_a_minute() -> None:
    user = make_staff(StaffRole.SALES)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        login(client, user.username, "wrong-password-1")
    for _ in range(20):
        assert login(client, user.username, TEST_PASSWORD) == 429
    locked = AuditEvent.objects.filter(
        action="auth.login_failed", details__reason="locked"
    )
    assert locked.count() == 1
