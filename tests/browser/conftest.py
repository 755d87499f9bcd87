import pytest
from django.test import Client
from playwright.sync_api import Page


@pytest.fixture
def site_page(page: Page, live_server, clinic_locations):
    """A page that records console errors, failed assets and off-site requests."""
    page.console_errors = []
    page.failed_assets = []
    page.offsite_requests = []

    def on_console(message):
        # The browser logs the page's own 404 status; that is not a fault.
        if message.type == "error" and "status of 404" not in message.text:
            page.console_errors.append(message.text)

    def on_response(response):
        if response.request.resource_type != "document" and response.status >= 400:
            page.failed_assets.append(response.url)

    def on_request(request):
        if not request.url.startswith((live_server.url, "data:")):
            page.offsite_requests.append(request.url)

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("request", on_request)
    page.live_server_url = live_server.url
    return page


def log_in_as(page: Page, user) -> None:
    """Give the browser a logged-in session for `user`, as after a (one-factor) login."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": page.live_server_url,
            }
        ]
    )
