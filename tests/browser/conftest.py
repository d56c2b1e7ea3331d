"""Browser tests: Playwright (Python) driving Debian's Chromium, never a downloaded one.

Each journey runs against pytest-django's live server on a 375 px wide phone viewport,
checks every page with axe-core (axe-playwright-python, offline) and saves a screenshot
of each step under test-results/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Chromium's launch flags and the phone viewport are in tests/conftest.py.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


_axe = Axe()


def check_page(page, name: str) -> None:
    """Screenshot the page at phone width and fail on any axe-core violation. A click that
    follows a link returns once the next page has begun to load: wait for it to finish."""
    page.wait_for_load_state()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)
    results = _axe.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    # Nothing may overflow a 375 px wide phone sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 375 + 1, f"{name}: page is {overflow}px wide on a 375px screen"
