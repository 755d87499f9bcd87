"""Patients booking, moving and cancelling their own consultation time, in Chromium.

Milford takes online bookings every day of the week (so nothing depends on
today's weekday). Times are picked from the second day shown, always more
than 24 hours ahead, so both reminders are queued.
"""

import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from booking import availability, services
from booking.availability import OpenTime
from booking.models import Appointment, Booking, Location
from booking.templatetags.offices import reachable
from tests.browser.axe import axe_violations
from tests.browser.test_booking import fill_valid_request
from tests.factories import valid_booking_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path("/tmp/shots")
KIND = "video"  # what fill_valid_request asks for, so the picker opens on it
BOOKED = "Your consultation is booked"
GONE = "This link no longer works"
# What the patient typed that no email may repeat (the address is only in To:).
PRIVATE_VALUES = [
    "Jordan",
    "Rivera",
    "1985",
    "03/27",
    "27 March",
    "March 27",
    "Private health details",
    "depress",
    "antidepressant",
    "clinician",
    "2035550123",
    "555 0123",
]


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


@pytest.fixture
def milford(clinic_locations, settings) -> Location:
    """Milford takes online bookings, 9 am to 5 pm on every day of the week."""
    # A test types faster than any person; the bot check would refuse it.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    settings.BOOKING_REMINDER_HOURS = [24, 2]
    settings.BOOKING_REMINDER_GRACE_MINUTES = 30
    office = Location.objects.get(slug="milford")
    services.availability_set(
        location=office,
        windows=[(day, datetime.time(9), datetime.time(17)) for day in range(7)],
        is_active=True,
        in_person_minutes=60,
        phone_minutes=30,
        video_minutes=30,
        buffer_minutes=15,
        seats=1,
        notice_days=1,
        horizon_days=21,
    )
    return office


@pytest.fixture
def other_browser(browser: Browser, live_server):
    """A second patient, on another phone: a browser context of their own."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.live_server_url = live_server.url
    yield page
    context.close()


def in_words(moment: datetime.datetime) -> str:
    """'Wednesday 2 December, 9:00 am', worked out here rather than by the site's filters."""
    local = timezone.localtime(moment)
    noon = "am" if local.hour < 12 else "pm"
    return f"{local:%A} {local.day} {local:%B}, {local.hour % 12 or 12}:{local:%M} {noon}"


def day_name(moment: datetime.datetime) -> str:
    return in_words(moment).split(",")[0]


def clock_name(moment: datetime.datetime) -> str:
    return in_words(moment).split(", ")[1]


def open_times(office: Location, day_index: int) -> list[OpenTime]:
    """The open times on the n-th day the picker shows (0: the first)."""
    return availability.open_days(office, KIND)[day_index].times


def request_consultation(page: Page) -> None:
    """Fill in and send the request form for Milford; the picker opens."""
    page.goto(page.live_server_url + reverse("booking:create"))
    fill_valid_request(page)
    page.get_by_label("Milford").check()
    page.get_by_label("Anything else").fill("Private health details: low mood since spring")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Pick a time for your consultation")).to_be_visible()


def send_request(page: Page, **answers) -> None:
    """Send the request as the form posts it, in this browser's session; open the picker.

    Quicker than typing it in: the first test (and the one without JavaScript) types it.
    """
    client = Client()
    response = client.post(reverse("booking:create"), valid_booking_data(meeting=KIND, **answers))
    assert response.url == reverse("booking:pick")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": page.live_server_url}]
    )
    page.goto(page.live_server_url + reverse("booking:pick"))
    expect(page.get_by_role("heading", name="Pick a time for your consultation")).to_be_visible()


def time_button(page: Page, moment: datetime.datetime):
    """The radio for `moment` on the picker, inside its day's group."""
    day = page.get_by_role("group", name=day_name(moment), exact=True)
    return day.get_by_role("radio", name=clock_name(moment), exact=True)


def pick(page: Page, moment: datetime.datetime, *, shot: str = "") -> None:
    """Choose a time the way a person does (on its button-like label) and book it."""
    day = page.get_by_role("group", name=day_name(moment), exact=True)
    day.get_by_text(clock_name(moment), exact=True).click()
    expect(time_button(page, moment)).to_be_checked()
    if shot:
        shoot(page, shot)
    page.get_by_role("button", name=re.compile(r"^Book this time \(")).click()


def manage_link(page: Page) -> str:
    return page.get_by_role("link", name="Change or cancel this appointment").get_attribute("href")


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def check_page(page: Page, name: str) -> None:
    """axe finds nothing and nothing scrolls sideways, on a phone and on a laptop."""
    for screen in (PHONE, DESKTOP):
        page.set_viewport_size(screen)
        violations = axe_violations(page)
        assert violations == [], f"{name} at {screen['width']}px: {violations}"
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= screen["width"], f"{name} scrolls sideways at {screen['width']}px"
    page.set_viewport_size(PHONE)


def real_errors(page: Page) -> list[str]:
    """Console errors, less the browser's note of a link-gone page's own 410 status."""
    return [error for error in page.console_errors if "status of 410" not in error]


def assert_no_private_data(text: str) -> None:
    for value in PRIVATE_VALUES:
        assert value not in text, value


def patient_emails(kind_subject: str) -> list:
    return [m for m in mail.outbox if m.to == ["jordan@example.com"] and kind_subject in m.subject]


def test_patient_on_a_phone_books_a_time_and_is_emailed_a_calendar_file_and_manage_link(
    site_page: Page, milford
):
    page = site_page
    page.set_viewport_size(PHONE)
    request_consultation(page)
    slot = open_times(milford, 1)[0]

    expect(page.get_by_text("Times at our Milford office, in Eastern Time.")).to_be_visible()
    expect(time_button(page, slot.starts_at)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    pick(page, slot.starts_at, shot="picker")

    expect(page.get_by_role("heading", name=BOOKED)).to_be_visible()
    details = page.locator(".appointment-details")
    expect(details).to_contain_text(f"{in_words(slot.starts_at)} (Eastern Time)")
    expect(details).to_contain_text("Video call")
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.SCHEDULED
    appointment = booking.appointments.get()
    assert (appointment.starts_at, appointment.state) == (slot.starts_at, "booked")
    assert appointment.booked_by_patient
    shoot(page, "confirmation")
    manage_path = manage_link(page)
    assert manage_path.startswith("/request-consultation/appointment/")

    mail.outbox.clear()
    run_worker()

    (message,) = patient_emails("Your appointment on")
    assert settings.SITE_URL + manage_path in message.body
    assert "Video call" in message.body
    local = timezone.localtime(slot.starts_at)
    assert f"When: {local:%A, %B} {local.day}, {local.year} at {local:%-I:%M %p}" in message.body
    (attachment,) = message.attachments
    assert attachment[0] == "appointment.ics"
    event = Calendar.from_ical(attachment[1]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == slot.starts_at
    assert event.decoded("dtend") == slot.starts_at + datetime.timedelta(minutes=30)
    assert_no_private_data(message.subject + message.body + attachment[1])
    assert page.console_errors == []
    assert page.failed_assets == []
    assert page.offsite_requests == []


def test_patient_moves_the_appointment_from_the_manage_link(site_page: Page, milford):
    page = site_page
    page.set_viewport_size(PHONE)
    send_request(page)
    first, second = open_times(milford, 1)[0], open_times(milford, 2)[0]
    pick(page, first.starts_at)
    old_link = page.live_server_url + manage_link(page)

    page.goto(old_link)
    expect(page.get_by_role("heading", name="Your appointment", exact=True)).to_be_visible()
    expect(page.locator(".appointment-details")).to_contain_text(in_words(first.starts_at))
    shoot(page, "manage")
    page.get_by_role("link", name="Pick another time").click()
    expect(page.get_by_role("heading", name="Pick another time")).to_be_visible()
    expect(page.get_by_text(f"You are booked for {in_words(first.starts_at)}.")).to_be_visible()
    # Your own time is not offered to you again.
    expect(time_button(page, first.starts_at)).to_have_count(0)
    pick(page, second.starts_at)

    expect(page.get_by_role("heading", name="Your appointment", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your appointment has moved")
    expect(page.locator(".appointment-details")).to_contain_text(in_words(second.starts_at))
    new_link = page.url.split("?")[0]
    assert new_link != old_link
    booking = Booking.objects.get()
    states = dict(booking.appointments.values_list("starts_at", "state"))
    assert states == {first.starts_at: "moved", second.starts_at: "booked"}
    assert booking.scheduled_for == second.starts_at

    response = page.goto(old_link)
    assert response.status == 410
    expect(page.get_by_role("heading", name=GONE)).to_be_visible()
    response = page.goto(old_link + "time/")
    assert response.status == 410

    # The first time is free again: the picker offers it.
    page.goto(new_link)
    page.get_by_role("link", name="Pick another time").click()
    expect(time_button(page, first.starts_at)).to_be_enabled()
    expect(time_button(page, second.starts_at)).to_have_count(0)
    assert real_errors(page) == []


def test_patient_cancels_from_the_manage_link_and_the_time_is_free_again(site_page: Page, milford):
    page = site_page
    page.set_viewport_size(PHONE)
    send_request(page)
    slot = open_times(milford, 1)[0]
    pick(page, slot.starts_at)
    link = page.live_server_url + manage_link(page)
    assert slot not in open_times(milford, 1)

    page.goto(link)
    page.get_by_role("link", name="Cancel the appointment").click()
    expect(page.get_by_role("heading", name="Cancel your appointment?")).to_be_visible()
    expect(page.locator(".appointment-details")).to_contain_text(in_words(slot.starts_at))
    page.get_by_role("button", name="Yes, cancel the appointment").click()

    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.NEW
    assert booking.appointments.get().state == Appointment.State.CANCELLED
    assert booking.notifications.filter(kind="patient_cancelled", state="queued").exists()
    assert not booking.notifications.filter(kind="patient_reminder", state="queued").exists()
    assert slot in open_times(milford, 1)
    assert page.goto(link).status == 410
    assert real_errors(page) == []

    # A fresh picker (the request is open again) offers the freed time.
    page.goto(page.live_server_url + reverse("booking:pick"))
    expect(page.get_by_role("heading", name="Pick a time for your consultation")).to_be_visible()
    expect(time_button(page, slot.starts_at)).to_be_enabled()


def test_reminders_follow_the_appointment_and_only_the_current_one_is_sent(
    site_page: Page, milford
):
    page = site_page
    send_request(page)
    first, second = open_times(milford, 1)[0], open_times(milford, 2)[0]
    pick(page, first.starts_at)
    expect(page.get_by_role("heading", name=BOOKED)).to_be_visible()
    booking = Booking.objects.get()
    day, two_hours = datetime.timedelta(hours=24), datetime.timedelta(hours=2)

    def reminders(state):
        return sorted(
            booking.notifications.filter(kind="patient_reminder", state=state).values_list(
                "due_at", "appointment__starts_at"
            )
        )

    assert reminders("queued") == [
        (first.starts_at - day, first.starts_at),
        (first.starts_at - two_hours, first.starts_at),
    ]
    # Each reminder's task waits for its time: the worker does not pick it up before.
    run_after = {
        task.args_kwargs["kwargs"]["notification_id"]: task.run_after
        for task in DBTaskResult.objects.all()
    }
    for reminder in booking.notifications.filter(kind="patient_reminder"):
        assert run_after[reminder.pk] == reminder.due_at

    page.get_by_role("link", name="Change or cancel this appointment").click()
    page.get_by_role("link", name="Pick another time").click()
    pick(page, second.starts_at)
    expect(page.get_by_role("status")).to_contain_text("Your appointment has moved")
    new_manage_path = page.url.split(page.live_server_url)[1].split("?")[0]

    assert reminders("superseded") == [
        (first.starts_at - day, first.starts_at),
        (first.starts_at - two_hours, first.starts_at),
    ]
    assert reminders("queued") == [
        (second.starts_at - day, second.starts_at),
        (second.starts_at - two_hours, second.starts_at),
    ]

    run_worker()  # now: the confirmations go, no reminder is due yet
    assert patient_emails("Reminder") == []
    assert len(patient_emails("Your appointment on")) == 1  # the earlier one was superseded
    mail.outbox.clear()

    # A minute after the new 24-hour reminder is due, both old reminders are due too.
    later = second.starts_at - day + datetime.timedelta(minutes=1)
    assert first.starts_at - two_hours < later
    with mock.patch("django.utils.timezone.now", return_value=later):
        run_worker()
        (message,) = mail.outbox
        assert message.to == ["jordan@example.com"]
        assert message.subject.startswith("Reminder: your appointment on")
        assert settings.SITE_URL + new_manage_path in message.body
        assert_no_private_data(message.subject + message.body)

        run_worker()
        assert len(mail.outbox) == 1

    assert reminders("sent") == [(second.starts_at - day, second.starts_at)]
    assert reminders("queued") == [(second.starts_at - two_hours, second.starts_at)]
    assert len(reminders("superseded")) == 2


def test_every_page_of_the_flow_passes_axe_on_a_phone_and_a_laptop(site_page: Page, milford):
    page = site_page
    page.set_viewport_size(PHONE)
    send_request(page)
    check_page(page, "picker")
    page.set_viewport_size(DESKTOP)
    shoot(page, "picker")
    page.set_viewport_size(PHONE)
    # "Call me instead", then a change of mind: the request's page leads back to the times.
    page.get_by_role("link", name="Call me to arrange a time instead").click()
    expect(page.get_by_role("heading", name="We have received your request")).to_be_visible()
    check_page(page, "request received")
    page.get_by_role("link", name="Pick a time yourself instead").click()
    pick(page, open_times(milford, 1)[0].starts_at)
    expect(page.get_by_role("heading", name=BOOKED)).to_be_visible()
    check_page(page, "confirmation")
    link = page.live_server_url + manage_link(page)

    page.goto(link)
    check_page(page, "manage")
    page.get_by_role("link", name="Cancel the appointment").click()
    expect(page.get_by_role("heading", name="Cancel your appointment?")).to_be_visible()
    check_page(page, "cancel")
    shoot(page, "cancel")
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    check_page(page, "cancelled")

    page.goto(link)
    expect(page.get_by_role("heading", name=GONE)).to_be_visible()
    check_page(page, "link gone")
    shoot(page, "link-gone")
    assert real_errors(page) == []
    assert page.failed_assets == []


def test_the_picker_works_without_javascript(browser: Browser, live_server, milford):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.live_server_url = live_server.url
        request_consultation(page)
        slot = open_times(milford, 1)[1]

        pick(page, slot.starts_at)

        expect(page.get_by_role("heading", name=BOOKED)).to_be_visible()
        expect(page.locator(".appointment-details")).to_contain_text(in_words(slot.starts_at))
        assert Booking.objects.get().appointments.get().starts_at == slot.starts_at
    finally:
        context.close()


def test_a_time_taken_a_moment_earlier_offers_the_next_three(
    site_page: Page, other_browser: Page, milford
):
    first_patient, second_patient = site_page, other_browser
    first_patient.set_viewport_size(PHONE)
    send_request(first_patient)
    send_request(second_patient)
    slot = open_times(milford, 1)[0]
    nearest = open_times(milford, 1)[1:4]

    pick(first_patient, slot.starts_at)
    expect(first_patient.get_by_role("heading", name=BOOKED)).to_be_visible()

    # The second patient's page still offers the time; they book it too.
    with second_patient.expect_response(re.compile(r"/time/$")) as posted:
        pick(second_patient, slot.starts_at)
    assert posted.value.status == 409

    alert = second_patient.get_by_role("alert")
    expect(alert.get_by_role("heading", name="That time was just taken")).to_be_visible()
    expect(alert).to_contain_text(f"Someone else booked {in_words(slot.starts_at)}")
    expect(alert).to_contain_text("Your request and answers are saved.")
    expect(second_patient).to_have_title(re.compile(r"^Error:"))
    buttons = alert.get_by_role("button")
    expect(buttons).to_have_text([f"Book {in_words(t.starts_at)}" for t in nearest])
    shoot(second_patient, "just-taken")
    assert axe_violations(second_patient) == []
    assert second_patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    buttons.first.click()

    expect(second_patient.get_by_role("heading", name=BOOKED)).to_be_visible()
    expect(second_patient.locator(".appointment-details")).to_contain_text(
        in_words(nearest[0].starts_at)
    )
    booked = dict(
        Appointment.objects.filter(state="booked").values_list("booking__pk", "starts_at")
    )
    assert sorted(booked.values()) == [slot.starts_at, nearest[0].starts_at]
    assert first_patient.console_errors == []


def test_a_patient_who_said_no_to_email_is_never_told_an_email_was_sent(site_page: Page, milford):
    page = site_page
    page.set_viewport_size(PHONE)
    send_request(page, email_ok="no")
    first, second = open_times(milford, 1)[0], open_times(milford, 2)[0]
    pick(page, first.starts_at)
    expect(page.get_by_text("Keep the link below")).to_be_visible()
    old_link = page.live_server_url + manage_link(page)

    page.goto(old_link)
    page.get_by_role("link", name="Pick another time").click()
    pick(page, second.starts_at)
    expect(page.get_by_role("status")).to_have_text(re.compile("This page has a new link"))
    expect(page.locator("main")).not_to_contain_text("emailed")
    page.get_by_role("link", name="Cancel the appointment").click()
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("emailed")
    patient_kinds = ["patient_received", "patient_scheduled", "patient_cancelled"]
    assert not Booking.objects.get().notifications.filter(kind__in=patient_kinds).exists()

    # No office has a phone number or email on the site yet: the link-gone page
    # must not say "contact the office" without saying how.
    assert not reachable(Location.objects.all())
    assert page.goto(old_link).status == 410
    expect(page.get_by_role("link", name="send us a new request")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("contact the office")
    assert real_errors(page) == []
