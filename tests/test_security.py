import pytest
from django.db import DatabaseError
from django.urls import reverse

from pages.content import PUBLIC_URL_NAMES

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [*PUBLIC_URL_NAMES, "pages:sitemap", "pages:robots_txt"]


@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_send_security_headers(client, name):
    response = client.get(reverse(name), secure=True)

    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_have_no_inline_script_or_style(client, name):
    html = client.get(reverse(name)).content.decode()

    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
    assert " on" + "click=" not in html


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response.headers["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("clinic_site.views.connection.cursor", broken_cursor)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert b"database unavailable" in response.content


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("pages:home")).status_code == 301
