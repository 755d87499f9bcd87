"""A front-desk morning in Chromium: log in, work the newest urgent request."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from booking.models import Booking, BookingAccess, TriageNote
from tests.factories import STAFF_PASSWORD, make_booking, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker() -> None:
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def test_front_desk_assigns_notes_and_schedules_the_newest_urgent_request(site_page: Page):
    desk = make_staff(first_name="Dana", last_name="Desk")
    older_urgent = make_booking(urgent=True, first_name="Older")
    make_booking(first_name="Calm")
    newest = make_booking(urgent=True, first_name="Newest", email="newest@example.com")
    Booking.objects.filter(pk=older_urgent.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=3)
    )
    run_worker()
    mail.outbox.clear()
    page = site_page
    base = page.live_server_url

    page.goto(base + reverse("admin:index"))
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Consultation requests").first.click()

    # Urgent first, then oldest: the newest urgent one is the last urgent row.
    page.locator("#changelist-filter").get_by_role("link", name="Yes").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text("meets stated criteria")
    rows.last.get_by_role("link", name=newest.reference).click()
    expect(page.get_by_role("heading", name=newest.reference)).to_be_visible()

    page.get_by_label("Assigned to").select_option(label="Dana Desk")
    page.locator("#id_notes-0-text").fill("Called at 9:10, patient prefers a video call.")
    page.get_by_label("Change status to").select_option(label="Contacted")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    appointment = timezone.localtime() + datetime.timedelta(days=2)
    page.get_by_label("Change status to").select_option(label="Scheduled")
    page.locator("#id_appointment_at_0").fill(appointment.date().isoformat())
    page.locator("#id_appointment_at_1").fill("14:30")
    page.get_by_label("Appointment by").select_option(label="Video call")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".field-status")).to_contain_text("Scheduled")

    newest.refresh_from_db()
    assert newest.status == "scheduled"
    assert newest.assigned_to == desk
    assert TriageNote.objects.get().author == desk
    assert BookingAccess.objects.filter(booking=newest, user=desk).count() == 3
    assert page.console_errors == []
    assert page.failed_assets == []

    run_worker()

    (message,) = mail.outbox
    assert message.to == ["newest@example.com"]
    assert "14:30" not in message.body and "2:30 PM" in message.body
    assert "Called at 9:10" not in message.body
    ((name, ics, content_type),) = message.attachments
    assert (name, content_type) == ("appointment.ics", "text/calendar")
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Video appointment — Milford office"
    assert event["DTSTART"].dt == newest.scheduled_for
    for private in ["Ketamine", "ketamine", "Newest", "Rivera", "depress", "Called"]:
        assert private not in ics


def test_a_requests_history_fits_a_phone_screen(site_page: Page, client):
    desk = make_staff()
    booking = make_booking()
    client.force_login(desk)
    session = client.cookies["sessionid"].value
    site_page.context.add_cookies(
        [{"name": "sessionid", "value": session, "url": site_page.live_server_url}]
    )
    site_page.set_viewport_size({"width": 360, "height": 740})

    site_page.goto(
        site_page.live_server_url + reverse("admin:booking_booking_history", args=[booking.pk])
    )

    expect(site_page.locator("#change-history")).to_be_visible()
    assert site_page.evaluate("document.documentElement.scrollWidth") <= 360
