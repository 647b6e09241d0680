"""The matrix pages: readable by all staff, editable by administrators."""

import pytest
from django.urls import reverse

from rekisteri.access.models import NeedToKnowRule
from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import client_as, make_staff

pytestmark = pytest.mark.django_db


def test_every_role_reads_the_matrix():
    for role in StaffRole.values:
        response = client_as(role).get(reverse("access:matrix"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "<table" in body
    assert 'href="/access/edit/"' not in body  # the auditor cannot edit


def test_the_administrator_sees_an_edit_link():
    response = client_as(StaffRole.ADMINISTRATOR).get(reverse("access:matrix"))
    assert reverse("access:matrix_edit") in response.content.decode()


def test_sales_cannot_open_the_editor_and_the_attempt_is_recorded():
    sales = make_staff(StaffRole.SALES)
    response = client_as(sales).get(reverse("access:matrix_edit"))
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.outcome == "denied"
    assert event.actor_id == sales.pk
    assert event.target_id == "access:matrix_edit"
    assert event.details["permission"] == "accounts.manage"


def test_saving_the_grid_changes_the_unticked_cell_only():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    client = client_as(admin)
    page = client.get(reverse("access:matrix_edit")).content.decode()
    # Post back exactly the ticked boxes, minus sales' view of phone numbers.
    import re

    ticked = re.findall(r'name="([a-z_]+__[a-z_.]+__[a-z]+)" checked', page)
    assert "sales__phone__view" in ticked
    data = {name: "on" for name in ticked if name != "sales__phone__view"}
    response = client.post(reverse("access:matrix_edit"), data)
    assert response.status_code == 302
    assert not NeedToKnowRule.objects.get(
        role="sales", category="phone", action="view"
    ).allowed
    events = AuditEvent.objects.filter(action="matrix.change")
    assert [e.target_id for e in events] == ["sales:phone:view"]
