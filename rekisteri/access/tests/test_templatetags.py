"""The template helpers other apps use to ask the matrix."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from rekisteri.access.services import matrix_set
from rekisteri.accounts.choices import StaffRole
from rekisteri.testing import make_staff

pytestmark = pytest.mark.django_db

TEMPLATE = Template(
    "{% load access %}"
    '{% if user|can_view:"phone" %}phone {% endif %}'
    '{% if user|can:"export:phone" %}export {% endif %}'
    "{% visible_families as shown %}"
    '{% if "financial" in shown %}money{% endif %}'
    '|{{ "contact_email"|family_label }}'
)


def render(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"user": user, "request": request}))


def test_the_helpers_follow_the_matrix():
    assert render(make_staff(StaffRole.SALES)).startswith("phone |")
    assert render(make_staff(StaffRole.PRIVACY_OFFICER)).startswith(
        "phone export money|"
    )
    assert render(make_staff(StaffRole.ADMINISTRATOR)).startswith("|")
    admin = make_staff(StaffRole.ADMINISTRATOR)
    matrix_set(actor=admin, changes=[("billing", "phone", "view", False)])
    assert render(make_staff(StaffRole.BILLING)).startswith("money|")
