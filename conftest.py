"""Project-wide pytest configuration."""

import os

# Playwright's sync API runs an event loop in the test thread; the Django ORM
# calls the tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
