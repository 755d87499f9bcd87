import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import ensure_clinic_locations

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse database access from the live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters and cached pages must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clinic_locations(db):
    return ensure_clinic_locations()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}; install it with `apt-get install chromium`."
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
