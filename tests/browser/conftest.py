"""Real-browser tests: Playwright (sync API) driving Debian's Chromium, headless, against live_server.

Skipped, with the reason, only when Chromium or Playwright is absent (.ci/run installs both).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told this is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - CI installs it with the dev extras
    sync_playwright = None


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    reason = None
    if sync_playwright is None:
        reason = "playwright is not installed (pip install -e .[dev])"
    elif not Path(CHROMIUM).exists():
        reason = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def browser(live_server):  # type: ignore[no-untyped-def]
    """Chromium for one test, started after the database is set up and stopped before it is flushed.

    Playwright's sync API leaves its event loop marked as running in this thread while it is open.
    Django then keeps its connections per async context, not per thread: code run meanwhile gets
    new connections, without the test database's serialized rows that the transactional teardown
    and the next setup need. So the browser lives inside the database fixtures (``live_server``
    sets those up first), and the connections opened meanwhile are closed with it.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / ".ci" / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
