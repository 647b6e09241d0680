"""Rate-limit counters are shared by every process and name nobody."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from rekisteri.core.cachekeys import cache_key

pytestmark = pytest.mark.django_db


def test_the_cache_is_a_database_table_every_worker_shares():
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    cache.add(cache_key("test", "x"), 1, timeout=60)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM rekisteri_cache")
        assert cur.fetchone()[0] == 1


def test_keys_hold_no_address_in_the_clear():
    key = cache_key("dsr.client", "203.0.113.7")
    assert "203.0.113.7" not in key
    assert key.startswith("rekisteri:dsr.client:")
    assert key != cache_key("dsr.client", "203.0.113.8")
    assert key != cache_key("dsr.address", "203.0.113.7")
