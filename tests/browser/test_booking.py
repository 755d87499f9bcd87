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


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENS = pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["390x844", "1366x768"])


def shoot(page: Page, name: str) -> None:
    """Keep a full-page picture for a person to look at (/tmp/form-…png)."""
    size = page.viewport_size
    page.screenshot(path=f"/tmp/form-{name}-{size['width']}.png", full_page=True)


@pytest.mark.parametrize(
    "path", [reverse("booking:create"), reverse("pages:home"), reverse("pages:locations")]
)
def test_phone_header_with_crisis_bar_name_and_menu_is_at_most_200px_tall(site_page: Page, path):
    site_page.set_viewport_size(PHONE)
    site_page.goto(site_page.live_server_url + path)

    bottom = site_page.evaluate(
        "document.querySelector('.site-header').getBoundingClientRect().bottom"
    )
    assert bottom <= 200
    for name in ("Call 988", "Text 988", "Call 911"):
        expect(site_page.locator(".crisis-bar").get_by_role("link", name=name)).to_be_in_viewport()
    expect(site_page.locator(".site-header__cta")).to_be_in_viewport()
    assert site_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Every menu link can be reached, the last one by scrolling the menu.
    last = site_page.get_by_role("navigation", name="Main").get_by_role("link", name="In crisis?")
    last.focus()
    expect(last).to_be_in_viewport()
    assert axe_violations(site_page) == []


def test_radio_and_checkbox_labels_keep_a_clear_gap_from_their_controls(form_page: Page):
    gaps = form_page.evaluate(
        """() => [...document.querySelectorAll('.booking-form .form-check')].map(check => {
            const input = check.querySelector('input').getBoundingClientRect();
            const label = check.querySelector('label').getBoundingClientRect();
            return label.left - input.right;
        })"""
    )

    assert len(gaps) > 20
    assert min(gaps) >= 8


FOCUS_RING = """element => {
    const style = getComputedStyle(element);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor,
            style.outlineOffset, style.boxShadow];
}"""


def test_every_field_gets_the_same_focus_ring_as_links(form_page: Page):
    # Without motion the ring is there at once (fields otherwise fade it in).
    form_page.emulate_media(reduced_motion="reduce")
    form_page.keyboard.press("Tab")  # the keyboard is in use: focus rings show
    link = form_page.locator(".callout").get_by_role("link", name="988")
    link.focus()
    link_ring = link.evaluate(FOCUS_RING)

    fields = [
        form_page.get_by_label("First name"),
        form_page.get_by_label("Date of birth"),
        form_page.get_by_label("Anything else"),
        form_page.get_by_label("Westport"),
        form_page.get_by_label("Weekday evenings"),
        form_page.get_by_label("I agree to be contacted"),
    ]
    for field in fields:
        field.focus()
        assert field.evaluate(FOCUS_RING) == link_ring
    assert link_ring[0] == "solid" and link_ring[1] == "3px"


@SCREENS
def test_empty_form_looks_right_and_has_no_accessibility_violations(form_page: Page, screen):
    form_page.set_viewport_size(screen)
    form_page.reload()

    expect(form_page.get_by_role("heading", name="When we will contact you")).to_be_visible()
    expect(form_page.get_by_text("Up to 1,000 characters", exact=True)).to_be_visible()
    shoot(form_page, "empty")
    assert axe_violations(form_page) == []


@SCREENS
def test_form_with_errors_says_an_impossible_date_is_not_real(form_page: Page, screen):
    form_page.set_viewport_size(screen)
    form_page.reload()
    fill_valid_request(form_page)
    form_page.get_by_label("Date of birth").fill("02/30/1990")
    form_page.get_by_label("First name").fill("Jor\u200bdan")

    form_page.get_by_role("button", name="Send request").click()

    summary = form_page.locator(".error-summary")
    expect(summary.get_by_role("link", name="02/30/1990 is not a real date")).to_be_visible()
    expect(summary.get_by_role("link", name="Type your first name again")).to_be_visible()
    expect(form_page.get_by_label("Date of birth")).to_have_value("02/30/1990")
    shoot(form_page, "errors")
    assert axe_violations(form_page) == []
    assert Booking.objects.count() == 0


@SCREENS
def test_going_back_and_changing_an_answer_asks_before_sending_a_second_request(
    form_page: Page, screen
):
    form_page.set_viewport_size(screen)
    fill_valid_request(form_page)
    form_page.get_by_role("button", name="Send request").click()
    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
    first = Booking.objects.get()
    shoot(form_page, "confirmation")
    assert axe_violations(form_page) == []

    form_page.go_back()
    form_page.get_by_label("Milford").check()
    form_page.get_by_role("button", name="Send request").click()

    expect(form_page.get_by_role("heading", name="Send a second request?")).to_be_visible()
    expect(form_page.get_by_text(f"You already sent request {first.reference} on")).to_be_visible()
    assert Booking.objects.count() == 1
    shoot(form_page, "confirm-second")
    assert axe_violations(form_page) == []

    form_page.get_by_role("button", name="Yes, send a second request").click()

    expect(form_page.get_by_role("heading", name="We have received your request")).to_be_visible()
    second = Booking.objects.exclude(pk=first.pk).get()
    assert second.location.slug == "milford"
    assert second.meeting == Booking.Meeting.VIDEO
    expect(form_page.get_by_text(second.reference)).to_be_visible()
    assert form_page.console_errors == []
