"""A clinic manager adds a front-desk colleague and sets up their authenticator, in Chromium."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.axe import axe_violations
from tests.factories import STAFF_PASSWORD, authenticator_code, make_staff_manager

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1366, "phone": 390}


def check_at_both_widths(page: Page, name: str) -> None:
    """No axe violations, and a screenshot to look at, on a desktop and a phone."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/staff-{name}-{label}.png", full_page=True)
        assert axe_violations(page) == [], (name, label)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)


def test_a_manager_adds_a_front_desk_colleague_and_sets_up_their_authenticator(
    site_page: Page,
):
    manager = make_staff_manager(first_name="Morgan", last_name="Manager")
    page = site_page
    page.goto(page.live_server_url + reverse("admin:index"))
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Add a staff member").click()
    expect(page.get_by_role("heading", name="Add a staff member")).to_be_visible()
    check_at_both_widths(page, "add")

    page.get_by_label("Username").fill("dana")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Desk")
    page.get_by_label("Email address").fill("dana@example.com")
    page.get_by_role("group", name="Role").get_by_label("Front desk").check()
    page.get_by_role("group", name="Offices").get_by_label("Milford").check()
    page.get_by_role("button", name="Add and set up the authenticator").click()

    expect(
        page.get_by_role("heading", name="Set up the authenticator for Dana Desk")
    ).to_be_visible()
    expect(page.get_by_role("img", name="QR code for the authenticator app")).to_be_visible()
    expect(page.locator(".messagelist")).to_contain_text("Dana Desk was added.")
    check_at_both_widths(page, "authenticator")

    dana = User.objects.get(username="dana")
    device = TOTPDevice.objects.get(user=dana)
    assert not device.confirmed
    page.get_by_label("Authenticator code").fill(authenticator_code(device))
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "The authenticator for Dana Desk is set up."
    )
    device.refresh_from_db()
    assert device.confirmed
    assert list(dana.groups.values_list("name", flat=True)) == ["Front desk"]
    assert page.console_errors == []
    assert page.failed_assets == []
    assert page.offsite_requests == []
