"""The Spanish site in Chromium: every page at a phone's and a laptop's width, and a request."""

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import Page, expect

from booking.models import Booking
from pages.content import PUBLIC_URL_NAMES
from tests.booking.test_notifications import run_worker
from tests.browser.axe import axe_violations
from tests.test_spanish import spanish, url_in
from tests.test_static import (
    FORM_BUDGET_BYTES,
    PAGE_BUDGET_BYTES,
    PAGE_BUDGET_REQUESTS,
    first_visit_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPANISH_PAGES = [
    *(url_in("es", name) for name in PUBLIC_URL_NAMES),
    url_in("es", "booking:create"),
    "/es/no-existe/",
]
SCREENS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("screen", SCREENS, ids=lambda width: f"{width}px")
@pytest.mark.parametrize("path", SPANISH_PAGES)
def test_spanish_page_is_accessible_light_and_whole_on_a_phone_and_a_laptop(
    site_page: Page, settings, path, screen
):
    settings.SITE_URL = "https://www.example-clinic.test"
    site_page.set_viewport_size(SCREENS[screen])
    site_page.goto(site_page.live_server_url + path)

    assert site_page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(site_page) == []
    assert site_page.console_errors == []
    assert site_page.failed_assets == []
    assert site_page.offsite_requests == []
    assert site_page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
    crisis = site_page.locator(".crisis-bar")
    for href in ("tel:988", "sms:988", "tel:911"):
        expect(crisis.locator(f"a[href='{href}']")).to_be_in_viewport()
    expect(site_page.locator(".site-header__cta")).to_be_in_viewport()
    expect(site_page.locator(".site-languages a[lang='en']")).to_be_visible()
    # The page-weight budget, as a browser on a first visit transfers it.
    total, requests = first_visit_bytes(Client(), path)
    budget = FORM_BUDGET_BYTES if path == url_in("es", "booking:create") else PAGE_BUDGET_BYTES
    assert requests <= PAGE_BUDGET_REQUESTS
    assert total <= budget, f"{total} bytes"


@pytest.mark.parametrize("path", [url_in("es", "pages:home"), url_in("es", "booking:create")])
def test_spanish_pages_fit_the_narrowest_phone(site_page: Page, path):
    site_page.set_viewport_size({"width": 320, "height": 640})
    site_page.goto(site_page.live_server_url + path)

    assert site_page.evaluate("document.documentElement.scrollWidth") <= 320
    expect(site_page.locator(".crisis-bar a[href='tel:988']")).to_be_in_viewport()
    expect(site_page.locator(".site-header__cta")).to_be_in_viewport()


def test_the_language_link_leads_to_the_same_page_in_the_other_language(site_page: Page):
    site_page.goto(site_page.live_server_url + url_in("en", "pages:risks"))

    site_page.locator(".site-languages").get_by_role("link", name="Español").click()

    assert site_page.url == site_page.live_server_url + url_in("es", "pages:risks")
    expect(site_page.get_by_role("heading", level=1)).to_have_text(spanish("Risks and safety"))
    site_page.locator(".site-languages").get_by_role("link", name="English").click()
    assert site_page.url == site_page.live_server_url + url_in("en", "pages:risks")


def fill_spanish_request(page: Page) -> None:
    page.get_by_label("Milford").check()
    page.get_by_label(spanish("In person at the office")).check()
    page.get_by_label(spanish("First name")).fill("Ana")
    page.get_by_label(spanish("Last name")).fill("Rivera")
    page.get_by_label(spanish("Date of birth")).fill("1985-03-27")
    page.get_by_role("textbox", name=spanish("Email address")).fill("ana@example.com")
    page.get_by_label(spanish("Mobile phone number")).fill("203 555 0123")
    page.get_by_role("group", name=spanish("How should we contact you?")).get_by_label(
        spanish("Phone call")
    ).check()
    for question in ("Can we leave you a voicemail?", "Can we email you?"):
        page.get_by_role("group", name=spanish(question)).get_by_label(
            spanish("Yes"), exact=True
        ).check()
    page.get_by_role(
        "group", name=spanish("Has a doctor or other clinician diagnosed you with depression?")
    ).get_by_label(spanish("Yes"), exact=True).check()
    page.get_by_label(spanish("Two or more")).check()
    page.get_by_role(
        "group", name=spanish("Are you seeing a clinician for your mental health at the moment?")
    ).get_by_label("No", exact=True).check()
    page.get_by_role(
        "group",
        name=spanish(
            "Are you having thoughts of ending your life, or of harming yourself, right now?"
        ),
    ).get_by_label("No", exact=True).check()
    page.get_by_label(spanish("I agree to be contacted by the clinic about this request")).check()
    page.locator("#id_consent_privacy").check()


def shoot(page: Page, name: str) -> None:
    """Keep a picture of the screen for a person to look at (/tmp/es-…-390.png)."""
    page.screenshot(path=f"/tmp/es-{name}-{page.viewport_size['width']}.png")


def test_a_patient_requests_a_consultation_in_spanish_on_a_phone(site_page: Page, settings):
    settings.BOOKING_MIN_FILL_SECONDS = 0
    site_page.set_viewport_size(SCREENS["390"])
    site_page.goto(site_page.live_server_url + url_in("es", "pages:home"))
    shoot(site_page, "home")
    site_page.get_by_role("link", name=spanish("Request a consultation")).first.click()
    shoot(site_page, "form")

    # A mistake first: the summary and the field's message are in Spanish.
    site_page.get_by_role("button", name=spanish("Send request")).click()
    summary = site_page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(spanish("Enter your first name"))
    fill_spanish_request(site_page)
    site_page.get_by_role("button", name=spanish("Send request")).click()

    heading = site_page.get_by_role("heading", name=spanish("We have received your request"))
    expect(heading).to_be_visible()
    shoot(site_page, "confirmation")
    booking = Booking.objects.get()
    assert booking.language == "es"
    expect(site_page.get_by_text(booking.reference)).to_be_visible()
    assert site_page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(site_page) == []
    assert site_page.console_errors == []

    run_worker()
    (email,) = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert booking.reference in email.subject
    assert spanish("Your reference:") in email.body
    assert "AYUDA" in email.body
