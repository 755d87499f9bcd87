import os
import urllib.parse

import pytest
from django.db import connection

from tests.production_server import manage, production_env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected and compressed once, as a deploy does."""
    workdir = tmp_path_factory.mktemp("production")
    manage(production_env(database_url="", workdir=workdir), "collectstatic", "--noinput", "-v0")
    return workdir / "static"


@pytest.fixture
def test_database(transactional_db, clinic_locations) -> tuple[str, int, str]:
    """(host, port, URL) of the test database, committed rows visible to gunicorn."""
    if connection.vendor != "postgresql":
        reason = "The drills run gunicorn against PostgreSQL; set DATABASE_URL."
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)
    user = urllib.parse.quote(db["USER"])
    password = ":" + urllib.parse.quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    return host, port, f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def site_env(collected_static, tmp_path):
    """Production environment for gunicorn, given a database URL."""

    def build(database_url: str, **overrides: str) -> dict[str, str]:
        env = production_env(
            database_url=database_url,
            workdir=tmp_path,
            # Drill clients fill the form in at machine speed, from one address.
            DJANGO_BOOKING_MIN_FILL_SECONDS="0",
            DJANGO_BOOKING_REQUESTS_PER_HOUR="100000",
            DJANGO_BOOKING_POSTS_PER_HOUR="100000",
            **overrides,
        )
        env["DJANGO_STATIC_ROOT"] = str(collected_static)
        return env

    return build
