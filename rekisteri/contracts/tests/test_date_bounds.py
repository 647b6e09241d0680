"""Contract dates stay within the shared bounds (rekisteri.core.validation):
a date like 9999-12-31 is a typing mistake, and notice arithmetic on it
would overflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from rekisteri.accounts.choices import StaffRole
from rekisteri.contracts.models import Contract
from rekisteri.contracts.services import contract_create, contract_update
from rekisteri.core.errors import ValidationFailed
from rekisteri.core.validation import DATE_MAX, DATE_MIN
from rekisteri.testing import client_as, make_org
from rekisteri.testing.contracts import make_contract, make_product

pytestmark = pytest.mark.django_db


def test_the_service_refuses_dates_out_of_range():
    org = make_org()
    with pytest.raises(ValidationFailed) as exc:
        contract_create(
            actor=None,
            organization=org,
            product=make_product(),
            start_date=dt.date(1, 1, 1),
            end_date=dt.date(9999, 12, 31),
        )
    assert exc.value.fields["start_date"][0][0] == "date_out_of_range"
    assert exc.value.fields["end_date"][0][0] == "date_out_of_range"
    contract = make_contract(org)
    with pytest.raises(ValidationFailed) as exc:
        contract_update(actor=None, contract=contract, end_date=dt.date(9999, 12, 31))
    assert exc.value.fields["end_date"][0][0] == "date_out_of_range"
    # The bounds themselves are accepted.
    make_contract(org, start_date=DATE_MIN, end_date=DATE_MAX)


def test_the_form_refuses_dates_out_of_range():
    client = client_as(StaffRole.SALES)
    org = make_org()
    make_product(code="TUKI")
    response = client.post(
        reverse("contracts:contract_create") + f"?organization={org.pk}",
        {
            "product": "TUKI",
            "start_date": "2025-02-01",
            "end_date": "9999-12-31",
            "notice_period": "3",
            "notice_unit": "months",
        },
    )
    assert response.status_code == 200
    assert "2199-12-31" in response.content.decode()
    assert not Contract.objects.exists()
