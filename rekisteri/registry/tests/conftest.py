"""Fixtures of the register's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from rekisteri.accounts.choices import StaffRole
from rekisteri.registry.tests.apikit import token_client
from rekisteri.testing import client_as


@pytest.fixture
def api() -> Client:
    """A client with a sales user's write token for the API."""
    return token_client()


@pytest.fixture
def staff_client(client: Client) -> Client:
    """The test client, logged in as a sales user."""
    client_as(StaffRole.SALES, client=client)
    return client
