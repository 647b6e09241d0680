"""The legal-hold registry: providers are asked, holds are named."""

from __future__ import annotations

import uuid

import pytest

from rekisteri.core import holds
from rekisteri.core.errors import Conflict

# Every registered provider is asked, and the billing one reads the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    held = uuid.uuid4()
    holds.register(
        "test.litigation",
        lambda pid: (
            [holds.Hold("litigation", "Litigation pending")] if pid == held else []
        ),
    )
    yield held
    holds.unregister("test.litigation")


def test_holds_are_collected_from_providers(provider):
    assert holds.holds_for_person(provider) == [
        holds.Hold("litigation", "Litigation pending")
    ]
    assert holds.holds_for_person(uuid.uuid4()) == []


def test_refusal_names_the_hold(provider):
    with pytest.raises(Conflict) as exc:
        holds.refuse_if_held(provider)
    assert exc.value.code == "legal_hold"
    assert "Litigation pending" in exc.value.message
    holds.refuse_if_held(uuid.uuid4())  # no hold: no error
