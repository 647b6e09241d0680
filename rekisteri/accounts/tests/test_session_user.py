"""The session's account, loaded with its clearance and the preloads in one
statement compiled once per process (rekisteri/accounts/backends.py): each
request still reads the values of that moment, for that account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rekisteri.accounts.backends import StaffBackend, take_preloaded
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.clearance import clearance_of
from rekisteri.accounts.models import TrainingRecord
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def test_each_account_comes_with_its_own_clearance_and_preloads():
    sales = make_staff(StaffRole.SALES)
    uncleared = make_staff(StaffRole.BILLING, cleared=False)
    backend = StaffBackend()
    for user, ok in ((sales, True), (uncleared, False), (sales, True)):
        with CaptureQueriesContext(connection) as captured:
            loaded = backend.get_user(str(user.pk))
            assert loaded == user and loaded.role == user.role
            assert loaded.username == user.username
            assert loaded.password == user.password
            assert clearance_of(loaded).ok is ok
            assert set(take_preloaded(loaded, "access")) == {
                "access_rules",
                "access_rules_any",
                "access_scope",
                "access_scope_any",
            }
            assert take_preloaded(loaded, "access") is None
        # One statement reads the account (the first may also let Django
        # probe the database's features).
        reads = [q["sql"] for q in captured.captured_queries if "staffuser" in q["sql"]]
        assert len(reads) == 1


def test_a_change_between_requests_is_read_by_the_next_one():
    user = make_staff(StaffRole.SALES, cleared=False)
    backend = StaffBackend()
    assert not clearance_of(backend.get_user(user.pk)).training_current
    TrainingRecord.objects.create(user=user, completed_on=timezone.localdate())
    assert clearance_of(backend.get_user(user.pk)).training_current


def test_no_account_for_an_unknown_or_malformed_id():
    backend = StaffBackend()
    assert backend.get_user(10**9) is None
    assert backend.get_user("not-a-number") is None
    inactive = make_staff(StaffRole.SALES, is_active=False)
    assert backend.get_user(inactive.pk) is None
