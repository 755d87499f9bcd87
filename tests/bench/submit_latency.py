"""Time consultation-request submissions end to end through Django.

    uv run python tests/bench/submit_latency.py [N]

(set DATABASE_URL to measure on PostgreSQL).

Creates a throwaway test database, posts N valid forms (each from a fresh
browser session: CSRF, validation, insert, task enqueue) and prints the
latency percentiles. Not a test: it prints numbers.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def main(count: int) -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from booking.models import Booking
        from tests.factories import ensure_clinic_locations, valid_booking_data

        ensure_clinic_locations()
        url = reverse("booking:create")
        timings = []
        for number in range(count):
            client = Client(
                enforce_csrf_checks=True, REMOTE_ADDR=f"10.0.{number // 250}.{number % 250}"
            )
            client.get(url)
            data = valid_booking_data(first_name=f"Bench {number}")
            data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
            started = time.perf_counter()
            response = client.post(url, data)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.status_code
        assert Booking.objects.count() == count
        timings.sort()
        print(f"database: {connection.vendor}, submissions: {count}")
        print(f"p50 {statistics.median(timings):.1f} ms")
        print(f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms")
        print(f"max {timings[-1]:.1f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
