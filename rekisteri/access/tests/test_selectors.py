"""visible_families: what each role may see, from the matrix."""

import pytest

from rekisteri.access.choices import Action
from rekisteri.access.models import NeedToKnowRule
from rekisteri.access.selectors import matrix_table, visible_families
from rekisteri.access.services import matrix_set
from rekisteri.accounts.choices import StaffRole
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db


def test_billing_sees_billing_data_but_not_message_bodies():
    billing = make_staff(StaffRole.BILLING)
    shown = visible_families(billing, Action.VIEW)
    assert {"name", "contact_email", "financial"} <= shown
    assert "communication" not in shown


def test_administrators_read_no_personal_data_by_default():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    assert visible_families(admin, Action.VIEW) == frozenset({"account"})
    assert visible_families(admin, Action.EXPORT) == frozenset()


def test_only_the_privacy_officer_exports_and_erases_by_default():
    for role in StaffRole.values:
        user = make_staff(role)
        exports = visible_families(user, Action.EXPORT)
        assert bool(exports) == (role == StaffRole.PRIVACY_OFFICER), role


def test_nobody_without_an_active_account_sees_anything():
    sales = make_staff(StaffRole.SALES)
    sales.is_active = False
    assert visible_families(sales, Action.VIEW) == frozenset()
    assert visible_families(None, Action.VIEW) == frozenset()


def test_the_migration_seeded_the_matrix():
    assert NeedToKnowRule.objects.filter(
        role=StaffRole.SALES, category="phone", action=Action.VIEW, allowed=True
    ).exists()


def test_a_change_applies_at_once():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    sales = make_staff(StaffRole.SALES)
    matrix_set(actor=admin, changes=[("sales", "phone", "view", False)])
    assert "phone" not in visible_families(sales, Action.VIEW)
    assert "contact_email" in visible_families(sales, Action.VIEW)


def test_an_empty_table_falls_back_to_the_defaults():
    NeedToKnowRule.objects.all().delete()
    billing = make_staff(StaffRole.BILLING)
    assert "financial" in visible_families(billing, Action.VIEW)


def test_the_table_has_every_family_role_and_action():
    rows = matrix_table()
    assert rows[0].family == "name"
    for row in rows:
        assert [role for role, _label, _cells in row.cells] == list(StaffRole.values)
        for _role, _label, cells in row.cells:
            assert [a for a, _allowed in cells] == list(Action.values)
