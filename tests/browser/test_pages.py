import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from pages.content import HEALTH_PAGES, PUBLIC_URL_NAMES
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [*(reverse(name) for name in PUBLIC_URL_NAMES), "/no-such-page/"]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violations(site_page: Page, path):
    site_page.goto(site_page.live_server_url + path)

    assert axe_violations(site_page) == []
    assert site_page.console_errors == []
    assert site_page.failed_assets == []
    assert site_page.offsite_requests == []


@pytest.mark.parametrize("path", PAGES)
def test_crisis_line_and_call_to_action_are_visible_on_a_phone(site_page: Page, path):
    site_page.set_viewport_size({"width": 320, "height": 640})
    site_page.goto(site_page.live_server_url + path)

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


@pytest.mark.parametrize("guide", HEALTH_PAGES, ids=lambda guide: guide.key)
def test_table_of_contents_takes_the_reader_to_each_section(site_page: Page, guide):
    # Where the reader asks for less motion, the jump is instant: the test
    # need not wait out each smooth scroll.
    site_page.emulate_media(reduced_motion="reduce")
    site_page.set_viewport_size({"width": 360, "height": 640})
    site_page.goto(site_page.live_server_url + reverse(f"pages:{guide.key}"))
    links = site_page.locator(".toc a")

    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")
        link.click()
        expect(site_page.locator(target)).to_be_in_viewport()
        site_page.evaluate("window.scrollTo(0, 0)")


def test_next_steps_offer_a_consultation_and_the_crisis_line_on_a_phone(site_page: Page):
    site_page.set_viewport_size({"width": 320, "height": 640})
    site_page.goto(site_page.live_server_url + reverse("pages:risks"))
    next_steps = site_page.locator(".next-steps")

    next_steps.scroll_into_view_if_needed()
    expect(next_steps.get_by_role("link", name="Request a consultation")).to_be_visible()
    expect(next_steps.locator("a[href='tel:988']")).to_be_visible()


# The pages issue 12 changed or added, plus the hub and the physician page.
CHANGED_PAGES = [
    "pages:home",
    "pages:guide",
    "pages:physician",
    *(f"pages:{guide.key}" for guide in HEALTH_PAGES),
]
SCREEN_WIDTHS = [390, 1280]


@pytest.fixture
def facts_and_phone_entered(site_page):
    """The other way the pages render: every clinic fact and an office phone entered."""
    from booking import services as booking_services
    from booking.models import Location
    from pages import services
    from pages.models import ClinicFacts

    milford = Location.objects.get(slug="milford")
    milford.phone = "+12035550142"
    booking_services.location_save(location=milford)
    facts = ClinicFacts.objects.first() or ClinicFacts()
    facts.offers_iv_infusion = facts.offers_esketamine = True
    for name in ["monitoring_after_session", "visit_length", "eating_drinking_rule"]:
        setattr(facts, name, "Staff entered this sentence for the test.")
    facts.consultation_cost = facts.out_of_hours = "Staff entered this sentence for the test."
    facts.physician_specialty = "Test specialty"
    facts.physician_board_certification = "Test board"
    services.clinic_facts_save(facts=facts)


@pytest.mark.parametrize("name", CHANGED_PAGES)
@pytest.mark.parametrize("entered", [False, True], ids=["facts-blank", "facts-entered"])
def test_changed_page_reads_well_on_a_phone_and_a_desktop(site_page: Page, request, name, entered):
    if entered:
        request.getfixturevalue("facts_and_phone_entered")
    site_page.goto(site_page.live_server_url + reverse(name))

    for width in SCREEN_WIDTHS:
        site_page.set_viewport_size({"width": width, "height": 900})
        assert axe_violations(site_page) == []
        assert site_page.evaluate("document.documentElement.scrollWidth") <= width
        label = name.removeprefix("pages:")
        state = "entered" if entered else "blank"
        site_page.screenshot(path=f"/tmp/pages-{label}-{state}-{width}.png", full_page=True)
