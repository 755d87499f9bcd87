import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DataError, connection
from django.utils import translation

from tests.factories import ensure_clinic_locations

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse database access from the live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")


def pytest_sessionstart(session):
    # The Spanish pages read the compiled catalogue, built as for a deploy
    # (a no-op while it is newer than the .po file).
    from django.core.management import call_command

    call_command("compilemessages", verbosity=0)


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request to a Spanish page leaves Spanish active in this thread (as in
    # any server thread until its next request); later tests start in English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters and cached pages must not leak between tests.
    from clinic_site import public_content

    cache.clear()
    public_content._last_read = None
    yield
    cache.clear()
    public_content._last_read = None


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


@pytest.fixture
def postgres_refuses_nul():
    """Make the test database refuse NUL characters in query values, as PostgreSQL does."""

    def refuse(execute, sql, params, many, context):
        rows = params if many else [params]
        for row in rows or []:
            values = row.values() if isinstance(row, dict) else row or []
            if any(isinstance(value, str) and "\x00" in value for value in values):
                raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield
