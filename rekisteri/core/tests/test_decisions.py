"""core.decisions: a clear answer remembered for one transaction's block,
nothing outside one (docs/rights.md, Erasure)."""

from __future__ import annotations

import pytest
from django.db import transaction

from rekisteri.core import decisions


def test_nothing_is_remembered_outside_a_scope():
    decisions.remember("holds", {"a": ()})
    assert decisions.known("holds", ["a"]) == {}


@pytest.mark.django_db(transaction=True)
def test_a_scope_outside_a_transaction_remembers_nothing():
    with decisions.scope():
        decisions.remember("holds", {"a": ()})
        assert decisions.known("holds", ["a"]) == {}


@pytest.mark.django_db(transaction=True)
def test_a_scope_remembers_until_it_ends():
    with transaction.atomic():
        with decisions.scope():
            decisions.remember("holds", {"a": (), "b": ()})
            with decisions.scope():  # joins the outer one
                assert decisions.known("holds", ["a", "c"]) == {"a": ()}
            assert decisions.known("restriction", ["a"]) == {}
        with decisions.scope():
            assert decisions.known("holds", ["a"]) == {}
