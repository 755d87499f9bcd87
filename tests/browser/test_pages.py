import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    reverse("pages:home"),
    reverse("pages:locations"),
    reverse("pages:crisis"),
    reverse("pages:privacy"),
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violations(site_page: Page, path):
    site_page.goto(site_page.live_server_url + path)

    assert axe_violations(site_page) == []
    assert site_page.console_errors == []
    assert site_page.failed_assets == []
    assert site_page.offsite_requests == []


def test_crisis_line_and_call_to_action_are_visible_on_a_phone(site_page: Page):
    site_page.set_viewport_size({"width": 320, "height": 640})
    site_page.goto(site_page.live_server_url + reverse("pages:home"))

    expect(site_page.locator(".crisis-bar a[href='tel:988']")).to_be_in_viewport()
    expect(site_page.locator(".crisis-bar a[href='sms:988']")).to_be_in_viewport()
    expect(site_page.locator(".crisis-bar a[href='tel:911']")).to_be_in_viewport()
    expect(site_page.locator(".site-header__cta")).to_be_in_viewport()
    # Nothing overflows sideways at the narrowest phone width.
    assert site_page.evaluate("document.documentElement.scrollWidth") <= 320


def test_skip_link_moves_focus_to_the_main_content(site_page: Page):
    site_page.goto(site_page.live_server_url + reverse("pages:home"))

    site_page.keyboard.press("Tab")
    expect(site_page.locator(".skip-link")).to_be_focused()
    expect(site_page.locator(".skip-link")).to_be_in_viewport()
    site_page.keyboard.press("Enter")

    expect(site_page.locator("main")).to_be_focused()
