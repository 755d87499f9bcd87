"""Drill: a Monday morning. Fifty people send requests at once, for a while.

gunicorn with the repository's config and production settings, against
PostgreSQL. Every request that was confirmed must be stored exactly once,
with its emails queued; nothing may fail with a 5xx.
"""

from tests.production_server import Patients, assert_each_confirmation_is_one_row, gunicorn

CLIENTS = 50
SECONDS = 8


def test_fifty_concurrent_clients_lose_nothing_and_store_nothing_twice(
    test_database, site_env, tmp_path
):
    *_, url = test_database

    with gunicorn(site_env(url), log=tmp_path / "gunicorn.log") as base_url:
        patients = Patients(base_url).run(CLIENTS, SECONDS)
    print(f"\nMonday morning, {CLIENTS} clients: {patients.figures()}")

    assert patients.errors == [], patients.statuses  # no 5xx, and every request answered
    assert len(patients.confirmed) >= CLIENTS, patients.statuses  # everyone got through
    assert patients.unconfirmed == set()
    assert_each_confirmation_is_one_row(patients.confirmed)
