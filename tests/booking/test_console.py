"""The request page: patient card, urgency, one-step actions, the timeline, the agenda."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import selectors, services
from booking.models import Booking, BookingAccess, Location
from tests.factories import make_booking, make_manager, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:booking_booking_changelist"
VIDEO_LINK = "https://video.example.com/room/8841"


def page_url(booking: Booking) -> str:
    return reverse("admin:booking_booking_change", args=[booking.pk])


def act(client, booking, action, **fields):
    url = reverse("admin:booking_booking_action", args=[booking.pk, action])
    return client.post(url, {f"{action}-{name}": value for name, value in fields.items()})


def schedule(client, booking, day, time="10:30", meeting="video", video_link=VIDEO_LINK):
    return act(
        client,
        booking,
        "schedule",
        date=day.isoformat(),
        time=time,
        meeting=meeting,
        video_link=video_link,
    )


def in_two_days() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=2)


# --- The first screen ----------------------------------------------------------------


def test_the_patient_card_has_what_a_phone_call_needs(desk_client):
    booking = make_booking(
        date_of_birth=datetime.date(1985, 4, 12), phone="+12035550142", email="pat@example.com"
    )

    html = desk_client.get(page_url(booking)).content.decode()

    assert 'href="tel:+12035550142">(203) 555-0142</a>' in html
    assert 'href="mailto:pat@example.com"' in html
    assert "born 12 Apr 1985" in html
    assert "voicemail OK" in html and "email OK" in html
    assert "Milford" in html and "In person at the office" in html
    assert booking.reference in html
    assert "Assign to me" in html


def test_an_urgent_unreached_request_opens_with_a_red_banner_that_says_what_to_do(
    desk_client, desk
):
    booking = make_booking(urgent=True)

    html = desk_client.get(page_url(booking)).content.decode()

    assert 'class="console-alert" role="alert"' in html
    assert "Call them first" in html and "911" in html and "988" in html
    # The banner comes before the patient card.
    assert html.index("console-alert") < html.index("console-patient")

    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    html = desk_client.get(page_url(booking)).content.decode()
    assert 'role="alert"' not in html
    assert "Reached by Dana Desk on" in html


def test_the_page_costs_the_same_queries_with_0_and_50_timeline_entries(desk_client, desk):
    quiet = make_booking()
    busy = make_booking()
    for number in range(20):
        services.contact_attempt_log(
            booking=busy, by=desk, channel="phone", outcome="no_answer", note=f"Try {number}"
        )
        services.triage_note_add(booking=busy, author=desk, text=f"Note {number}")
    services.contact_attempt_log(booking=busy, by=desk, channel="phone", outcome="reached")
    for hours in range(1, 9):
        busy = services.booking_schedule(
            booking=busy,
            by=desk,
            starts_at=timezone.now() + datetime.timedelta(days=2, hours=hours),
            meeting="phone",
        )
    desk_client.get(page_url(quiet))  # warm the session and permission caches

    with CaptureQueriesContext(connection) as empty:
        assert desk_client.get(page_url(quiet)).status_code == 200
    with CaptureQueriesContext(connection) as full:
        response = desk_client.get(page_url(busy))

    assert len(response.context["timeline"]) >= 50
    assert len(full.captured_queries) == len(empty.captured_queries)


# --- Actions: one form, one save ----------------------------------------------------


def test_from_new_to_scheduled_in_two_saves(desk_client, desk, mailoutbox):
    booking = make_booking(urgent=True)

    response = act(desk_client, booking, "attempt", channel="phone", outcome="voicemail")
    assert response.status_code == 302
    response = act(desk_client, booking, "attempt", channel="phone", outcome="reached", note="ok")
    assert response.status_code == 302
    response = schedule(desk_client, booking, in_two_days())
    assert response.status_code == 302

    booking.refresh_from_db()
    assert booking.status == "scheduled"
    assert timezone.localtime(booking.scheduled_for).strftime("%H:%M") == "10:30"
    assert (booking.scheduled_meeting, booking.video_link) == ("video", VIDEO_LINK)
    assert booking.notifications.filter(kind="patient_scheduled", state="queued").count() == 1
    changes = BookingAccess.objects.filter(booking=booking, kind="changed").count()
    assert changes == 3


def test_changing_the_time_of_a_scheduled_request_reschedules_and_resends(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    schedule(desk_client, booking, in_two_days())

    response = schedule(desk_client, booking, in_two_days(), time="15:00")

    assert response.status_code == 302
    booking.refresh_from_db()
    assert timezone.localtime(booking.scheduled_for).strftime("%H:%M") == "15:00"
    states = booking.notifications.filter(kind="patient_scheduled").values_list("state", flat=True)
    assert list(states) == ["superseded", "queued"]
    timeline = desk_client.get(page_url(booking)).context["timeline"]
    assert [e.title for e in timeline if e.title.startswith("Rescheduled: ")] == [
        "Rescheduled: " + selectors.office_time(booking.scheduled_for) + " · Video call"
    ]


def test_saving_the_same_appointment_again_says_nothing_changed(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    schedule(desk_client, booking, in_two_days())

    response = schedule(desk_client, booking, in_two_days())

    assert response.status_code == 200
    form = response.context["forms"]["schedule"]
    assert "already booked" in form.non_field_errors()[0]
    assert booking.notifications.filter(kind="patient_scheduled").count() == 1


def test_a_rejected_form_keeps_what_was_typed_and_says_what_to_fix(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")

    response = schedule(desk_client, booking, in_two_days(), time="09:45", video_link="")

    assert response.status_code == 200
    form = response.context["forms"]["schedule"]
    assert "video_link" in form.errors
    html = response.content.decode()
    assert 'value="09:45"' in html
    assert "Nothing was saved" in html
    assert '<details class="console-action" open>' in html
    booking.refresh_from_db()
    assert booking.status == "contacted"


def test_a_time_the_clocks_skip_is_refused(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    spring_forward = datetime.date(2027, 3, 14)

    response = schedule(desk_client, booking, spring_forward, time="02:30", meeting="phone")

    assert response.status_code == 200
    assert "clocks go forward" in str(response.context["forms"]["schedule"].errors)


def test_no_response_is_offered_only_after_three_unsuccessful_attempts(desk_client, desk):
    booking = make_booking()

    def offered():
        form = desk_client.get(page_url(booking)).context["forms"]["close"]
        return [value for value, _label in form.fields["outcome"].choices]

    assert offered() == ["not_suitable", "referred"]
    for _ in range(3):
        act(desk_client, booking, "attempt", channel="phone", outcome="no_answer")
    assert offered() == ["not_suitable", "referred", "no_response"]

    response = act(desk_client, booking, "close", outcome="no_response")

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "no_response"


def test_closing_as_referred_needs_a_reason(desk_client):
    booking = make_booking()

    response = act(desk_client, booking, "close", outcome="referred", reason=" ")

    assert response.status_code == 200
    assert "reason" in str(response.context["forms"]["close"].errors).lower()
    booking.refresh_from_db()
    assert booking.status == "new"


def test_cancelling_the_appointment_from_the_page(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    schedule(desk_client, booking, in_two_days())

    assert act(desk_client, booking, "cancel").status_code == 302

    booking.refresh_from_db()
    assert booking.status == "contacted"
    assert booking.notifications.filter(kind="patient_cancelled", state="queued").exists()


def test_assignment_offers_only_staff_of_the_requests_office(desk_client, desk):
    westport_desk = make_staff(username="westport-desk", locations=["westport"])
    manager = make_manager(first_name="Morgan", last_name="Manager")
    booking = make_booking()

    form = desk_client.get(page_url(booking)).context["forms"]["assign"]
    offered = set(form.fields["assigned_to"].queryset)

    assert offered == {desk, manager}
    response = act(desk_client, booking, "assign", assigned_to=westport_desk.pk)
    assert response.status_code == 200
    assert act(desk_client, booking, "assign_me").status_code == 302
    booking.refresh_from_db()
    assert booking.assigned_to == desk


def test_a_note_is_added_in_one_step_and_shows_in_the_timeline(desk_client, desk):
    booking = make_booking()

    act(desk_client, booking, "note", text="Prefers afternoons.")

    timeline = desk_client.get(page_url(booking)).context["timeline"]
    assert (timeline[0].title, timeline[0].detail, timeline[0].by) == (
        "Internal note",
        "Prefers afternoons.",
        "Dana Desk",
    )


def test_the_timeline_speaks_in_office_time_and_plain_words(desk_client, desk):
    booking = make_booking()
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="voicemail")
    services.booking_assign(booking=booking, to=desk, by=desk)

    response = desk_client.get(page_url(booking))

    titles = [entry.title for entry in response.context["timeline"]]
    assert "Phone call: left voicemail" in titles
    assert "Assigned to Dana Desk" in titles
    assert "Request received" in titles
    assert "Email: To front desk: new request" in titles
    html = response.content.decode()
    assert "in_person" not in html and "Deleted user" not in html
    local = timezone.localtime(booking.created_at)
    assert f"{local:%-I:%M} {local:%p}" in html


def test_a_get_to_an_action_changes_nothing(desk_client):
    booking = make_booking()
    url = reverse("admin:booking_booking_action", args=[booking.pk, "assign_me"])

    assert desk_client.get(url).status_code == 405
    booking.refresh_from_db()
    assert booking.assigned_to is None


# --- The list --------------------------------------------------------------------------


def test_the_list_shows_attempts_the_appointment_and_both_modes(desk_client, desk):
    booking = make_booking()
    for outcome in ["no_answer", "voicemail", "reached"]:
        services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome=outcome)
    services.booking_schedule(
        booking=booking,
        by=desk,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        meeting="phone",
    )

    html = desk_client.get(reverse(CHANGELIST)).content.decode()

    assert "3<br><small>last: reached," in html
    assert "Phone call</small>" in html  # booked
    assert "In person at the office" in html  # asked for


@pytest.mark.parametrize(
    "query",
    [
        {"date_of_birth__lt": "1990-01-01"},
        {"email__startswith": "j"},
        {"urgent__exact": "1"},
        {"message__icontains": "pain"},
        {"location__name": "Milford"},
    ],
)
def test_the_list_refuses_any_lookup_it_does_not_declare(desk_client, query):
    make_booking()

    response = desk_client.get(reverse(CHANGELIST), query)

    assert response.status_code == 400
    assert "only with the filters on its page" in response.content.decode()
    assert "crisis" not in response.content.decode().lower()


# --- The agenda ---------------------------------------------------------------------------


def test_the_agenda_shows_this_weeks_appointments_per_office(desk_client, desk):
    booking = make_booking(first_name="Avery")
    services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="reached")
    starts = timezone.now() + datetime.timedelta(hours=2)
    services.booking_schedule(
        booking=booking, by=desk, starts_at=starts, meeting="video", video_link=VIDEO_LINK
    )
    westport = make_booking(location=Location.objects.get(slug="westport"), first_name="Casey")

    response = desk_client.get(reverse("admin:booking_booking_agenda"), {"week": starts.date()})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Avery Rivera" in html and f'href="{VIDEO_LINK}"' in html
    assert "Casey" not in html and westport.reference not in html
    assert [office["office"].slug for office in response.context["offices"]] == ["milford"]
    index = desk_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:booking_booking_agenda") in index


# --- Staff error pages -------------------------------------------------------------------


def test_staff_errors_keep_the_admins_look_without_the_patient_crisis_banner(desk_client):
    theirs = make_booking(location=Location.objects.get(slug="westport"))

    response = desk_client.get(page_url(theirs))

    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="site-name"' in html and "Not found" in html
    assert "crisis" not in html.lower()
    public = Client().get("/no-such-page/")
    assert "988" in public.content.decode()
