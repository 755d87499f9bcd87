"""A front-desk morning in Chromium: two-factor login, an urgent request from first call
to a rescheduled video appointment, and the agenda; axe on every page, at two widths."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Booking, BookingAccess, ContactAttempt
from tests.browser.axe import axe_violations
from tests.browser.conftest import log_in_as
from tests.factories import STAFF_PASSWORD, authenticator_code, make_booking, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/console-screens"
VIDEO_LINK = "https://video.example.com/room/8841"
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def check_page(page: Page, name: str) -> None:
    """axe finds nothing and nothing scrolls sideways, at both widths; keep a screenshot."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        violations = axe_violations(page)
        assert not violations, f"{name} at {width}px: {violations}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{label}.png")
    page.set_viewport_size({"width": 1366, "height": 768})


def test_front_desk_works_an_urgent_request_from_first_call_to_a_rescheduled_video_call(
    site_page: Page, settings
):
    settings.STAFF_REQUIRE_2FA = True
    desk = make_staff(first_name="Dana", last_name="Desk")
    device = desk.totpdevice_set.create(name="Authenticator app", confirmed=True)
    make_booking(first_name="Calm", last_name="Caller")
    urgent = make_booking(
        urgent=True, first_name="Pat", last_name="Example", email="pat@example.com"
    )
    Booking.objects.filter(pk=urgent.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    run_worker()
    mail.outbox.clear()
    page = site_page
    base = page.live_server_url
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(base + reverse("admin:index"))
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_label("Authenticator code").fill(authenticator_code(device))
    page.get_by_role("button", name="Log in").click()
    check_page(page, "index")
    page.get_by_role("link", name="Requests").first.click()

    # Urgent and not yet reached is on top, in red words.
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text(urgent.reference)
    expect(rows.first.locator(".urgent-flag")).to_have_text("Urgent")
    check_page(page, "list")
    # On a phone the list still shows what the front desk scans for.
    page.set_viewport_size({"width": 390, "height": 844})
    for column in ["reference", "urgent_flag", "received", "status", "next_step"]:
        box = rows.first.locator(f".field-{column}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, column
    page.set_viewport_size({"width": 1366, "height": 768})
    rows.first.get_by_role("link", name=urgent.reference).click()

    # The first screen: the banner, the number to call, the next step.
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Call them first")
    phone = page.get_by_role("link", name="(203) 555-0123")
    expect(phone).to_have_attribute("href", "tel:+12035550123")
    for element in [alert, phone, page.get_by_role("button", name="Save the attempt")]:
        box = element.bounding_box()
        assert box["y"] + box["height"] <= 768, "must be visible without scrolling"
    check_page(page, "request-urgent")

    # Call 1: voicemail. Call 2: reached.
    page.get_by_label("Left voicemail").check()
    page.get_by_role("button", name="Save the attempt").click()
    expect(page.locator(".messagelist")).to_contain_text("Contact attempt logged")
    expect(page.get_by_role("alert")).to_contain_text("Call them first")
    page.get_by_label("Reached").check()
    page.get_by_label("Note (optional, never emailed):").fill("Prefers a video call.")
    page.get_by_role("button", name="Save the attempt").click()
    expect(page.locator(".console-urgent-handled")).to_contain_text("Reached by Dana Desk")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.screenshot(path=f"{SCREENSHOTS}/request-reached-desktop.png")
    save = page.get_by_role("button", name="Save the appointment").bounding_box()
    assert save["y"] + save["height"] <= 768, "the schedule form is on the first screen"

    # Schedule: the form is open now that the patient was reached.
    day = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Date:", exact=True).fill(day.isoformat())
    page.get_by_label("Time:", exact=True).fill("14:30")
    page.get_by_role("radio", name="Video call").check()
    page.get_by_label("Video link:").fill(VIDEO_LINK)
    page.get_by_role("button", name="Save the appointment").click()
    expect(page.locator(".messagelist")).to_contain_text("Appointment saved")
    expect(page.locator(".console-status")).to_have_text("Scheduled")
    check_page(page, "request-scheduled")

    # Reschedule: change the time, save; never a silent no-op.
    page.get_by_text("Reschedule", exact=True).click()
    page.get_by_label("Time:", exact=True).fill("16:00")
    page.get_by_role("button", name="Save the appointment").click()
    expect(page.locator(".messagelist")).to_contain_text("Appointment saved")
    expect(page.locator("#timeline")).to_contain_text("Rescheduled:")

    urgent.refresh_from_db()
    assert timezone.localtime(urgent.scheduled_for).strftime("%H:%M") == "16:00"
    assert (urgent.scheduled_meeting, urgent.video_link) == ("video", VIDEO_LINK)
    assert list(ContactAttempt.objects.values_list("outcome", flat=True)) == [
        "voicemail",
        "reached",
    ]
    states = urgent.notifications.filter(kind="patient_scheduled").values_list("state", flat=True)
    assert list(states) == ["superseded", "queued"]
    assert BookingAccess.objects.filter(booking=urgent, kind="changed").count() == 4

    # The agenda shows it, one click from anywhere in the admin.
    page.get_by_role("link", name="Appointments", exact=True).click()
    expect(page.locator(".agenda-office").first).to_contain_text("Pat Example")
    expect(page.locator(".agenda-office").first).to_contain_text("4:00 PM")
    check_page(page, "agenda")
    assert page.console_errors == []
    assert page.failed_assets == []

    # The queued confirmation goes out with the updated calendar entry.
    run_worker()
    (message,) = mail.outbox
    assert message.to == ["pat@example.com"]
    assert "4:00 PM" in message.body and VIDEO_LINK in message.body
    assert "Prefers a video call" not in message.body
    ((name, ics, content_type),) = message.attachments
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].dt == urgent.scheduled_for
    for private in ["Ketamine", "ketamine", "Pat", "Example", "depress", "Prefers"]:
        assert private not in ics


def test_closing_a_request_and_the_staff_error_page_pass_axe(site_page: Page):
    desk = make_staff()
    booking = make_booking()
    for _ in range(3):
        services.contact_attempt_log(booking=booking, by=desk, channel="phone", outcome="no_answer")
    log_in_as(site_page, desk)
    page = site_page
    page.goto(page.live_server_url + reverse("admin:booking_booking_change", args=[booking.pk]))

    page.get_by_text("Close the request", exact=True).click()
    page.get_by_label("No response").check()
    check_page(page, "request-closing")
    page.get_by_role("button", name="Save and close").click()
    expect(page.locator(".messagelist")).to_contain_text("Request closed")
    check_page(page, "request-closed")
    booking.refresh_from_db()
    assert booking.status == "no_response"

    page.goto(page.live_server_url + reverse("admin:booking_booking_change", args=[999999]))
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    check_page(page, "not-found")
