"""The counters behind customer and contract numbers (rekisteri.core.sequences)."""

from __future__ import annotations

import pytest
from django.db import connection

from rekisteri.core.models import Sequence
from rekisteri.core.sequences import sequence_next

pytestmark = pytest.mark.django_db


def test_sequence_hands_out_increasing_values():
    assert sequence_next("test_seq", start=100) == 100
    assert sequence_next("test_seq", start=100, count=5) == 101
    assert sequence_next("test_seq", start=100) == 106


def test_the_counters_kept_the_register_s_table():
    """The model moved from the register to core without moving data."""
    assert Sequence._meta.db_table == "registry_sequence"
    assert "registry_sequence" in connection.introspection.table_names()
