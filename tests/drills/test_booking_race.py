"""Drill: fifty patients pick the same consultation time at the same moment.

gunicorn with the repository's config and production settings, against
PostgreSQL. Milford takes online bookings with one seat. Fifty patients
send their requests, open the page of times and, released together by a
barrier, all post the earliest one. One of them gets it; the other 49 are
told it was just taken and offered the next times; nobody sees a 5xx and
every request is stored once, whatever happened to its time.
"""

import datetime
import statistics

import pytest

from booking import services
from booking.availability import parse_time_value
from booking.models import Appointment, Booking, Location
from tests.production_server import (
    JUST_TAKEN,
    SENT,
    gunicorn,
    patients_at_time_picker,
    percentile,
    pick_at_once,
)

CLIENTS = 50
# More workers than the drills' usual two, so that several bookings are
# inside their transaction at the same moment.
WORKERS = 4
# Every day of the week, so there are open times tomorrow whatever today is.
EVERY_DAY = [(weekday, datetime.time(9), datetime.time(17)) for weekday in range(7)]


@pytest.fixture
def milford_books_online(test_database) -> Location:
    milford = Location.objects.get(slug="milford")
    services.availability_set(
        location=milford,
        windows=EVERY_DAY,
        is_active=True,
        in_person_minutes=60,
        phone_minutes=30,
        video_minutes=30,
        buffer_minutes=15,
        seats=1,
        notice_days=1,
        horizon_days=21,
    )
    return milford


def test_fifty_patients_posting_the_same_time_at_once_book_it_exactly_once(
    test_database, milford_books_online, site_env, tmp_path
):
    *_, url = test_database
    emails = [f"race-{number}@example.com" for number in range(CLIENTS)]

    with gunicorn(site_env(url), workers=WORKERS, log=tmp_path / "gunicorn.log") as base_url:
        pickers = patients_at_time_picker(base_url, emails)
        earliest = {picker.starts[0] for picker in pickers}
        assert len(earliest) == 1, earliest  # nobody has booked yet: all see the same times
        (start,) = earliest
        picks = pick_at_once(pickers, start)

    latencies = [pick.ms for pick in picks]
    print(
        f"\nbooking race, {CLIENTS} patients posting {start} at once "
        f"({WORKERS} gunicorn workers): p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms"
    )

    statuses = sorted(pick.status or 0 for pick in picks)
    assert statuses == [302] + [409] * (CLIENTS - 1), statuses  # no 5xx, nobody unanswered
    (winner,) = [pick for pick in picks if pick.status == 302]
    assert winner.location == SENT
    losers = [pick for pick in picks if pick.status == 409]
    for lost in losers:
        assert JUST_TAKEN in lost.text
        assert lost.next_times, "a patient who lost the time is offered no other"
        assert start not in lost.next_times

    starts_at = parse_time_value(start)
    booked = Appointment.objects.filter(state=Appointment.State.BOOKED)
    assert booked.count() == 1
    appointment = booked.select_related("booking").get()
    assert appointment.starts_at == starts_at
    assert appointment.location == milford_books_online
    assert appointment.booked_by_patient
    assert appointment.booking.email == winner.email
    assert Appointment.objects.count() == 1  # the losers' attempts left nothing behind

    stored = list(Booking.objects.values_list("email", flat=True))
    assert sorted(stored) == sorted(emails)  # every request stored, and once
    won = Booking.objects.get(email=winner.email)
    assert won.status == Booking.Status.SCHEDULED
    assert won.scheduled_by_patient
    assert won.scheduled_for == starts_at
    others = Booking.objects.exclude(pk=won.pk)
    assert set(others.values_list("status", flat=True)) == {Booking.Status.NEW}
    assert not others.filter(scheduled_for__isnull=False).exists()
    assert not others.filter(scheduled_by_patient=True).exists()
