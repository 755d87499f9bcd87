"""Which times patients are offered: rules, closed days, seats and the clock changes."""

import datetime

import pytest
from django.utils import timezone

from booking import availability, services
from booking.models import Appointment, ClinicClosure, Location
from tests.factories import make_booking

UTC = datetime.UTC
T = datetime.time


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def milford(clinic_locations) -> Location:
    return Location.objects.get(slug="milford")


def rules(location, windows, **overrides):
    settings = {
        "is_active": True,
        "in_person_minutes": 60,
        "phone_minutes": 30,
        "video_minutes": None,
        "buffer_minutes": 0,
        "seats": 1,
        "notice_days": 1,
        "horizon_days": 21,
    }
    settings.update(overrides)
    return services.availability_set(location=location, windows=windows, **settings)


def starts(days) -> list[datetime.datetime]:
    return [time.starts_at for day in days for time in day.times]


def hold(location, starts_at, minutes=60, seat=0):
    booking = make_booking(location=location)
    return Appointment.objects.create(
        booking=booking,
        location=location,
        meeting="in_person",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        seat=seat,
        manage_key=f"key-{booking.pk}",
        manage_token_hash=f"{booking.pk:064d}",
    )


def test_an_office_without_rules_offers_nothing_and_keeps_the_call_back_flow(milford):
    assert availability.offered_kinds(milford) == []
    assert availability.open_days(milford, "in_person") == []


def test_switched_off_rules_or_no_windows_offer_nothing(milford):
    rules(milford, [(0, T(9), T(12))], is_active=False)
    assert availability.offered_kinds(milford) == []

    rules(milford, [], is_active=True)
    assert availability.offered_kinds(milford) == []


def test_only_the_kinds_with_a_length_are_offered(milford):
    rules(milford, [(0, T(9), T(12))])

    assert availability.offered_kinds(milford) == ["in_person", "phone"]
    assert availability.open_days(milford, "video") == []


def test_times_step_by_length_plus_buffer_within_each_window(milford):
    # Tuesday 8 December 2026; the rules start from the next open day.
    rules(milford, [(2, T(9), T(12)), (2, T(13), T(15))], buffer_minutes=15)
    now = local(2026, 12, 8, 9, 0)

    days = availability.open_days(milford, "in_person", days=1, now=now)

    assert [day.day for day in days] == [datetime.date(2026, 12, 9)]
    assert [t.local.time() for t in days[0].times] == [T(9), T(10, 15), T(13)]


def test_notice_counts_open_days_and_skips_closed_ones(milford):
    # Open Mondays and Wednesdays; two days' notice from Sunday 6 December.
    rules(milford, [(0, T(9), T(10)), (2, T(9), T(10))], notice_days=2)
    ClinicClosure.objects.create(date=datetime.date(2026, 12, 9), location=milford)
    now = local(2026, 12, 6, 12, 0)

    days = availability.open_days(milford, "in_person", days=2, now=now)

    # Monday 7 is the first open day, Wednesday 9 is closed, Monday 14 the second.
    assert [day.day for day in days] == [datetime.date(2026, 12, 14), datetime.date(2026, 12, 16)]


def test_a_day_every_office_is_closed_is_never_offered(milford):
    rules(milford, [(day, T(9), T(10)) for day in range(7)])
    ClinicClosure.objects.create(date=datetime.date(2026, 12, 25), reason="Christmas")
    now = local(2026, 12, 23, 12, 0)

    days = availability.open_days(milford, "in_person", days=3, now=now)

    assert [day.day for day in days] == [
        datetime.date(2026, 12, 24),
        datetime.date(2026, 12, 26),
        datetime.date(2026, 12, 27),
    ]


def test_nothing_is_offered_beyond_the_horizon(milford):
    rules(milford, [(day, T(9), T(10)) for day in range(7)], horizon_days=3)
    now = local(2026, 12, 7, 12, 0)

    days = availability.open_days(milford, "in_person", days=10, now=now)

    assert [day.day for day in days] == [
        datetime.date(2026, 12, 8),
        datetime.date(2026, 12, 9),
        datetime.date(2026, 12, 10),
    ]


def test_same_day_times_need_an_hour_of_lead(milford):
    rules(milford, [(0, T(9), T(13))], notice_days=0)
    now = local(2026, 12, 7, 9, 30)

    days = availability.open_days(milford, "in_person", days=1, now=now)

    assert [t.local.time() for t in days[0].times] == [T(11), T(12)]


def test_a_booked_seat_and_its_buffer_are_not_offered_until_every_seat_is_full(milford):
    rules(milford, [(1, T(9), T(12))], buffer_minutes=30, seats=2)
    now = local(2026, 12, 7, 12, 0)
    hold(milford, local(2026, 12, 8, 9, 0), seat=0)

    (day,) = availability.open_days(milford, "in_person", days=1, now=now)
    assert [(t.local.time(), t.seat) for t in day.times] == [(T(9), 1), (T(10, 30), 0)]

    hold(milford, local(2026, 12, 8, 9, 0), seat=1)
    (day,) = availability.open_days(milford, "in_person", days=1, now=now)
    assert [t.local.time() for t in day.times] == [T(10, 30)]


def test_an_appointment_of_another_length_blocks_every_time_it_overlaps(milford):
    rules(milford, [(1, T(9), T(12))], buffer_minutes=0)
    now = local(2026, 12, 7, 12, 0)
    hold(milford, local(2026, 12, 8, 9, 45), minutes=30)  # staff booked 9:45–10:15

    (day,) = availability.open_days(milford, "phone", days=1, now=now)

    assert [t.local.time() for t in day.times] == [T(9), T(10, 30), T(11), T(11, 30)]


def test_spring_forward_day_never_offers_the_skipped_hour(milford):
    # Sunday 14 March 2027: 2:00 EST becomes 3:00 EDT.
    rules(milford, [(6, T(0), T(4)), (6, T(10), T(11))])
    now = local(2027, 3, 10, 12, 0)

    (day, *_) = availability.open_days(milford, "in_person", days=1, now=now)

    assert day.day == datetime.date(2027, 3, 14)
    assert [t.starts_at for t in day.times] == [
        utc(2027, 3, 14, 5),  # 0:00 EST
        utc(2027, 3, 14, 6),  # 1:00 EST
        utc(2027, 3, 14, 7),  # 3:00 EDT (2:00 does not exist)
        utc(2027, 3, 14, 14),  # 10:00 EDT
    ]
    assert [t.local.strftime("%H:%M %Z") for t in day.times] == [
        "00:00 EST",
        "01:00 EST",
        "03:00 EDT",
        "10:00 EDT",
    ]


def test_fall_back_day_offers_the_repeated_hour_once(milford):
    # Sunday 7 November 2027: 2:00 EDT becomes 1:00 EST; 1:00–1:59 happens twice.
    rules(milford, [(6, T(0), T(4)), (6, T(10), T(11))])
    now = local(2027, 11, 3, 12, 0)

    (day, *_) = availability.open_days(milford, "in_person", days=1, now=now)

    assert day.day == datetime.date(2027, 11, 7)
    assert [t.starts_at for t in day.times] == [
        utc(2027, 11, 7, 4),  # 0:00 EDT
        utc(2027, 11, 7, 5),  # 1:00 EDT, the first one
        utc(2027, 11, 7, 7),  # 2:00 EST
        utc(2027, 11, 7, 8),  # 3:00 EST
        utc(2027, 11, 7, 15),  # 10:00 EST
    ]
    assert all(t.ends_at - t.starts_at == datetime.timedelta(hours=1) for t in day.times)


def test_booking_on_a_clock_change_day_stores_the_instant_and_shows_the_office_time(milford):
    rules(milford, [(6, T(0), T(4))])
    booking = make_booking(location=milford)
    now = local(2027, 3, 10, 12, 0)

    appointment = services.appointment_book(
        booking=booking, starts_at=utc(2027, 3, 14, 7), meeting="in_person", now=now
    )

    appointment.refresh_from_db()
    assert appointment.starts_at == utc(2027, 3, 14, 7)
    assert timezone.localtime(appointment.starts_at).strftime("%H:%M %Z") == "03:00 EDT"


def test_the_time_a_form_posts_reads_back_as_the_same_instant():
    moment = utc(2026, 12, 8, 15, 30)

    assert availability.time_value(moment) == "2026-12-08T15:30Z"
    assert availability.parse_time_value("2026-12-08T15:30Z") == moment
    for junk in ["", "2026-12-08", "2026-13-40T99:99Z", "x" * 17, "2026-12-08T15:30+00"]:
        assert availability.parse_time_value(junk) is None


def test_open_times_cost_the_same_queries_with_many_appointments(
    milford, django_assert_num_queries
):
    rules(milford, [(day, T(9), T(17)) for day in range(7)], seats=3)
    now = timezone.now()

    with django_assert_num_queries(4):
        availability.open_days(milford, "in_person", days=3, now=now)

    first = availability.open_days(milford, "in_person", days=1, now=now)[0].times[0]
    for seat in range(3):
        hold(milford, first.starts_at, seat=seat)
    with django_assert_num_queries(4):
        days = availability.open_days(milford, "in_person", days=3, now=now)
    assert first.starts_at not in starts(days)
