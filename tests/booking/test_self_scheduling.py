"""Patients pick, move and cancel their own consultation time; staff see and change it."""

import datetime
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import availability, services
from booking.manage_links import manage_token, manage_url
from booking.models import Appointment, Booking, Location, Notification
from tests.factories import make_booking, valid_booking_data

T = datetime.time
PICK_URL = reverse("booking:pick")
DONE_URL = reverse("booking:done")


@pytest.fixture
def milford(clinic_locations) -> Location:
    return open_milford_every_day()


def open_milford_every_day() -> Location:
    location = Location.objects.get(slug="milford")
    services.availability_set(
        location=location,
        # Every day of the week, so the tests do not depend on today.
        windows=[(day, T(9), T(17)) for day in range(7)],
        is_active=True,
        in_person_minutes=60,
        phone_minutes=30,
        video_minutes=None,
        buffer_minutes=15,
        seats=1,
        notice_days=1,
        horizon_days=21,
    )
    return location


def open_times(location, meeting="in_person") -> list[availability.OpenTime]:
    return [t for day in availability.open_days(location, meeting, days=5) for t in day.times]


def book(booking, index=0, meeting="in_person") -> Appointment:
    return services.appointment_book(
        booking=booking,
        starts_at=open_times(booking.location, meeting)[index].starts_at,
        meeting=meeting,
    )


def book_days_ahead(booking, *, day=3, index=0) -> Appointment:
    """A time at least `day` days away, so every reminder is still ahead."""
    days = availability.open_days(booking.location, "in_person", days=day + 1)
    return services.appointment_book(
        booking=booking, starts_at=days[day].times[index].starts_at, meeting="in_person"
    )


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def sent_request(client) -> Booking:
    response = client.post(reverse("booking:create"), valid_booking_data())
    assert response.status_code == 302
    return Booking.objects.get()


# --- The services ---------------------------------------------------------------------


def test_booking_a_time_schedules_the_request_as_booked_by_the_patient(milford):
    booking = make_booking(urgent=True)
    first = open_times(milford)[0]

    appointment = book(booking)

    booking.refresh_from_db()
    assert (appointment.starts_at, appointment.seat, appointment.state) == (
        first.starts_at,
        0,
        "booked",
    )
    assert appointment.booked_by_patient
    assert booking.status == Booking.Status.SCHEDULED
    assert booking.scheduled_for == first.starts_at
    assert booking.scheduled_meeting == "in_person"
    assert booking.scheduled_by_patient
    # An urgent answer still puts the request first, to be called.
    assert booking.urgent_unreached
    assert first.starts_at not in [t.starts_at for t in open_times(milford)]


def test_the_second_patient_for_one_seat_is_told_the_time_was_just_taken(milford):
    first, second = make_booking(), make_booking(email="sam@example.com")
    when = open_times(milford)[0].starts_at
    services.appointment_book(booking=first, starts_at=when, meeting="in_person")

    with pytest.raises(services.TimeTaken):
        services.appointment_book(booking=second, starts_at=when, meeting="in_person")

    second.refresh_from_db()
    assert second.status == Booking.Status.NEW
    assert Appointment.objects.filter(state="booked").count() == 1


def test_two_seats_take_two_patients_at_the_same_time_and_no_third(milford):
    milford.availability.seats = 2
    milford.availability.save()
    when = open_times(milford)[0].starts_at
    patients = [make_booking(email=f"p{n}@example.com") for n in range(3)]

    seats = [
        services.appointment_book(booking=p, starts_at=when, meeting="in_person").seat
        for p in patients[:2]
    ]
    with pytest.raises(services.TimeTaken):
        services.appointment_book(booking=patients[2], starts_at=when, meeting="in_person")

    assert seats == [0, 1]


def test_the_database_refuses_a_second_booked_appointment_on_one_seat(milford):
    appointment = book(make_booking())
    twin = make_booking(email="twin@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            booking=twin,
            location=milford,
            meeting="in_person",
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            seat=appointment.seat,
            manage_key="other",
            manage_token_hash="0" * 64,
        )


def test_a_time_that_is_not_offered_is_refused_not_booked(milford):
    booking = make_booking()
    off_grid = open_times(milford)[0].starts_at + datetime.timedelta(minutes=7)
    too_soon = timezone.now() + datetime.timedelta(hours=2)

    for when in [off_grid, too_soon]:
        with pytest.raises(ValidationError) as error:
            services.appointment_book(booking=booking, starts_at=when, meeting="in_person")
        assert error.value.code == "not_offered"
    with pytest.raises(ValidationError):
        services.appointment_book(
            booking=booking, starts_at=open_times(milford)[0].starts_at, meeting="video"
        )
    assert not Appointment.objects.exists()


def test_a_request_that_is_already_scheduled_or_closed_cannot_book_again(milford, desk):
    booking = make_booking()
    book(booking)

    with pytest.raises(ValidationError) as error:
        book(booking, index=1)
    assert error.value.code == "not_bookable"


def test_booking_queues_a_confirmation_and_a_reminder_for_each_configured_lead(milford):
    booking = make_booking()
    appointment = book_days_ahead(booking)

    confirmation = booking.notifications.get(kind="patient_scheduled")
    reminders = booking.notifications.filter(kind="patient_reminder").order_by("due_at")
    assert confirmation.appointment == appointment
    assert [r.due_at for r in reminders] == [
        appointment.starts_at - datetime.timedelta(hours=24),
        appointment.starts_at - datetime.timedelta(hours=2),
    ]
    assert {r.state for r in reminders} == {"queued"}


def test_no_reminders_for_a_patient_who_declined_email(milford):
    booking = make_booking(email_ok=False)
    book(booking)

    assert not booking.notifications.filter(kind__startswith="patient_").exists()


def test_moving_frees_the_old_time_and_supersedes_its_reminders_and_link(milford):
    booking = make_booking()
    old = book_days_ahead(booking)
    old_link = manage_token(old)

    new = services.appointment_move(
        appointment=old, starts_at=open_times(milford, "phone")[8].starts_at, meeting="phone"
    )

    old.refresh_from_db()
    booking.refresh_from_db()
    assert old.state == "moved" and old.ended_at is not None
    assert new.is_booked and new.meeting == "phone" and new.minutes == 30
    assert (booking.scheduled_for, booking.scheduled_meeting) == (new.starts_at, "phone")
    assert old.starts_at in [t.starts_at for t in open_times(milford)]
    assert services.appointment_for_link(token=old_link) is None
    assert services.appointment_for_link(token=manage_token(new)) == new
    states = {
        (n.appointment_id, n.kind): n.state for n in booking.notifications.exclude(appointment=None)
    }
    assert states[(old.pk, "patient_scheduled")] == "superseded"
    assert states[(old.pk, "patient_reminder")] == "superseded"
    assert states[(new.pk, "patient_scheduled")] == "queued"
    assert states[(new.pk, "patient_reminder")] == "queued"


def test_a_move_to_a_time_just_taken_keeps_the_old_appointment(milford):
    booking, other = make_booking(), make_booking(email="other@example.com")
    mine = book(booking, index=0)
    wanted = open_times(milford)[3].starts_at
    services.appointment_book(booking=other, starts_at=wanted, meeting="in_person")

    with pytest.raises(services.TimeTaken):
        services.appointment_move(appointment=mine, starts_at=wanted, meeting="in_person")

    mine.refresh_from_db()
    assert mine.is_booked
    assert services.appointment_for_link(token=manage_token(mine)) == mine


def test_cancelling_frees_the_time_at_once_and_returns_the_request_to_the_desk(milford):
    booking = make_booking()
    appointment = book(booking)

    services.appointment_cancel(appointment=appointment)

    booking.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.state == "cancelled"
    assert booking.status == Booking.Status.NEW  # nobody has reached them yet
    assert appointment.starts_at == open_times(milford)[0].starts_at
    assert booking.notifications.filter(kind="patient_cancelled", state="queued").exists()
    assert not booking.notifications.filter(kind="patient_reminder", state="queued").exists()
    assert services.appointment_for_link(token=manage_token(appointment)) is None


def test_a_manage_link_stops_working_once_the_appointment_is_over(milford):
    appointment = book(make_booking())
    token = manage_token(appointment)

    assert services.appointment_for_link(token=token) == appointment
    after = appointment.ends_at + datetime.timedelta(minutes=1)
    assert services.appointment_for_link(token=token, now=after) is None
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=appointment, now=after)


# --- Reminders, through the real worker, with the clock moved (never slept) --------------


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.mark.django_db(transaction=True)
def test_a_reminder_goes_once_at_its_time_with_no_health_details(milford):
    booking = make_booking(urgent=True, message="Private health details")
    appointment = book_days_ahead(booking)
    run_worker()
    mail.outbox.clear()
    due = appointment.starts_at - datetime.timedelta(hours=24)

    with at(due - datetime.timedelta(minutes=5)):
        run_worker()
    assert mail.outbox == []  # not yet

    with at(due + datetime.timedelta(minutes=1)):
        run_worker()
        run_worker()

    (message,) = mail.outbox
    assert message.subject.startswith("Reminder: your appointment on")
    assert booking.reference in message.body
    assert manage_url(appointment, absolute=True) in message.body
    for private in ["Jordan", "Rivera", "1985", "Private health", "urgent", "ketamine"]:
        assert private not in message.subject + message.body


@pytest.mark.django_db(transaction=True)
def test_no_reminder_after_a_cancel_and_none_sent_late(milford):
    cancelled = make_booking()
    appointment = book_days_ahead(cancelled)
    services.appointment_cancel(appointment=appointment)
    late = make_booking(email="late@example.com")
    other = book_days_ahead(late, index=1)
    run_worker()
    mail.outbox.clear()

    # The worker was down through both reminders' times and an hour past.
    with at(other.starts_at - datetime.timedelta(hours=1)):
        run_worker()

    assert mail.outbox == []
    reminders = Notification.objects.filter(kind="patient_reminder")
    assert {(n.booking_id, n.state) for n in reminders} == {
        (cancelled.pk, "superseded"),
        (late.pk, "too_late"),
    }


# --- Staff: the same appointments, through the same services ---------------------------


def test_staff_moving_a_patient_booked_appointment_tells_the_patient_with_a_new_link(milford, desk):
    booking = make_booking()
    patient_booked = book(booking, index=0)
    new_time = open_times(milford)[4].starts_at

    services.booking_schedule(booking=booking, by=desk, starts_at=new_time, meeting="in_person")

    patient_booked.refresh_from_db()
    booking.refresh_from_db()
    current = booking.appointments.get(state="booked")
    assert patient_booked.state == "moved"
    assert current.starts_at == new_time and not current.booked_by_patient
    assert not booking.scheduled_by_patient
    confirmation = booking.notifications.filter(kind="patient_scheduled").latest("pk")
    assert confirmation.appointment == current and confirmation.state == "queued"


def test_staff_cannot_book_a_time_every_seat_already_holds(milford, desk):
    taken = book(make_booking())
    booking = make_booking(email="next@example.com")
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")

    with pytest.raises(ValidationError) as error:
        services.booking_schedule(
            booking=booking,
            by=desk,
            starts_at=taken.starts_at + datetime.timedelta(minutes=30),
            meeting="in_person",
        )

    assert "starts_at" in error.value.message_dict


def test_closing_a_request_frees_its_future_time(milford, desk):
    booking = make_booking()
    appointment = book(booking)

    services.booking_close(booking=booking, by=desk, outcome="not_suitable", reason="Under care")

    appointment.refresh_from_db()
    assert appointment.state == "cancelled"
    assert appointment.starts_at == open_times(milford)[0].starts_at


def test_the_request_page_and_list_say_the_patient_booked_it(milford, desk_client):
    booking = make_booking()
    book(booking)

    page = desk_client.get(reverse("admin:booking_booking_change", args=[booking.pk]))
    listing = desk_client.get(reverse("admin:booking_booking_changelist"))
    agenda = desk_client.get(reverse("admin:booking_booking_agenda"))

    assert "booked by the patient" in page.text
    assert "Appointment booked" in page.text and "the patient" in page.text
    assert "booked by the patient" in listing.text
    assert "booked by the patient" in agenda.text


# --- The pages ------------------------------------------------------------------------


def test_after_sending_the_patient_is_offered_times_grouped_by_day_in_plain_words(client, milford):
    response = client.post(reverse("booking:create"), valid_booking_data())
    assert response.url == PICK_URL

    page = client.get(PICK_URL)

    first = open_times(milford)[0]
    assert page.status_code == 200
    assert first.local.strftime("%A %-d %B") in page.text
    assert f'value="{first.value}"' in page.text
    assert re.search(r">\d{1,2}:\d\d [ap]m<", page.text)
    assert "Call me to arrange a time instead" in page.text
    assert "<script" not in page.text


def test_the_page_of_open_times_reads_the_offices_rules_once(client, milford):
    client.post(reverse("booking:create"), valid_booking_data())

    with CaptureQueriesContext(connection) as queries:
        assert client.get(PICK_URL).status_code == 200

    reads = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "booking_availability"' in sql for sql in reads) == 1
    assert sum('FROM "booking_availabilitywindow"' in sql for sql in reads) == 1


def test_picking_a_time_books_it_and_the_confirmation_gives_the_manage_link(client, milford):
    booking = sent_request(client)
    first = open_times(milford)[0]

    response = client.post(PICK_URL, {"start": first.value, "kind": "in_person"})

    assert response.status_code == 302 and response.url == DONE_URL
    appointment = booking.appointments.get(state="booked")
    done = client.get(DONE_URL)
    assert "Your consultation is booked" in done.text
    assert manage_url(appointment) in done.text
    assert "232 Boston Post Rd" in done.text


def test_the_loser_of_a_race_sees_just_taken_with_the_next_three_times(client, milford):
    booking = sent_request(client)
    first, *later = open_times(milford)
    book(make_booking(email="quick@example.com"))

    response = client.post(PICK_URL, {"start": first.value, "kind": "in_person"})

    assert response.status_code == 409
    assert "That time was just taken" in response.text
    for time in later[:3]:
        assert f'value="{time.value}"' in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NEW  # the request and its answers are kept
    assert booking.first_name == valid_booking_data()["first_name"]


def test_a_missing_or_forged_time_gets_a_clear_message_not_an_error(client, milford):
    sent_request(client)

    for data in [{}, {"start": "tomorrow"}, {"start": "2020-01-01T10:00Z", "kind": "video"}]:
        response = client.post(PICK_URL, {"kind": "in_person", **data})
        assert response.status_code == 400
        assert "There is a problem" in response.text
    assert not Appointment.objects.exists()


def test_an_office_without_online_booking_keeps_the_we_will_call_you_flow(client, milford):
    response = client.post(reverse("booking:create"), valid_booking_data(location="westport"))

    assert response.url == DONE_URL
    assert client.get(PICK_URL).url == DONE_URL


def test_the_time_page_needs_this_browsers_request(client, milford):
    assert client.get(PICK_URL).url == reverse("booking:create")


def test_the_manage_page_shows_time_and_place_but_nothing_personal(client, milford):
    booking = make_booking(message="Private health details")
    appointment = book(booking)

    page = client.get(manage_url(appointment))

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert booking.reference in page.text
    assert "232 Boston Post Rd" in page.text
    for private in ["Jordan", "Rivera", "jordan@example.com", "1985", "Private health"]:
        assert private not in page.text


def test_cancelling_from_the_link_then_the_link_is_gone(client, milford):
    appointment = book(make_booking())
    url = manage_url(appointment)

    cancel_url = reverse("booking:manage_cancel", args=[manage_token(appointment)])
    assert client.get(cancel_url).status_code == 200
    response = client.post(cancel_url)

    assert "Your appointment is cancelled" in response.text
    assert client.get(url).status_code == 410
    forged = reverse("booking:manage", args=["not-a-real-token-at-all-x"])
    assert client.get(forged).status_code == 410


def test_picking_another_time_from_the_link_moves_the_appointment(client, milford):
    appointment = book(make_booking())
    token = manage_token(appointment)
    target = open_times(milford)[2]

    response = client.post(
        reverse("booking:manage_time", args=[token]), {"start": target.value, "kind": "in_person"}
    )

    moved = Appointment.objects.get(state="booked")
    assert response.status_code == 302
    assert response.url == manage_url(moved) + "?moved=1"
    assert moved.starts_at == target.starts_at
    assert client.get(reverse("booking:manage", args=[token])).status_code == 410


def test_the_calendar_file_from_the_link_is_the_appointment(client, milford):
    appointment = book(make_booking())

    response = client.get(reverse("booking:manage_calendar", args=[manage_token(appointment)]))

    assert response["Content-Type"].startswith("text/calendar")
    assert "DTSTART" in response.text and "232 Boston Post Rd" in response.text


def test_a_patient_under_18_on_the_day_cannot_book(milford):
    booking = make_booking()
    first = open_times(milford)[0]
    seventeen = timezone.localdate(first.starts_at).replace(year=timezone.localdate().year - 17)
    Booking.objects.filter(pk=booking.pk).update(date_of_birth=seventeen)

    with pytest.raises(ValidationError) as error:
        services.appointment_book(booking=booking, starts_at=first.starts_at, meeting="in_person")

    assert error.value.code == "under_age"
    assert not Appointment.objects.exists()
