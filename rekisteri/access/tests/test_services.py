"""Changing the matrix: administrators only, validated, audited per cell."""

import pytest

from rekisteri.access.models import NeedToKnowRule
from rekisteri.access.services import matrix_set
from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.core.errors import Forbidden, ValidationFailed
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def test_a_change_is_recorded_with_old_and_new_value():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    done = matrix_set(actor=admin, changes=[("billing", "communication", "view", True)])
    assert done == [("billing", "communication", "view", True)]
    event = AuditEvent.objects.get(action="matrix.change")
    assert event.actor_id == admin.pk
    assert event.details == {
        "role": "billing",
        "category": "communication",
        "action": "view",
        "old": False,
        "new": True,
    }


def test_an_unchanged_cell_records_nothing():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    assert matrix_set(actor=admin, changes=[("sales", "name", "view", True)]) == []
    assert not AuditEvent.objects.filter(action="matrix.change").exists()


def test_only_administrators_change_the_matrix():
    officer = make_staff(StaffRole.PRIVACY_OFFICER)
    with pytest.raises(Forbidden):
        matrix_set(actor=officer, changes=[("sales", "name", "view", False)])
    assert NeedToKnowRule.objects.get(
        role="sales", category="name", action="view"
    ).allowed


def test_one_bad_cell_refuses_the_whole_change():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    with pytest.raises(ValidationFailed) as caught:
        matrix_set(
            actor=admin,
            changes=[
                ("sales", "phone", "view", False),
                ("janitor", "name", "view", True),
                ("sales", "shoe_size", "view", True),
                ("sales", "name", "sing", True),
            ],
        )
    assert set(caught.value.fields) == {"role", "category", "action"}
    assert NeedToKnowRule.objects.get(
        role="sales", category="phone", action="view"
    ).allowed
    assert not AuditEvent.objects.filter(action="matrix.change").exists()


def test_the_first_change_on_an_empty_table_keeps_the_other_defaults():
    NeedToKnowRule.objects.all().delete()
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("sales", "phone", "view", False)])
    assert NeedToKnowRule.objects.get(
        role="sales", category="name", action="view"
    ).allowed
    assert not NeedToKnowRule.objects.get(
        role="sales", category="phone", action="view"
    ).allowed
