"""The demo invoicing data is made through the services, once."""

from __future__ import annotations

import pytest

from rekisteri.billing.models import Invoice, SellerSettings
from rekisteri.billing.payments import balance_of
from rekisteri.demo import invoices as demo
from rekisteri.demo import register as registry_demo

pytestmark = pytest.mark.django_db


def test_demo_invoices_cover_the_states_and_run_once():
    registry_demo.seed(organizations=30, persons=60)
    made = demo.seed(invoices=7)
    assert made == 7
    assert SellerSettings.objects.get().iban == "FI2112345600000785"
    statuses = {balance_of(i).status for i in Invoice.objects.all()}
    assert {"draft", "paid", "partly_paid"} <= statuses
    assert demo.seed() == 0
    assert Invoice.objects.count() == 7
