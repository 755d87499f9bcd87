import os
import urllib.parse
from collections.abc import Iterator

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import STAFF_PASSWORD, make_authenticator, make_staff
from tests.production_server import manage, production_env

REDIS_SERVER = "redis://127.0.0.1:6379"
# Each drill has a Redis database of its own for the servers it starts, so
# drills never see each other's rate-limit counters, pages or content
# version. 14 is tests/test_cache.py's, 15 the benchmark's.
DRILL_REDIS_DATABASES = {
    "test_load": 8,
    "test_database_outage": 9,
    "test_security_headers": 10,
    "test_worker_killed": 11,
    "test_two_instances": 12,
    "test_production_steps": 13,
    "test_booking_race": 7,
}
assert len(set(DRILL_REDIS_DATABASES.values())) == len(DRILL_REDIS_DATABASES)


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
        fail_or_skip("The drills run gunicorn against PostgreSQL; set DATABASE_URL.")
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)
    user = urllib.parse.quote(db["USER"])
    password = ":" + urllib.parse.quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    return host, port, f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def fail_or_skip(reason: str) -> None:
    """Skip a drill that cannot run here; under CI=true, fail it instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def drill_redis_url(request) -> Iterator[str]:
    """This drill's own Redis database, empty before and after the drill."""
    drill = request.module.__name__.rpartition(".")[2]
    if drill not in DRILL_REDIS_DATABASES:
        pytest.fail(f"Give {drill} a Redis database in DRILL_REDIS_DATABASES (conftest.py).")
    url = f"{REDIS_SERVER}/{DRILL_REDIS_DATABASES[drill]}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError:
        fail_or_skip(f"No Redis at {REDIS_SERVER}; start one with `redis-server`.")
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def site_env(collected_static, tmp_path, drill_redis_url):
    """Production environment for gunicorn, given a database URL."""

    def build(database_url: str, **overrides: str) -> dict[str, str]:
        settings = {
            "REDIS_URL": drill_redis_url,
            # Drill clients fill the form in at machine speed, from one address.
            "DJANGO_BOOKING_MIN_FILL_SECONDS": "0",
            "DJANGO_BOOKING_REQUESTS_PER_HOUR": "100000",
            "DJANGO_BOOKING_POSTS_PER_HOUR": "100000",
        }
        env = production_env(
            database_url=database_url, workdir=tmp_path, **{**settings, **overrides}
        )
        env["DJANGO_STATIC_ROOT"] = str(collected_static)
        return env

    return build


@pytest.fixture
def manager_authenticator(test_database):
    """The authenticator of `manager`, a clinic manager who can log in to the
    production admin (see production_server.log_in_staff)."""
    staff = make_staff(
        username="manager", group="Clinic manager", locations=("milford", "westport")
    )
    # The tests' fast hasher is unknown to production settings.
    hasher = PBKDF2PasswordHasher()
    staff.password = hasher.encode(STAFF_PASSWORD, hasher.salt())
    staff.save(update_fields=["password"])
    return make_authenticator(staff)
