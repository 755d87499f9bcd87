"""With the offices' details entered, a patient finds the phone, hours and response promise on
every page that says "contact us", on a phone and a desktop; axe finds nothing."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Location
from booking.selectors import location_directory
from tests.browser.axe import axe_violations
from tests.browser.test_booking import fill_valid_request

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.test_errors"),
]

SCREENSHOTS = "/tmp/contact-screens"
WIDTHS = {"phone": (390, 844), "desktop": (1366, 768)}
MILFORD_PHONE = "(203) 555-0142"
HOURS = "Mon–Fri: 9:00 AM – 5:00 PM"


@pytest.fixture
def details_entered(site_page):
    milford = Location.objects.get(slug="milford")
    milford.phone = "+12035550142"
    milford.response_promise = "within one business day"
    services.location_save(location=milford)
    services.opening_hours_set(
        location=milford,
        weekly=[(day, datetime.time(9), datetime.time(17)) for day in range(5)],
    )
    location_directory()  # what the outage page falls back on
    return milford


def check(page: Page, name: str, *, promise: bool = False) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        main = page.locator("main")
        expect(main.get_by_role("link", name=MILFORD_PHONE).first).to_have_attribute(
            "href", "tel:+12035550142"
        )
        expect(main).to_contain_text(HOURS)
        if promise:
            expect(main).to_contain_text("within one business day")
        violations = axe_violations(page)
        assert not violations, f"{name} at {width}px: {violations}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{label}.png", full_page=True)


def test_every_contact_us_page_shows_how(site_page: Page, details_entered, settings):
    page = site_page
    base = page.live_server_url

    page.goto(base + reverse("pages:locations"))
    check(page, "locations", promise=True)

    page.goto(base + reverse("pages:privacy"))
    check(page, "privacy")
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name=MILFORD_PHONE)).to_be_visible()
    expect(footer).to_contain_text(HOURS)

    page.goto(base + reverse("booking:create"))
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("main .response-promise")).to_contain_text(
        "Milford: we aim to contact you within one business day (Mon–Fri: 9:00 AM – 5:00 PM"
    )

    page.goto(base + "/database-down/")
    check(page, "outage")

    # Send a request as a patient would; the typing is faster than any person's.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    page.goto(base + reverse("booking:create"))
    fill_valid_request(page)
    page.get_by_label("Milford").check()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="We have received your request")).to_be_visible()
    check(page, "confirmation", promise=True)

    # The next one from this address is over the limit: the page says how to call instead.
    settings.BOOKING_REQUESTS_PER_HOUR = 1
    page.goto(base + reverse("booking:create"))
    fill_valid_request(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "We cannot take another request online just now"
    )
    check(page, "rate-limited")
