"""A refused attempt on a person's page or API resource is linked to that
person, so "who accessed this person" shows it; an id that does not exist
is answered the same and links no one."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.audit.models import AuditEvent
from rekisteri.testing import client_as, make_person, make_staff

pytestmark = pytest.mark.django_db


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="access.denied").order_by("id"))


def test_a_refused_page_is_linked_to_the_person() -> None:
    person = make_person(last_name="Kohde")
    client = client_as(StaffRole.AUDITOR)
    real = client.get(reverse("registry:person_detail", args=[person.pk]))
    ghost = client.get(reverse("registry:person_detail", args=[uuid.uuid4()]))
    assert real.status_code == ghost.status_code == 403
    first, second = denied()
    assert first.subject_id == person.pk
    assert second.subject_id is None


def test_a_refused_api_call_is_linked_to_the_person() -> None:
    person = make_person(last_name="Kohde")
    user = make_staff(StaffRole.AUDITOR)
    _token, raw = api_token_create(actor=user, name="t", scope="read")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    real = api.get(f"/api/v1/persons/{person.pk}")
    ghost = api.get(f"/api/v1/persons/{uuid.uuid4()}")
    assert real.status_code == ghost.status_code == 403
    first, second = denied()
    assert first.subject_id == person.pk
    assert second.subject_id is None
