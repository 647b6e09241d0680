"""The person scope (whose data a role sees) has an edit page: administrators
view and change it, every change is audited, everyone else is refused."""

import pytest
from django.urls import reverse

from rekisteri.access.models import PersonScope
from rekisteri.access.selectors import person_scope
from rekisteri.accounts.choices import StaffRole
from rekisteri.audit.models import AuditEvent
from rekisteri.registry import selectors as registry_selectors
from rekisteri.registry.services import role_create
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role", [r for r in StaffRole.values if r != StaffRole.ADMINISTRATOR]
)
def test_only_administrators_open_the_scope_page(role):
    client = client_as(role)
    url = reverse("access:scope_edit")
    assert client.get(url).status_code == 403
    assert client.post(url, {"sales__contact": "1"}).status_code == 403
    assert not PersonScope.objects.exists()


def test_the_page_shows_the_default_in_finnish():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    page = client_as(admin).get(reverse("access:scope_edit")).content.decode()
    assert 'name="billing__billing_contact" value="1" checked' in page
    assert 'name="sales__contact" value="1" checked' not in page
    assert "Kenen tietoja kukin rooli näkee" in page


def test_an_administrator_changes_a_scope_and_it_is_audited_and_enforced():
    admin = make_staff(StaffRole.ADMINISTRATOR)
    sales = make_staff(StaffRole.SALES)
    org = make_org()
    contact, other = make_person(), make_person()
    role_create(actor=None, person=contact, organization=org, kind="contact")
    assert person_scope(sales) is None
    response = client_as(admin).post(
        reverse("access:scope_edit"),
        {"billing__billing_contact": "1", "sales__contact": "1"},
    )
    assert response.status_code == 302
    assert person_scope(sales) == frozenset({"contact"})
    assert person_scope(make_staff(StaffRole.BILLING)) == frozenset({"billing_contact"})
    events = AuditEvent.objects.filter(action="person_scope.change")
    assert [(e.target_id, e.details["old"], e.details["new"]) for e in events] == [
        ("sales", [], ["contact"])
    ]
    visible = set(
        registry_selectors.person_queryset(user=sales).values_list("id", flat=True)
    )
    assert contact.id in visible and other.id not in visible
    # Unticking every box of a role lifts its limit again.
    client_as(admin).post(
        reverse("access:scope_edit"), {"billing__billing_contact": "1"}
    )
    assert person_scope(sales) is None


def test_unknown_role_kinds_are_refused():
    from rekisteri.access.services import person_scope_set
    from rekisteri.core.errors import ValidationFailed

    admin = make_staff(StaffRole.ADMINISTRATOR)
    with pytest.raises(ValidationFailed):
        person_scope_set(actor=admin, scopes={"sales": ["king"]})
    assert not PersonScope.objects.exists()
