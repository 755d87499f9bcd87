"""The manager's figures in Chromium: axe-clean and readable at 1366 and 390 px."""

import datetime
import random
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Booking, Location
from tests.browser.axe import axe_violations
from tests.browser.conftest import log_in_as
from tests.factories import make_booking, make_manager, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/insights-screens"
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}


def realistic_weeks(desk) -> None:
    """Twelve weeks of invented requests at both offices, worked on as a desk would."""
    rng = random.Random(12)
    offices = list(Location.objects.all())
    now = timezone.now()
    for day in range(84):
        for _ in range(rng.randint(0, 3)):
            at = now - datetime.timedelta(days=day, hours=rng.randint(0, 10))
            booking = make_booking(
                location=rng.choice(offices),
                urgent=rng.random() < 0.15,
                heard_about=rng.choice(["doctor", "friend", "search", ""]),
            )
            Booking.objects.filter(pk=booking.pk).update(created_at=at)
            if rng.random() < 0.85 and day > 0:
                waited = at + datetime.timedelta(minutes=rng.randint(20, 3000))
                with mock.patch("django.utils.timezone.now", return_value=min(waited, now)):
                    services.contact_attempt_log(
                        booking=booking, by=desk, channel="phone", outcome="reached"
                    )


def test_a_manager_reads_the_figures_on_a_desktop_and_a_phone(site_page: Page):
    page = site_page
    desk = make_staff(locations=("milford", "westport"))
    Location.objects.filter(slug="milford").update(response_business_hours=8)
    realistic_weeks(desk)
    log_in_as(page, make_manager())

    page.goto(page.live_server_url + reverse("admin:booking_booking_insights"))

    expect(page.get_by_role("heading", name="How are we doing?", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Requests received per week and office")).to_be_visible()
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        violations = axe_violations(page)
        assert not violations, f"insights at {width}px: {violations}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"{SCREENSHOTS}/insights-{label}.png", full_page=True)

    page.get_by_label("Office", exact=True).select_option(label="Milford")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Milford, requests received from")).to_be_visible()
    assert page.console_errors == [] and page.offsite_requests == []
