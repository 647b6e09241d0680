"""The session store reads the session's row with a statement compiled once
(rekisteri/accounts/session_store.py) and still refuses an expired,
unknown or malformed session as Django's database store does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from rekisteri.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_the_engine_is_in_use():
    assert settings.SESSION_ENGINE == "rekisteri.accounts.session_store"


def _saved(data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_live_session_loads_and_others_are_empty():
    one, two = _saved({"a": 1}), _saved({"b": 2})
    assert SessionStore(one).load() == {"a": 1}
    assert SessionStore(two).load() == {"b": 2}
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore(None).load() == {}
    assert SessionStore("short").load() == {}  # not a key: Django drops it


def test_an_expired_session_is_not_loaded_and_its_key_is_dropped():
    key = _saved({"a": 1})
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
