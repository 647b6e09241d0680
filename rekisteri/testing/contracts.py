"""Builders for contract tests (and the tests of apps that need a contract):
products and contracts made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from rekisteri.contracts.models import Contract, Product
from rekisteri.contracts.services import (
    contract_activate,
    contract_create,
    product_create,
)

_n = itertools.count(1)


def make_product(**kwargs: Any) -> Product:
    n = next(_n)
    kwargs.setdefault("code", f"TEST-{n}")
    kwargs.setdefault("name", f"Testituote {n}")
    return product_create(actor=None, **kwargs)


def make_contract(
    organization: Any,
    *,
    active: bool = False,
    product: Product | None = None,
    start_date: dt.date = dt.date(2025, 1, 1),
    **kwargs: Any,
) -> Contract:
    contract = contract_create(
        actor=kwargs.pop("actor", None),
        organization=organization,
        product=product or make_product(),
        start_date=start_date,
        **kwargs,
    )
    if active:
        contract = contract_activate(actor=None, contract=contract)
    return contract
