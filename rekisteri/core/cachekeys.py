"""Cache keys that carry no personal data.

The shared cache is a database table (settings ``CACHES``), so a key that
named a client's IP address or an email address would store personal data
in the clear. Keys are namespaced keyed digests instead.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def cache_key(namespace: str, value: str) -> str:
    """``rekisteri:<namespace>:<keyed digest of value>``."""
    digest = salted_hmac(f"rekisteri.cache.{namespace}", value or "-").hexdigest()
    return f"rekisteri:{namespace}:{digest[:40]}"
