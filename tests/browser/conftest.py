"""Headless Chromium through Playwright for browser tests.

Debian's Chromium (/usr/bin/chromium) is used; Playwright never downloads a
browser. Where Chromium is absent the tests skip with a clear message, except
under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("REKISTERI_CHROMIUM") or shutil.which("chromium") or ""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[object]:
    if not CHROMIUM or not os.path.exists(CHROMIUM):
        message = (
            "Chromium not found (install Debian's chromium package or set "
            "REKISTERI_CHROMIUM); browser tests skipped"
        )
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must run them")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server) -> Iterator[object]:
    context = chromium_browser.new_context(
        base_url=live_server.url,
        locale="fi-FI",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()
