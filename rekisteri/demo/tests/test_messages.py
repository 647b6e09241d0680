"""Demo message history."""

from __future__ import annotations

import pytest
from django.utils import translation

from rekisteri.demo.messages import seed_messages
from rekisteri.messaging.models import Message, Thread
from rekisteri.registry.services import role_create
from rekisteri.testing import make_org, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """As the messaging tests this came from: asserted in English."""
    with translation.override("en"):
        yield


def test_demo_messages_per_organization_once():
    org = make_org()
    person = make_person()
    role_create(actor=None, person=person, organization=org, kind="contact")
    make_org()
    assert seed_messages(per_organization=3) == 6
    assert Message.objects.filter(organization=org).count() == 3
    assert Thread.objects.filter(organization=org).count() == 2
    assert Message.objects.filter(participants__person=person).exists()
    assert all(m.subject for m in Message.objects.all())
    assert seed_messages(per_organization=3) == 0
