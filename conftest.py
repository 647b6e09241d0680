"""Project-wide pytest configuration."""

import os

# Playwright's sync API runs an event loop in the test thread; the Django ORM
# calls the tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list) -> None:
    """Give every database test the key store too.

    Encrypted fields read and write data keys in the separate ``keys``
    database, so a test that touches the register needs both. The marker is
    rewritten once here instead of in every test module.
    """
    import pytest

    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or "databases" in marker.kwargs:
            continue
        kwargs = {**marker.kwargs, "databases": "__all__"}
        item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
