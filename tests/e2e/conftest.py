"""What the end-to-end tests share: one Debian Chromium for the whole session.

The dashboard's test (``api/test_browser.py``) and the work pages' tests (``pages/``) drive
the same browser, each in contexts of its own: playwright's sync API runs one instance per
thread, and launching Chromium once keeps the browser tests within their time budget.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by playwright (no browser downloaded), once a session."""
    assert shutil.which(CHROMIUM), "chromium is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield launched
        finally:
            launched.close()
