"""Every date the register takes is between 1900 and 2199.

A 9999-12-31 role end (or start) was stored and then broke arithmetic on it
(the relationship clock, retention); it must be a field error in the form,
the service and the API — never a 500.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

import rekisteri
from rekisteri.accounts.choices import StaffRole
from rekisteri.accounts.services import api_token_create
from rekisteri.core.errors import ValidationFailed
from rekisteri.core.validation import BoundedDateField
from rekisteri.registry import services
from rekisteri.registry.models import Role
from rekisteri.testing import client_as, make_org, make_person, make_staff

pytestmark = pytest.mark.django_db

FAR = dt.date(9999, 12, 31)


def _role() -> Role:
    return Role.objects.create(
        person=make_person(),
        organization=make_org(),
        kind="contact",
        start_date=dt.date(2024, 1, 1),
    )


@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_service_refuses_a_role_date_out_of_range(field):
    person, org = make_person(), make_org()
    with pytest.raises(ValidationFailed) as exc:
        services.role_create(
            actor=None, person=person, organization=org, kind="contact", **{field: FAR}
        )
    assert exc.value.fields[field][0][0] == "date_out_of_range"
    role = _role()
    with pytest.raises(ValidationFailed) as exc:
        services.role_update(actor=None, role=role, **{field: dt.date(1899, 12, 31)})
    assert exc.value.fields[field][0][0] == "date_out_of_range"
    with pytest.raises(ValidationFailed):
        services.role_end(actor=None, role=role, end_date=FAR)
    role.refresh_from_db()
    assert role.end_date is None


def test_role_form_shows_a_field_error(client):
    client_as(StaffRole.SALES, client=client)
    role = _role()
    response = client.post(
        reverse("registry:role_edit", args=[role.id]),
        {"kind": "contact", "start_date": "2024-01-01", "end_date": "9999-12-31"},
    )
    assert response.status_code == 200
    assert "2199-12-31" in response.content.decode()
    assert response.context["form"].errors["end_date"]
    role.refresh_from_db()
    assert role.end_date is None


def test_api_answers_a_field_error():
    user = make_staff(StaffRole.SALES)
    _token, raw = api_token_create(actor=user, name="t", scope="write")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    person, org = make_person(), make_org()

    def send(method, path, body):
        return getattr(api, method)(
            f"/api/v1{path}", data=json.dumps(body), content_type="application/json"
        )

    created = send(
        "post",
        "/roles",
        {
            "person_id": str(person.id),
            "organization_id": str(org.id),
            "kind": "contact",
            "start_date": "9999-12-31",
        },
    )
    assert created.status_code == 422, created.content
    error = created.json()["error"]
    assert "start_date" in json.dumps(error)
    role = _role()
    patched = send("patch", f"/roles/{role.id}", {"end_date": "9999-12-31"})
    assert patched.status_code == 422, patched.content
    ended = send("post", f"/roles/{role.id}/end", {"end_date": "9999-12-31"})
    assert ended.status_code == 422, ended.content
    role.refresh_from_db()
    assert role.end_date is None


def _form_classes():
    for info in pkgutil.walk_packages(rekisteri.__path__, "rekisteri."):
        if not info.name.endswith(".forms"):
            continue
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_field_of_every_form_is_bounded():
    loose = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
        and not isinstance(field, BoundedDateField)
    ]
    assert loose == []
