"""The manager's figures, checked exactly against hand-made histories."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from booking import insights, services
from booking.models import Booking, BookingExport, ClinicClosure, Location
from tests.factories import make_booking

# Monday 5 October 2026 to Sunday 1 November 2026: four whole weeks.
PERIOD = insights.Period(datetime.date(2026, 10, 5), 4)
URL = reverse_lazy("admin:booking_booking_insights")


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def received(at: datetime.datetime, **fields) -> Booking:
    booking = make_booking(**fields)
    Booking.objects.filter(pk=booking.pk).update(created_at=at)
    booking.refresh_from_db()
    return booking


def attempt(booking, at, desk, outcome="no_answer"):
    with mock.patch("django.utils.timezone.now", return_value=at):
        services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome=outcome)


@pytest.fixture
def milford(clinic_locations) -> Location:
    return Location.objects.get(slug="milford")


def test_business_hours_leave_out_the_weekend_and_a_closed_day(milford, desk):
    # Friday 16:00 to Tuesday 10:00, Monday (Columbus Day) closed: an hour on
    # Friday and an hour on Tuesday. Opening hours are weekdays 9–17 until entered.
    ClinicClosure.objects.create(date=datetime.date(2026, 10, 12), reason="Columbus Day")
    booking = received(local(2026, 10, 9, 16, 0))

    attempt(booking, local(2026, 10, 13, 10, 0), desk, outcome="reached")

    booking.refresh_from_db()
    assert booking.first_attempt_business_minutes == 120
    assert booking.first_attempt_minutes == (3 * 24 + 18) * 60
    assert (booking.reached_minutes, booking.reached_business_minutes) == (5400, 120)


def test_an_offices_own_hours_count_and_a_request_outside_them_waits_from_opening(milford, desk):
    services.opening_hours_set(
        location=milford, weekly=[(day, datetime.time(10), datetime.time(14)) for day in range(5)]
    )
    booking = received(local(2026, 10, 5, 20, 0))  # Monday evening, after closing

    attempt(booking, local(2026, 10, 6, 11, 30), desk)

    booking.refresh_from_db()
    assert booking.first_attempt_business_minutes == 90


def test_median_and_90th_percentile_are_nearest_rank_with_urgent_apart(milford, desk):
    for minutes in [30, 10, 100, 20, 60, 50, 40, 90, 80, 70]:
        booking = received(local(2026, 10, 6, 9, 0))
        attempt(
            booking,
            local(2026, 10, 6, 9, minutes % 60) + datetime.timedelta(hours=minutes // 60),
            desk,
        )
    for minutes in [15, 5, 30]:
        booking = received(local(2026, 10, 7, 9, 0), urgent=True)
        attempt(booking, local(2026, 10, 7, 9, minutes), desk, outcome="reached")

    figures = insights.insights(period=PERIOD)

    routine = figures.waits[False]["first_attempt"]
    assert routine.count == 10
    assert routine.business == {50: 50, 90: 90}
    assert routine.clock == {50: 50, 90: 90}
    assert figures.waits[False]["reached"].count == 0
    urgent = figures.waits[True]["reached"]
    assert (urgent.count, urgent.business, urgent.clock) == (3, {50: 15, 90: 30}, {50: 15, 90: 30})
    assert figures.waits[True]["first_attempt"].business == {50: 15, 90: 30}


def test_one_request_is_its_own_median_and_90th_percentile(milford, desk):
    booking = received(local(2026, 10, 6, 9, 0))
    attempt(booking, local(2026, 10, 6, 9, 25), desk)

    wait = insights.insights(period=PERIOD).waits[False]["first_attempt"]

    assert (wait.count, wait.business) == (1, {50: 25, 90: 25})


def test_outcomes_count_what_became_of_requests_received_in_the_period(milford, desk):
    westport = Location.objects.get(slug="westport")
    seen = received(local(2026, 10, 6, 9, 0))
    attempt(seen, local(2026, 10, 6, 10, 0), desk, outcome="reached")
    Booking.objects.filter(pk=seen.pk).update(
        status="closed", scheduled_for=local(2026, 10, 9, 9, 0)
    )
    referred = received(local(2026, 10, 13, 9, 0), location=westport)
    Booking.objects.filter(pk=referred.pk).update(status="referred")
    gone_quiet = received(local(2026, 10, 20, 9, 0))
    Booking.objects.filter(pk=gone_quiet.pk).update(status="no_response")
    waiting = received(local(2026, 10, 27, 9, 0), urgent=True)
    received(local(2026, 11, 2, 9, 0))  # the Monday after: not in the period
    received(local(2026, 10, 4, 23, 59))  # the Sunday before
    services.booking_anonymise(booking=referred)  # anonymised requests still count

    outcomes = insights.insights(period=PERIOD).outcomes

    assert outcomes["received"] == 4
    assert outcomes["urgent"] == 1
    assert (outcomes["attempted"], outcomes["reached"], outcomes["scheduled"]) == (1, 1, 1)
    assert (outcomes["seen"], outcomes["referred"], outcomes["no_response"]) == (1, 1, 1)
    assert (outcomes["not_suitable"], outcomes["still_open"]) == (0, 1)
    assert waiting.status == "new"


def test_weekly_volume_per_office_and_how_people_heard(milford):
    westport = Location.objects.get(slug="westport")
    received(local(2026, 10, 5, 0, 30), heard_about="doctor")  # Monday, just after midnight
    received(local(2026, 10, 11, 23, 30), heard_about="doctor")  # Sunday night, same week
    received(local(2026, 10, 12, 9, 0), location=westport, heard_about="search")
    received(local(2026, 10, 30, 9, 0))

    figures = insights.insights(period=PERIOD)

    assert [(w["monday"], w["counts"], w["total"]) for w in figures.weekly] == [
        (datetime.date(2026, 10, 5), {milford.pk: 2}, 2),
        (datetime.date(2026, 10, 12), {westport.pk: 1}, 1),
        (datetime.date(2026, 10, 19), {}, 0),
        (datetime.date(2026, 10, 26), {milford.pk: 1}, 1),
    ]
    assert dict(figures.heard_about) == {
        "My doctor or therapist": 2,
        "Family or a friend": 0,
        "An internet search": 1,
        "Somewhere else": 0,
        "Not answered": 1,
    }
    only_westport = insights.insights(period=PERIOD, office=westport)
    assert only_westport.received == 1


def test_the_response_promise_kept_uses_each_offices_own_promise(milford, desk):
    westport = Location.objects.get(slug="westport")
    Location.objects.filter(pk=milford.pk).update(response_business_hours=2)
    Location.objects.filter(pk=westport.pk).update(response_business_hours=8)
    for office, minutes in [(milford, 60), (milford, 180), (westport, 180)]:
        booking = received(local(2026, 10, 6, 9, 0), location=office)
        attempt(
            booking,
            local(2026, 10, 6, 9, 0) + datetime.timedelta(minutes=minutes),
            desk,
            outcome="reached",
        )
    received(local(2026, 10, 6, 9, 0), location=westport)  # never reached

    outcomes = insights.insights(period=PERIOD).outcomes

    assert (outcomes["promised"], outcomes["promise_kept"]) == (4, 2)


def test_the_figures_cost_the_same_queries_for_few_and_many_requests(
    milford, desk, django_assert_num_queries
):
    def measure() -> None:
        insights.insights(period=PERIOD)

    with django_assert_num_queries(3):
        measure()
    for day in range(5, 30):
        booking = received(local(2026, 10, day, 9, 0), urgent=day % 3 == 0)
        attempt(booking, local(2026, 10, day, 11, 0), desk, outcome="reached")
    with django_assert_num_queries(3):
        measure()


# --- The page --------------------------------------------------------------------------


def test_managers_see_the_page_and_the_front_desk_gets_403(manager_client, desk_client):
    assert manager_client.get(URL).status_code == 200
    assert desk_client.get(URL).status_code == 403
    assert desk_client.get(reverse("admin:booking_booking_insights_download")).status_code == 403


def test_the_page_shows_urgent_first_and_each_chart_has_a_title_summary_and_table(
    manager_client, milford, desk
):
    booking = received(timezone.now() - datetime.timedelta(days=1), urgent=True)
    attempt(booking, timezone.now(), desk, outcome="reached")

    page = manager_client.get(URL).text

    assert page.index("Urgent requests") < page.index("Other requests")
    assert page.count('role="img"') == page.count("<title id=") == page.count("<desc id=") == 4
    assert page.count("<table") >= 4
    assert "Jordan" not in page and booking.reference not in page


def test_a_bad_period_gets_a_message_not_an_error(manager_client):
    response = manager_client.get(URL, {"start": "31/31/2026", "weeks": "900", "office": "x"})

    assert response.status_code == 400
    assert "Enter a valid date" in response.text


def test_the_download_has_aggregates_only_and_is_logged(manager_client, manager, milford, desk):
    booking = received(timezone.now() - datetime.timedelta(days=1))
    attempt(booking, timezone.now(), desk)

    response = manager_client.get(reverse("admin:booking_booking_insights_download"))

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Received" in text and booking.reference not in text and "Jordan" not in text
    export = BookingExport.objects.get()
    assert export.user == manager and export.filters.startswith("insights")
