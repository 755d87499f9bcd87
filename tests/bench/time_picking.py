"""Time the page of open times, and patients racing for one time.

    uv run python tests/bench/time_picking.py [TOTAL]

(set DATABASE_URL to measure on PostgreSQL). Creates a throwaway test
database in which both offices take online bookings, sends a request at
Milford as a patient does, and prints the median time and query count of
that patient's page of open times with 100 and with TOTAL future
appointments booked (spread over the coming year, both offices, every seat
and time). Not a test: it prints numbers.

`contention` (used by `python -m tests.bench`) has patients post the same
time at the same moment to a running server, and times those posts.
"""

import contextlib
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

FORM = "/request-consultation/"
PICK = "/request-consultation/time/"
RUNS = 15
SIZES = (100,)
SEED = 2026
# Both offices: Monday to Saturday, 8:00 to 18:00, three seats. An in-person
# consultation (60 minutes and a 15-minute buffer) starts every 75 minutes;
# phone and video ones (30 minutes) are booked at those starts too.
WINDOWS = [(weekday, datetime.time(8), datetime.time(18)) for weekday in range(6)]
SEATS = 3
RULES = {
    "is_active": True,
    "in_person_minutes": 60,
    "phone_minutes": 30,
    "video_minutes": 30,
    "buffer_minutes": 15,
    "seats": SEATS,
    "notice_days": 1,
    "horizon_days": 21,
}
MEETINGS = ["in_person"] * 3 + ["phone", "video"]
DAYS_AHEAD = 365
# More gunicorn workers than the benchmark's usual two, so that several bookings are
# inside their transaction at the same moment.
RACE_WORKERS = 4


def take_online_bookings(locations) -> None:
    from booking import services

    for location in locations:
        services.availability_set(location=location, windows=WINDOWS, **RULES)


def take_online_bookings_at_milford() -> None:
    """Milford alone, one seat: for the race, where one patient gets each time."""
    from booking import services
    from booking.models import Location

    milford = Location.objects.get(slug="milford")
    services.availability_set(location=milford, windows=WINDOWS, **{**RULES, "seats": 1})


def slots(locations) -> list[tuple]:
    """Every (office, start, seat) patients could book over the coming year."""
    from booking.availability import wall_instant

    step = datetime.timedelta(minutes=RULES["in_person_minutes"] + RULES["buffer_minutes"])
    today = timezone.localdate()
    found = []
    for offset in range(1, DAYS_AHEAD + 1):
        day = today + datetime.timedelta(days=offset)
        for weekday, opens, closes in WINDOWS:
            if weekday != day.weekday():
                continue
            wall = datetime.datetime.combine(day, opens)
            last = datetime.datetime.combine(day, closes)
            while wall + datetime.timedelta(minutes=RULES["in_person_minutes"]) <= last:
                start = wall_instant(day, wall.time())
                if start is not None:
                    found += [(loc, start, seat) for loc in locations for seat in range(SEATS)]
                wall += step
    return found


def fill(chosen: list[tuple], first_number: int) -> None:
    """A Scheduled request and its booked appointment for each (office, start, seat)."""
    from booking.manage_links import first_token, new_manage_key, token_hash
    from booking.models import Appointment, Booking
    from tests.bench.admin_list import invented_request

    for batch_start in range(0, len(chosen), 2000):
        batch = chosen[batch_start : batch_start + 2000]
        bookings, appointments = [], []
        for number, (location, starts_at, _seat) in enumerate(batch, first_number + batch_start):
            meeting = MEETINGS[number % len(MEETINGS)]
            bookings.append(
                invented_request(
                    number,
                    status=Booking.Status.SCHEDULED,
                    location=location,
                    meeting=meeting,
                    scheduled_for=starts_at,
                    scheduled_meeting=meeting,
                    scheduled_by_patient=number % 2 == 0,
                )
            )
        for booking, (location, starts_at, seat) in zip(
            Booking.objects.bulk_create(bookings), batch, strict=True
        ):
            key = new_manage_key()
            minutes = RULES[f"{booking.meeting}_minutes"]
            appointments.append(
                Appointment(
                    booking=booking,
                    location=location,
                    meeting=booking.meeting,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(minutes=minutes),
                    seat=seat,
                    booked_by_patient=booking.scheduled_by_patient,
                    manage_key=key,
                    manage_token_hash=token_hash(first_token(key)),
                )
            )
        Appointment.objects.bulk_create(appointments)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Booking._meta.db_table}")
            cursor.execute(f"ANALYZE {Appointment._meta.db_table}")


def patient_at_time_picker() -> Client:
    """A browser that has just sent a request at Milford, as the form sends it."""
    from tests.factories import valid_booking_data

    client = Client()
    client.get(FORM)
    sent = client.post(FORM, valid_booking_data(email=f"bench-{uuid.uuid4().hex[:8]}@example.com"))
    assert sent.status_code == 302 and sent.headers["Location"] == PICK, sent.status_code
    return client


def measure(client: Client) -> tuple[float, int]:
    client.get(PICK)  # warm up
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(PICK)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert b'class="time-picker"' in response.content, "no open times on the page"
    return statistics.median(timings), len(queries.captured_queries)


def run(total: int) -> list[tuple[int, float, int]]:
    """(future appointments booked, median ms, queries) with 100 and with `total`."""
    with contextlib.suppress(RuntimeError):
        setup_test_environment()  # unless the staff list's benchmark already did
    # create_test_db returns the test database's name: keep the original one to
    # go back to it afterwards (the booking race then uses it).
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    results = []
    try:
        from tests.factories import ensure_clinic_locations

        locations = ensure_clinic_locations()
        take_online_bookings(locations)
        everything = slots(locations)
        if total > len(everything):
            raise ValueError(f"{total:,} appointments do not fit in {len(everything):,} slots")
        # The same spread at both sizes: the first 100 are a sample of the rest.
        chosen = random.Random(SEED).sample(everything, total)
        booked = 0
        for size in (*SIZES, total):
            fill(chosen[booked:size], first_number=booked)
            booked = size
            results.append((size, *measure(patient_at_time_picker())))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return results


@dataclass
class Contention:
    """Rounds of patients posting one time at once: what they got and how long it took."""

    clients: int
    rounds: int
    latencies: list[float]  # ms, every contended post
    winners: int  # posts answered 302 to the confirmation
    taken: int  # posts answered 409 "just taken", with other times offered
    other: list  # any other answer (None: no answer at all)

    @property
    def p50(self) -> float:
        from tests.production_server import percentile

        return percentile(self.latencies, 0.5)

    @property
    def p99(self) -> float:
        from tests.production_server import percentile

        return percentile(self.latencies, 0.99)

    @property
    def ok(self) -> bool:
        return self.winners == self.rounds and not self.other


def contention(base_url: str, *, clients: int, rounds: int) -> Contention:
    """Each round, `clients` new patients open the times and all post the earliest at once."""
    from tests.production_server import (
        JUST_TAKEN,
        SENT,
        patients_at_time_picker,
        pick_at_once,
    )

    result = Contention(clients, rounds, [], 0, 0, [])
    for round_number in range(rounds):
        emails = [
            f"race-{round_number}-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(clients)
        ]
        pickers = patients_at_time_picker(base_url, emails)
        start = pickers[0].starts[0]
        for pick in pick_at_once(pickers, start):
            result.latencies.append(pick.ms)
            if pick.status == 302 and pick.location == SENT:
                result.winners += 1
            elif pick.status == 409 and JUST_TAKEN in pick.text and pick.next_times:
                result.taken += 1
            else:
                result.other.append(pick.status)
    return result


def main(total: int) -> None:
    print(f"database: {connection.vendor}; median of {RUNS} runs")
    for size, ms, queries in run(total):
        print(f"{size:>6} appointments booked  {ms:7.1f} ms  {queries} queries")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
