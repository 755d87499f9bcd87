"""The Spanish site in Chromium: every page at a phone's and a laptop's width, and a request."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from booking import availability
from booking.models import Booking
from pages.content import PUBLIC_URL_NAMES
from tests.booking.test_notifications import run_worker
from tests.browser.axe import axe_violations
from tests.browser.test_self_scheduling import milford  # noqa: F401 (a fixture)
from tests.factories import valid_booking_data
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
# Written out here rather than taken from the site's own formats.
WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
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


def test_a_spanish_patient_picks_a_time_on_a_phone_and_can_change_it_in_spanish(
    site_page: Page,
    milford,  # noqa: F811 (the fixture)
):
    page = site_page
    page.set_viewport_size(SCREENS["390"])
    # The form was typed in above; here it is sent as it posts, in this browser's session.
    client = Client()
    sent = client.post(url_in("es", "booking:create"), valid_booking_data(meeting="in_person"))
    assert sent.url == url_in("es", "booking:pick")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": page.live_server_url}]
    )
    page.goto(page.live_server_url + sent.url)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        spanish("Pick a time for your consultation")
    )
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    slot = availability.open_days(milford, "in_person")[1].times[0]
    local = timezone.localtime(slot.starts_at)
    day = f"{WEEKDAYS[local.weekday()]} {local.day} de {MONTHS.split()[local.month - 1]}"
    clock = f"{local.hour % 12 or 12}:{local:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"
    expect(page.locator(".time-day").nth(1).locator("legend")).to_have_text(day)
    page.locator("label[for='time-2-1']").click()
    expect(page.locator("#time-2-1")).to_be_checked()
    page.get_by_role("button", name=spanish("Book this time (%(kind)s)").split(" (")[0]).click()

    expect(page.get_by_role("heading", name=spanish("Your consultation is booked"))).to_be_visible()
    assert page.url == page.live_server_url + url_in("es", "booking:done")
    details = page.locator(".appointment-details")
    expect(details).to_contain_text(f"{day}, {clock}")
    assert axe_violations(page) == []
    booking = Booking.objects.get()
    assert (booking.language, booking.appointments.get().starts_at) == ("es", slot.starts_at)

    page.get_by_role("link", name=spanish("Change or cancel this appointment")).click()
    assert page.url.startswith(page.live_server_url + "/es/solicitar-consulta/cita/")
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish("Your appointment"))
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []
    assert page.console_errors == []
