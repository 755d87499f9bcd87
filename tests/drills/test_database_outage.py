"""Drill: the database goes away under a running site and comes back.

gunicorn (production settings, two workers) talks to PostgreSQL through a
proxy that can cut every connection, so the outage is real for the site
while the test run keeps its own database.
"""

import re

import pytest

from booking.models import Booking
from tests.factories import valid_booking_data
from tests.faults import TcpProxy
from tests.production_server import Browser, gunicorn, hidden_inputs

FORM = "/request-consultation/"
READ_BEFORE_OUTAGE = ["/", "/ketamine/how-it-works/", "/ketamine/risks-and-safety/", "/locations/"]
NEVER_READ = ["/crisis/", "/our-physician/", "/privacy/"]


@pytest.fixture
def site_behind_proxy(test_database, site_env, tmp_path):
    host, port, url = test_database
    with TcpProxy((host, port)) as proxy:
        proxied = url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")
        with gunicorn(site_env(proxied), workers=2, log=tmp_path / "gunicorn.log") as base_url:
            yield proxy, base_url


def test_outage_serves_what_needs_no_database_and_recovers_without_restart(
    site_behind_proxy,
):
    proxy, base_url = site_behind_proxy
    visitor = Browser(base_url)
    for path in READ_BEFORE_OUTAGE:
        assert visitor.get(path).status == 200, path
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', visitor.get("/").text)
    form_page = visitor.get(FORM)
    assert form_page.status == 200

    proxy.go_down()

    # What needs no database: static files, cached pages, plain pages.
    assert Browser(base_url).get(stylesheet.group(1)).status == 200
    for path in READ_BEFORE_OUTAGE + NEVER_READ:
        page = Browser(base_url).get(path)
        assert page.status == 200, path
        assert "232 Boston Post Rd" in page.text, path
    # What does: a styled 503 with the offices' details and no trace.
    assert Browser(base_url).get("/healthz").status == 503
    for response in (
        Browser(base_url).get(FORM),
        visitor.post_form(FORM, _answers(form_page.text)),
    ):
        assert response.status == 503
        assert response.headers["Retry-After"] == "60"
        assert "briefly unavailable" in response.text
        assert "232 Boston Post Rd" in response.text
        assert "1720 Post Rd E" in response.text
        assert 'href="tel:988"' in response.text
        assert "Traceback" not in response.text
        assert "OperationalError" not in response.text
    assert "your answers should still be in the form" in response.text

    proxy.come_back()

    # Every worker serves again at once: no restart, no failed first request.
    for _ in range(6):
        assert Browser(base_url).get("/healthz").status == 200
    sent = visitor.post_form(FORM, _answers(form_page.text))
    assert sent.status == 302
    assert Booking.objects.filter(email="outage@example.com").count() == 1


def _answers(form_html: str) -> dict:
    return valid_booking_data(email="outage@example.com", **hidden_inputs(form_html))
