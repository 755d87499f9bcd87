"""Drill: every kind of page, served by gunicorn under production settings,
carries the security headers; private pages are never stored by a cache."""

import re

import pytest

from tests.factories import make_booking, valid_booking_data
from tests.production_server import Browser, gunicorn, hidden_inputs, log_in_staff

ADMIN = "/staff-desk/"
FORM = "/request-consultation/"
PUBLIC_PAGES = [
    "/",
    "/ketamine/",
    "/ketamine/how-it-works/",
    "/our-physician/",
    "/locations/",
    "/crisis/",
    "/privacy/",
    "/no-such-page/",
]


@pytest.fixture
def production_site(test_database, site_env, tmp_path):
    *_, url = test_database
    env = site_env(url, DJANGO_ADMIN_URL=ADMIN.lstrip("/"))
    with gunicorn(env, log=tmp_path / "gunicorn.log") as base_url:
        yield base_url


def html_header_problems(response, *, private: bool) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    expected = {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in expected.items()
        if response.headers.get(name) != value
    ]
    if "script-src 'self'" not in csp or "frame-ancestors 'none'" not in csp:
        problems.append(f"CSP: {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp!r}")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        problems.append("Permissions-Policy missing")
    for cookie in response.header_list("Set-Cookie"):
        attributes = {part.strip().lower() for part in cookie.split(";")}
        if not {"secure", "httponly", "samesite=lax"} <= attributes:
            problems.append(f"cookie without Secure/HttpOnly/SameSite: {cookie.split('=')[0]}")
    if private and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.headers.get('Cache-Control')!r}")
    return problems


def test_every_page_type_sends_the_security_headers(production_site, manager_authenticator):
    make_booking()
    booking_id = make_booking(email="second@example.com").pk
    patient = Browser(production_site)
    problems: dict[str, list[str]] = {}

    def check(label: str, response, *, private: bool = False) -> None:
        assert response.status < 500, label
        if found := html_header_problems(response, private=private):
            problems[label] = found

    for path in PUBLIC_PAGES:
        check(path, Browser(production_site).get(path))
        check(f"{path} (from the cache)", Browser(production_site).get(path))
    form = patient.get(FORM)
    check("form", form, private=True)
    check(
        "form with errors",
        patient.post_form(FORM, {**hidden_inputs(form.text), "first_name": ""}),
        private=True,
    )
    sent = patient.post_form(FORM, valid_booking_data(**hidden_inputs(form.text)))
    assert sent.status == 302
    check("confirmation", patient.get(sent.headers["Location"]), private=True)

    staff_browser = Browser(production_site)
    check("admin login", staff_browser.get(ADMIN + "login/"), private=True)
    log_in_staff(staff_browser, ADMIN, username="manager", device=manager_authenticator)
    for path in [
        "",
        "booking/booking/",
        "booking/booking/?status=all&q=Rivera",
        f"booking/booking/{booking_id}/change/",
        "booking/booking/agenda/",
        "booking/location/",
        "password_change/",
    ]:
        response = staff_browser.get(ADMIN + path)
        assert response.status == 200, path
        check(f"admin {path or 'index'}", response, private=True)

    assert problems == {}


def test_plain_http_is_sent_to_https_but_the_health_check_is_not(production_site):
    page = Browser(production_site).get("/", **{"X-Forwarded-Proto": "http"})
    health = Browser(production_site).get("/healthz", **{"X-Forwarded-Proto": "http"})

    assert page.status == 301
    assert re.match(r"https://127\.0\.0\.1:\d+/$", page.headers["Location"])
    assert health.status == 200


def test_static_files_are_immutable_and_not_sniffed(production_site):
    home = Browser(production_site).get("/").text
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', home).group(1)

    response = Browser(production_site).get(stylesheet, **{"Accept-Encoding": "br"})

    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
