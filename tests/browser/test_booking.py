import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from booking.models import Booking
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def form_page(site_page: Page, settings):
    # A test types faster than any person; the bot check would refuse it.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    site_page.goto(site_page.live_server_url + reverse("booking:create"))
    return site_page


def fill_valid_request(page: Page) -> None:
    page.get_by_label("Westport").check()
    page.get_by_label("Video call").check()
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Rivera")
    page.get_by_label("Date of birth").fill("1985-03-27")
    page.get_by_label("Email address").fill("jordan@example.com")
    page.get_by_label("Mobile phone number").fill("203 555 0123")
    page.get_by_role("group", name="How should we contact you?").get_by_label("Phone call").check()
    page.get_by_label("Weekday evenings").check()
    page.get_by_role("group", name="Can we leave you a voicemail?").get_by_label("Yes").check()
    page.get_by_role("group", name="Can we email you?").get_by_label("Yes").check()
    page.get_by_role("group", name="diagnosed you with depression").get_by_label("Not sure").check()
    page.get_by_label("Two or more").check()
    page.get_by_role("group", name="seeing a clinician").get_by_label("No").check()
    page.get_by_role("group", name="ending your life").get_by_label("No").check()
    page.get_by_label("I agree to be contacted").check()
    page.get_by_label("I have read the privacy notice").check()


def test_patient_sends_a_request_and_sees_their_reference(form_page: Page):
    assert axe_violations(form_page) == []
    fill_valid_request(form_page)

    form_page.get_by_role("button", name="Send request").click()

    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.location.slug == "westport"
    assert booking.meeting == Booking.Meeting.VIDEO
    expect(form_page.get_by_text(booking.reference)).to_be_visible()
    expect(form_page.locator("main").get_by_text("1720 Post Rd E, Suite 222")).to_be_visible()
    assert axe_violations(form_page) == []
    assert form_page.console_errors == []
    assert form_page.offsite_requests == []


def test_bad_submission_shows_a_focused_error_summary_and_keeps_the_input(form_page: Page):
    fill_valid_request(form_page)
    form_page.get_by_label("First name").fill("")
    form_page.get_by_label("Email address").fill("not an email")
    form_page.get_by_label("Anything else").fill("Please call after 5pm")

    form_page.get_by_role("button", name="Send request").click()

    summary = form_page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(form_page).to_have_title(re.compile(r"^Error:"))
    expect(summary.get_by_role("link", name="Enter your first name")).to_be_visible()
    expect(form_page.get_by_label("Last name")).to_have_value("Rivera")
    expect(form_page.get_by_label("Anything else")).to_have_value("Please call after 5pm")
    expect(form_page.get_by_label("Westport")).to_be_checked()
    assert Booking.objects.count() == 0
    assert axe_violations(form_page) == []

    summary.get_by_role("link", name="Enter your first name").click()
    expect(form_page.get_by_label("First name")).to_be_focused()


def test_answering_yes_to_the_safety_question_shows_988_at_once(form_page: Page):
    alert = form_page.locator(".safety-alert")
    expect(alert).to_be_hidden()

    form_page.get_by_role("group", name="ending your life").get_by_label("Yes").check()

    expect(alert).to_be_visible()
    expect(alert.get_by_role("link", name="Call 988")).to_be_visible()
    expect(alert.get_by_role("link", name="Text 988")).to_be_visible()
    expect(alert.get_by_role("link", name="Call 911")).to_be_visible()
    assert axe_violations(form_page) == []


def test_urgent_request_can_still_be_sent(form_page: Page):
    fill_valid_request(form_page)
    form_page.get_by_role("group", name="ending your life").get_by_label("Yes").check()

    form_page.get_by_role("button", name="Send request").click()

    expect(form_page.get_by_role("heading", name="If you need help right now")).to_be_visible()
    assert Booking.objects.get().urgent is True


def test_double_click_on_send_makes_one_request(form_page: Page):
    fill_valid_request(form_page)

    form_page.get_by_role("button", name="Send request").dblclick()

    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
    form_page.go_back()
    form_page.get_by_role("button", name="Send request").click()
    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
    assert Booking.objects.count() == 1


def test_form_is_usable_on_a_320px_phone(form_page: Page):
    form_page.set_viewport_size({"width": 320, "height": 640})
    form_page.reload()

    assert form_page.evaluate("document.documentElement.scrollWidth") <= 320
    fill_valid_request(form_page)
    form_page.get_by_role("button", name="Send request").click()
    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
