"""Time the triage list (the request changelist) at 100 and 50,000 requests.

    uv run python tests/bench/admin_list.py [TOTAL]

(set DATABASE_URL to measure on PostgreSQL). Creates a throwaway test
database, fills it with requests (a realistic mix: most closed, a full
page or 2% open, one to three contact attempts each), and prints the
median time and query count of the list as a manager and as a front-desk
user, with the default (open) filter, all requests, and a name search.
Not a test: it prints numbers.
"""

import datetime
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RUNS = 15
VIEWS = {"open (default)": {}, "all statuses": {"status": "all"}, "search": {"q": "Rivera"}}


def reference(number: int) -> str:
    chars = []
    for _ in range(6):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "KC-" + "".join(chars)


def invented_request(number: int, **fields):
    """An unsaved request with invented details, numbered for bulk_create; `fields` override."""
    from booking.models import Booking

    values = {
        "reference": reference(number),
        "submission_key": uuid.uuid4(),
        "meeting": "in_person",
        "first_name": f"Patient{number}",
        "last_name": "Example",
        "date_of_birth": datetime.date(1980, 1, 1),
        "email": f"p{number}@example.com",
        "phone": f"+1203555{number % 10000:04d}",
        "contact_method": "phone",
        "voicemail_ok": True,
        "email_ok": True,
        "diagnosed": "yes",
        "antidepressants": "two_or_more",
        "seeing_clinician": True,
        "urgent": False,
        "consent_contact": True,
        "consent_privacy": True,
    }
    return Booking(**{**values, **fields})


def fill(total: int, locations, staff) -> None:
    from booking.models import Booking

    S = Booking.Status
    now = timezone.now()
    start = Booking.objects.count()
    batch = []
    for number in range(start, total):
        age = datetime.timedelta(minutes=(total - number) * 30)
        # The newest 2% (at least a full page) are open, the rest closed, as
        # after years of use: the list always shows a full page of 100 rows,
        # so that only the size of the table differs between the two runs.
        recent = number >= total - max(100, total * 0.02)
        status = [S.NEW, S.CONTACTED, S.SCHEDULED][number % 3] if recent else S.NO_RESPONSE
        batch.append(
            invented_request(
                number,
                status=status,
                location=locations[number % 2],
                last_name="Rivera" if number % 1000 == 0 else "Example",
                urgent=number % 17 == 0,
                scheduled_for=now + datetime.timedelta(days=2) if status == S.SCHEDULED else None,
                scheduled_meeting="video" if status == S.SCHEDULED else "",
                closed_at=now - age if status == S.NO_RESPONSE else None,
            )
        )
        if len(batch) == 5000:
            add_attempts(Booking.objects.bulk_create(batch), staff)
            batch = []
    add_attempts(Booking.objects.bulk_create(batch), staff)
    # Creation time is auto_now_add: spread it out afterwards.
    with connection.cursor() as cursor:
        table = Booking._meta.db_table
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET created_at = now() - ((%s - id) * interval '30 minutes')",
                [total],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(
                f"UPDATE {table} SET created_at = datetime('now', -((%s - id) * 30) || ' minutes')",
                [total],
            )


def add_attempts(bookings, staff) -> None:
    """One to three tries to reach each patient, as the front desk logs them."""
    from booking.models import ContactAttempt

    outcomes = ["no_answer", "voicemail", "reached"]
    ContactAttempt.objects.bulk_create(
        ContactAttempt(booking=booking, made_by=staff, channel="phone", outcome=outcomes[n])
        for booking in bookings
        for n in range(booking.pk % 3 + 1)
    )


def measure(client: Client, params: dict) -> tuple[float, int]:
    url = reverse("admin:booking_booking_changelist")
    client.get(url, params)  # warm up
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings), len(queries.captured_queries)


def run(total: int) -> list[tuple[int, str, str, float, int]]:
    """(requests stored, role, view, median ms, queries) for 100 and `total`."""
    setup_test_environment()
    # create_test_db returns the test database's name: keep the original one to
    # go back to it afterwards.
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    results = []
    try:
        from django.contrib.auth.models import User

        from tests.factories import ensure_clinic_locations, make_manager, make_staff

        locations = ensure_clinic_locations()
        clients = {}
        # A front-desk user covering both offices, so that at 100 requests the
        # page is as full as at 50,000 (one office would see only its half).
        desk = make_staff(locations=("milford", "westport"))
        for role, user in [("manager", make_manager()), ("front desk", desk)]:
            clients[role] = Client()
            clients[role].force_login(user)
        assert User.objects.count() == 2
        for size in (100, total):
            fill(size, locations, desk)
            for role, client in clients.items():
                for name, params in VIEWS.items():
                    results.append((size, role, name, *measure(client, params)))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return results


def main(total: int) -> None:
    print(f"database: {connection.vendor}; median of {RUNS} runs; 100 rows per page")
    for size, role, name, ms, queries in run(total):
        print(f"{size:>6} requests  {role:<10}  {name:<15}  {ms:7.1f} ms  {queries} queries")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
