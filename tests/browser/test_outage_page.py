"""The page people see while the database is down: accessible, and useful on a phone."""

import pytest
from playwright.sync_api import Page, expect

from booking.selectors import location_directory
from tests.browser.axe import axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.test_errors"),
]


def test_outage_page_is_accessible_and_gives_both_offices_on_a_phone(site_page: Page, tmp_path):
    location_directory()  # the copy a page left in the cache before the outage
    site_page.set_viewport_size({"width": 360, "height": 740})

    response = site_page.goto(site_page.live_server_url + "/database-down/")

    assert response.status == 503
    assert axe_violations(site_page) == []
    expect(site_page.get_by_role("heading", level=1)).to_have_text(
        "This part of our site is briefly unavailable"
    )
    expect(site_page.locator("main .location-card")).to_have_count(2)
    expect(site_page.locator(".crisis-bar a[href='tel:988']")).to_be_in_viewport()
    assert site_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert site_page.failed_assets == []
    assert site_page.offsite_requests == []
    site_page.screenshot(path=tmp_path / "outage.png", full_page=True)
