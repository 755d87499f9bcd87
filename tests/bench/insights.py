"""Time the manager's figures page ("How are we doing?") at 1,000 and 50,000 requests.

    uv run python tests/bench/insights.py [TOTAL]

(set DATABASE_URL to measure on PostgreSQL). Creates a throwaway test
database and fills it with requests received over the last 12 weeks, so
that every one of them falls in the page's default period (the hard case:
the page ranks and counts them all). Each has a plausible history: both
offices, about 15% urgent, about 85% with a first contact attempt 10
minutes to 3 days after the request, about 70% reached, then scheduled,
seen, not suitable, referred or no response; the stored waits (clock and
opening-hours minutes) are filled in directly. Prints the median time and
query count of the page as a manager at 1,000 and at TOTAL requests, the
growth, and whether it meets the target (same queries, at most 2× the time).
Not a test: it prints numbers.
"""

import contextlib
import datetime
import math
import os
import random
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
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = 15
SMALL = 1_000
SEED = 2026
TARGET_GROWTH = 2.0
URGENT = 0.15
ATTEMPTED = 0.85
REACHED = 0.70  # of all requests
HEARD_ABOUT = ["doctor"] * 3 + ["friend"] * 2 + ["search"] * 3 + ["other", ""]
MEETINGS = ["in_person", "in_person", "phone", "video"]
DAY = 24 * 60


def log_uniform(rng: random.Random, low: int, high: int) -> int:
    """Minutes between low and high, short waits more common than long ones."""
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def opening_hours_share(rng: random.Random, minutes: int, wait: int) -> int:
    """The part of a wait the office was open: all of it or less, never more."""
    if wait < 60 and rng.random() < 0.7:
        return minutes
    return min(minutes, round(minutes * rng.uniform(0.25, 1.0)))


def request(rng: random.Random, number: int, *, start, now, locations, desk):
    """One request received between `start` and `now`, and what became of it."""
    from booking.models import Booking
    from tests.bench.admin_list import invented_request

    S = Booking.Status
    created_at = start + (now - start) * rng.random()
    age = int((now - created_at).total_seconds() // 60)
    urgent = rng.random() < URGENT
    fields = {"status": S.NEW}

    if rng.random() < ATTEMPTED and age > 10:
        first = log_uniform(rng, 10, 12 * 60 if urgent else 3 * DAY)
        if first > age:  # a recent request: tried, but sooner
            first = rng.randint(10, age)
        first_business = opening_hours_share(rng, first, first)
        fields |= {
            "status": S.CONTACTED,
            "first_attempt_at": created_at + datetime.timedelta(minutes=first),
            "first_attempt_minutes": first,
            "first_attempt_business_minutes": first_business,
        }
        # Reached on that first call more often than not, else on a later try.
        extra = 0 if rng.random() < 0.55 else log_uniform(rng, 30, 4 * DAY)
        if rng.random() < REACHED / ATTEMPTED and first + extra <= age:
            reached = first + extra
            reached_at = created_at + datetime.timedelta(minutes=reached)
            fields |= {
                "reached_at": reached_at,
                "reached_by": desk,
                "reached_minutes": reached,
                "reached_business_minutes": first_business + opening_hours_share(rng, extra, extra),
            }
            fields |= outcome(rng, reached_at, now)
        elif age > 14 * DAY:
            fields |= {
                "status": S.NO_RESPONSE,
                "closed_at": min(now, created_at + datetime.timedelta(days=14)),
            }

    return invented_request(
        number,
        created_at=created_at,
        location=locations[number % len(locations)],
        meeting=MEETINGS[number % len(MEETINGS)],
        urgent=urgent,
        heard_about=rng.choice(HEARD_ABOUT),
        **fields,
    )


def outcome(rng: random.Random, reached_at, now) -> dict:
    """After the patient was reached: an appointment (kept or to come), or not."""
    from booking.models import Booking

    S = Booking.Status
    roll = rng.random()
    if roll < 0.15:
        return {"status": S.CONTACTED}  # still talking it over
    if roll < 0.27:
        closed = min(now, reached_at + datetime.timedelta(hours=rng.randint(1, 72)))
        return {"status": S.NOT_SUITABLE, "closed_at": closed}
    if roll < 0.37:
        closed = min(now, reached_at + datetime.timedelta(hours=rng.randint(1, 72)))
        return {"status": S.REFERRED, "closed_at": closed}
    starts = reached_at + datetime.timedelta(days=rng.randint(2, 21), hours=rng.randint(0, 8))
    appointment = {
        "scheduled_for": starts,
        "scheduled_meeting": rng.choice(MEETINGS),
        "scheduled_by_patient": rng.random() < 0.3,
    }
    if starts < now - datetime.timedelta(days=1):
        seen = starts + datetime.timedelta(hours=2)
        return {**appointment, "status": S.CLOSED, "closed_at": seen}
    return {**appointment, "status": S.SCHEDULED}


@contextlib.contextmanager
def stored_as_given():
    """Keep each request's own reception time (`created_at` is auto_now_add)."""
    from booking.models import Booking

    field = Booking._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def fill(rng: random.Random, first: int, last: int, *, start, now, locations, desk) -> None:
    """Requests numbered first to last - 1, received between `start` and `now`."""
    from booking.models import Booking

    with stored_as_given():
        for batch_start in range(first, last, 5000):
            Booking.objects.bulk_create(
                request(rng, number, start=start, now=now, locations=locations, desk=desk)
                for number in range(batch_start, min(last, batch_start + 5000))
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Booking._meta.db_table}")


def measure(client: Client) -> tuple[float, int]:
    url = reverse("admin:booking_booking_insights")
    client.get(url)  # warm up
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert b"How are we doing?" in response.content, "not the figures page"
    return statistics.median(timings), len(queries.captured_queries)


def describe(size: int) -> str:
    """What the page's default period holds, to show the data is as intended."""
    from booking import insights

    figures = insights.insights(period=insights.period_ending(timezone.localdate()))
    o = figures.outcomes
    shown = o["received"] or 1
    share = {key: f"{100 * o[key] / shown:.0f}%" for key in ("urgent", "attempted", "reached")}
    return (
        f"{o['received']} in the period: {share['urgent']} urgent, "
        f"{share['attempted']} attempted, "
        f"{share['reached']} reached, {o['scheduled']} given an appointment, "
        f"{o['still_open']} open"
    )


def run(total: int, *, history_weeks: int = 12) -> list[tuple[int, float, int, str]]:
    """(requests stored, median ms, queries, what they are) at 1,000 and at `total`,
    received over the last `history_weeks` weeks (12: all in the page's period)."""
    from booking import insights

    with contextlib.suppress(RuntimeError):
        setup_test_environment()  # unless another benchmark already did
    # create_test_db returns the test database's name: keep the original one to
    # go back to it afterwards.
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    results = []
    try:
        from tests.factories import ensure_clinic_locations, make_manager, make_staff

        locations = ensure_clinic_locations()
        desk = make_staff(locations=("milford", "westport"))
        client = Client()
        client.force_login(make_manager())
        now = timezone.now()
        start, _ = insights.period_ending(timezone.localdate(), history_weeks).bounds()
        # The same spread at both sizes: the first 1,000 are a sample of the rest.
        rng = random.Random(SEED)
        stored = 0
        for size in (min(SMALL, total), total):
            fill(rng, stored, size, start=start, now=now, locations=locations, desk=desk)
            stored = size
            results.append((size, *measure(client), describe(size)))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return results


def verdict(results) -> tuple[float, bool]:
    """Growth from the smaller to the larger size, and whether it meets the target."""
    (_, small_ms, small_queries, _), (_, large_ms, large_queries, _) = results
    growth = large_ms / small_ms
    return growth, small_queries == large_queries and growth <= TARGET_GROWTH


def main(total: int) -> None:
    print(f"database: {connection.vendor}; median of {RUNS} runs; requests over the last 12 weeks")
    results = run(total)
    for size, ms, queries, described in results:
        print(f"{size:>6} requests  {ms:7.1f} ms  {queries} queries  ({described})")
    growth, ok = verdict(results)
    print(
        f"growth {growth:.2f}× (target: same queries, ≤ {TARGET_GROWTH}×): "
        + ("PASS" if ok else "FAIL")
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
