"""Status changes, assignment and notes go through booking/services.py."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking import services
from booking.models import Booking, Notification
from tests.factories import make_booking, make_manager, make_staff

pytestmark = pytest.mark.django_db

S = Booking.Status
SOON = timezone.now() + datetime.timedelta(days=2)
ALL_STATUSES = list(S)
ALLOWED = {
    (S.NEW, S.CONTACTED),
    (S.NEW, S.NOT_SUITABLE),
    (S.NEW, S.REFERRED),
    (S.NEW, S.NO_RESPONSE),
    (S.CONTACTED, S.SCHEDULED),
    (S.CONTACTED, S.NOT_SUITABLE),
    (S.CONTACTED, S.REFERRED),
    (S.CONTACTED, S.NO_RESPONSE),
    (S.SCHEDULED, S.SCHEDULED),
    (S.SCHEDULED, S.CONTACTED),
    (S.SCHEDULED, S.CLOSED),
    (S.SCHEDULED, S.NOT_SUITABLE),
    (S.SCHEDULED, S.REFERRED),
    (S.SCHEDULED, S.NO_RESPONSE),
}
# The shortest path from New to each status.
PATH = {
    S.NEW: [],
    S.CONTACTED: [S.CONTACTED],
    S.SCHEDULED: [S.CONTACTED, S.SCHEDULED],
    S.CLOSED: [S.CONTACTED, S.SCHEDULED, S.CLOSED],
    S.NOT_SUITABLE: [S.NOT_SUITABLE],
    S.REFERRED: [S.REFERRED],
    S.NO_RESPONSE: [S.NO_RESPONSE],
}


@pytest.fixture
def staff(clinic_locations):
    return make_staff()


VIDEO_LINK = "https://video.example.com/room/8841"


def fail_to_reach(booking, by, times=3):
    for _ in range(times):
        services.contact_attempt_log(booking=booking, by=by, channel="phone", outcome="no_answer")


def change(booking, to_status, by):
    booking.refresh_from_db()
    if to_status == S.NO_RESPONSE and booking.is_open:
        fail_to_reach(booking, by)
    # A later time each time, so rescheduling always changes something.
    starts_at = max(SOON, booking.scheduled_for or SOON) + datetime.timedelta(hours=1)
    return services.booking_change_status(
        booking=booking,
        to_status=to_status,
        by=by,
        reason="Needs a different service",
        scheduled_for=starts_at,
        meeting=Booking.Meeting.VIDEO,
        video_link=VIDEO_LINK,
    )


def booking_in(status, by) -> Booking:
    booking = make_booking()
    for step in PATH[status]:
        booking = change(booking, step, by)
    return booking


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a in ALL_STATUSES for b in ALL_STATUSES]
)
def test_only_allowed_status_changes_happen(staff, current, target):
    booking = booking_in(current, staff)

    if (current, target) in ALLOWED:
        changed = change(booking, target, staff)
        assert changed.status == target
        assert changed.status_changed_by == staff
        assert changed.status_changed_at is not None
    else:
        with pytest.raises(ValidationError) as error:
            change(booking, target, staff)
        assert booking.reference in error.value.messages[0]
        booking.refresh_from_db()
        assert booking.status == current


def test_new_request_cannot_be_scheduled_before_contact(staff):
    booking = make_booking()

    with pytest.raises(ValidationError, match="log that you reached the patient"):
        change(booking, S.SCHEDULED, staff)


def test_closed_request_says_it_cannot_change(staff):
    booking = booking_in(S.NO_RESPONSE, staff)

    with pytest.raises(ValidationError, match="already closed"):
        change(booking, S.CONTACTED, staff)


@pytest.mark.parametrize("target", [S.NOT_SUITABLE, S.REFERRED])
def test_not_suitable_and_referred_need_a_reason(staff, target):
    booking = make_booking()

    with pytest.raises(ValidationError) as error:
        services.booking_change_status(booking=booking, to_status=target, by=staff, reason=" ")

    assert "reason" in error.value.error_dict
    changed = services.booking_change_status(
        booking=booking, to_status=target, by=staff, reason="Under 18 at the consultation"
    )
    assert changed.closing_reason == "Under 18 at the consultation"
    assert changed.closed_at is not None


def test_scheduling_needs_a_future_time_and_meeting_mode(staff):
    booking = booking_in(S.CONTACTED, staff)

    with pytest.raises(ValidationError) as error:
        services.booking_change_status(booking=booking, to_status=S.SCHEDULED, by=staff)
    assert set(error.value.error_dict) == {"starts_at", "meeting"}

    with pytest.raises(ValidationError) as error:
        services.booking_change_status(
            booking=booking,
            to_status=S.SCHEDULED,
            by=staff,
            scheduled_for=timezone.now() - datetime.timedelta(hours=1),
            meeting=Booking.Meeting.PHONE,
        )
    assert set(error.value.error_dict) == {"starts_at"}

    with pytest.raises(ValidationError) as error:
        services.booking_schedule(
            booking=booking, by=staff, starts_at=SOON, meeting=Booking.Meeting.VIDEO
        )
    assert set(error.value.error_dict) == {"video_link"}
    booking.refresh_from_db()
    assert booking.status == S.CONTACTED


def test_scheduling_queues_a_confirmation_and_rescheduling_supersedes_an_unsent_one(staff):
    booking = booking_in(S.CONTACTED, staff)

    change(booking, S.SCHEDULED, staff)
    later = SOON + datetime.timedelta(days=3)
    services.booking_change_status(
        booking=booking,
        to_status=S.SCHEDULED,
        by=staff,
        scheduled_for=later,
        meeting=Booking.Meeting.IN_PERSON,
    )

    confirmations = booking.notifications.filter(kind=Notification.Kind.PATIENT_SCHEDULED)
    assert list(confirmations.values_list("state", flat=True)) == ["superseded", "queued"]
    booking.refresh_from_db()
    assert booking.scheduled_for == later
    assert booking.scheduled_meeting == Booking.Meeting.IN_PERSON


def test_scheduling_sends_nothing_to_a_patient_who_declined_email(staff):
    booking = make_booking(email_ok=False)
    booking = change(booking, S.CONTACTED, staff)

    change(booking, S.SCHEDULED, staff)

    assert not booking.notifications.filter(kind=Notification.Kind.PATIENT_SCHEDULED).exists()


def test_each_change_is_in_the_history_with_who_made_it(staff):
    booking = make_booking()

    change(booking, S.CONTACTED, staff)
    services.booking_assign(booking=booking, to=staff, by=staff)

    latest = booking.history.first()
    assert latest.assigned_to == staff
    assert latest.history_user == staff
    assert list(booking.history.order_by("history_date").values_list("status", flat=True)) == [
        "new",
        "contacted",
        "contacted",
    ]


def test_assigning_to_someone_from_another_location_is_refused(staff):
    westport = make_staff(username="westport-desk", locations=["westport"])
    booking = make_booking()

    with pytest.raises(ValidationError, match="does not work on Milford"):
        services.booking_assign(booking=booking, to=westport, by=staff)

    manager = make_manager()
    assert services.booking_assign(booking=booking, to=manager, by=staff).assigned_to == manager


def test_note_is_stamped_with_author_and_time_and_never_emailed(staff, mailoutbox):
    booking = make_booking()

    note = services.triage_note_add(booking=booking, author=staff, text="  Called, left voicemail ")

    assert note.author == staff
    assert note.text == "Called, left voicemail"
    assert timezone.now() - note.created_at < datetime.timedelta(seconds=5)
    assert mailoutbox == []
    with pytest.raises(ValidationError):
        services.triage_note_add(booking=booking, author=staff, text="   ")


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        # Monday 10:00 minus 4 business hours (one on Monday): Friday 14:00.
        (datetime.datetime(2026, 11, 23, 10, 0), datetime.datetime(2026, 11, 20, 14, 0)),
        # Wednesday 16:00: the same day, 12:00.
        (datetime.datetime(2026, 11, 25, 16, 0), datetime.datetime(2026, 11, 25, 12, 0)),
        # Saturday counts from Friday's close.
        (datetime.datetime(2026, 11, 28, 11, 0), datetime.datetime(2026, 11, 27, 13, 0)),
    ],
)
def test_before_hours_are_entered_overdue_counts_weekdays_9_to_5(settings, staff, now, cutoff):
    from booking.selectors import overdue_cutoff

    settings.BOOKING_OVERDUE_BUSINESS_HOURS = 4
    milford = staff.staff_profile.locations.get()

    assert overdue_cutoff(location=milford, now=timezone.make_aware(now)) == (
        timezone.make_aware(cutoff)
    )


def test_the_overdue_clock_counts_each_offices_own_opening_hours(settings, staff):
    from booking.models import Location
    from booking.selectors import overdue_cutoffs

    settings.BOOKING_OVERDUE_BUSINESS_HOURS = 4
    milford = Location.objects.get(slug="milford")
    westport = Location.objects.get(slug="westport")
    # Milford opens Saturday mornings; Westport keeps the default weekdays.
    services.opening_hours_set(
        location=milford,
        weekly=[(day, datetime.time(8), datetime.time(16)) for day in range(5)]
        + [(5, datetime.time(9), datetime.time(12))],
    )
    saturday_11am = timezone.make_aware(datetime.datetime(2026, 11, 28, 11, 0))

    cutoffs = overdue_cutoffs(now=saturday_11am)

    # Milford: Saturday 9–11 (2 h), then Friday 14:00–16:00 (2 h).
    assert cutoffs[milford.pk] == timezone.make_aware(datetime.datetime(2026, 11, 27, 14, 0))
    # Westport: closed Saturday; Friday 13:00–17:00.
    assert cutoffs[westport.pk] == timezone.make_aware(datetime.datetime(2026, 11, 27, 13, 0))


def test_a_closed_day_does_not_count_towards_overdue(settings, staff):
    from booking.models import ClinicClosure, Location
    from booking.selectors import overdue_cutoff

    settings.BOOKING_OVERDUE_BUSINESS_HOURS = 4
    milford = Location.objects.get(slug="milford")
    westport = Location.objects.get(slug="westport")
    friday_10am = timezone.make_aware(datetime.datetime(2026, 11, 27, 10, 0))
    # Open all week: Friday 9-10, then Thursday 14:00 is four business hours back.
    thursday_2pm = timezone.make_aware(datetime.datetime(2026, 11, 26, 14, 0))
    assert overdue_cutoff(location=milford, now=friday_10am) == thursday_2pm

    ClinicClosure.objects.create(date=datetime.date(2026, 11, 26), reason="Thanksgiving")

    # Friday 9-10, Thanksgiving skipped, then Wednesday 14:00-17:00.
    wednesday_2pm = timezone.make_aware(datetime.datetime(2026, 11, 25, 14, 0))
    assert overdue_cutoff(location=milford, now=friday_10am) == wednesday_2pm

    # A day only one office is closed counts for the other.
    ClinicClosure.objects.create(date=datetime.date(2026, 11, 25), location=westport)
    assert overdue_cutoff(location=milford, now=friday_10am) == wednesday_2pm
    tuesday_2pm = timezone.make_aware(datetime.datetime(2026, 11, 24, 14, 0))
    assert overdue_cutoff(location=westport, now=friday_10am) == tuesday_2pm
