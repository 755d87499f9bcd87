"""A manager's front page before launch: the launch checks and an urgent request nobody
was told about, readable and axe-clean on a desktop and a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Notification
from tests.browser.axe import axe_violations
from tests.browser.conftest import log_in_as
from tests.factories import make_booking, make_manager

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/admin-banner-screens"
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}


def check_page(page: Page, name: str) -> None:
    """axe finds nothing and nothing scrolls sideways, at both widths; keep a screenshot."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        violations = axe_violations(page)
        assert not violations, f"{name} at {width}px: {violations}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_a_manager_sees_the_launch_checks_and_an_urgent_request_nobody_was_told_about(
    site_page: Page, settings
):
    settings.FRONT_DESK_FALLBACK_EMAIL = ""
    manager = make_manager(first_name="Morgan", last_name="Manager")
    urgent = make_booking(urgent=True, email_ok=False)
    notice = urgent.notifications.get(kind=Notification.Kind.FRONT_DESK_NEW)
    services.notification_deliver(notification_id=notice.pk)
    log_in_as(site_page, manager)
    page = site_page
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(page.live_server_url + reverse("admin:index"))

    banner = page.locator(".launch-banner")
    expect(banner.get_by_role("heading")).to_contain_text("Not ready for patients yet")
    expect(banner).to_contain_text("The Milford office has no phone number")
    expect(banner).to_contain_text("Admin → Educational pages → Page reviews")
    notices = page.locator(".undelivered")
    expect(notices.get_by_role("heading")).to_have_text(
        "1 new request the front desk was not told about"
    )
    expect(notices.get_by_role("link", name=urgent.reference)).to_be_visible()
    expect(notices.locator(".urgent-flag")).to_have_text("Urgent")
    expect(notices).to_contain_text("call the patient now")
    check_page(page, "index")
    assert page.console_errors == [] and page.failed_assets == []

    # Elsewhere the banner is one line until opened.
    page.goto(page.live_server_url + reverse("admin:booking_booking_changelist"))
    expect(page.locator(".launch-banner__list")).to_be_hidden()
    check_page(page, "request-list")
    page.get_by_text("What to fix, and where").click()
    expect(page.locator(".launch-banner__list")).to_be_visible()

    page.get_by_role("button", name=f"Acknowledge {urgent.reference}").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Acknowledged the notice for {urgent.reference}."
    )
    expect(page.locator(".undelivered")).to_have_count(0)
    check_page(page, "request-list-acknowledged")
    notice.refresh_from_db()
    assert notice.acknowledged_by == manager
