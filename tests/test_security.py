import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import path, reverse

from clinic_site.middleware import RequestCharsetGuard
from clinic_site.urls import handler500  # noqa: F401 (this URLconf's error handler)
from clinic_site.urls import urlpatterns as site_urlpatterns
from pages.content import PUBLIC_URL_NAMES

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [*PUBLIC_URL_NAMES, "sitemap", "robots_txt"]


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


# --- Hostile input never causes a 500, and every error response is protected ----------------

HEADERS_EVERY_RESPONSE_CARRIES = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
FORM_URL = reverse("booking:create")
HOSTILE_URLS = [
    *(reverse(name) for name in PUBLIC_URLS),
    FORM_URL,
    reverse("booking:done"),
    "/no-such-page/",
]
FORM_ENCODED = "application/x-www-form-urlencoded"


def multipart(part_headers: bytes, body: bytes, boundary: bytes = b"b") -> bytes:
    return b"--%s\r\n%s\r\n\r\n%s\r\n--%s--\r\n" % (boundary, part_headers, body, boundary)


# (method, query string, body, Content-Type)
HOSTILE_INPUTS = {
    "nul in a parameter": ("GET", "location=%00", b"", ""),
    "nul in a parameter name": ("GET", "%00=1&location=milford%00", b"", ""),
    "invalid utf-8 in the query": ("GET", "location=%FF%FE%C3&%C3=x", b"", ""),
    "raw bytes in the query": ("GET", "location=\xff\xfe\xc3", b"", ""),
    "huge parameter": ("GET", "location=" + "x" * 100_000, b"", ""),
    "thousands of parameters": ("GET", "&".join(f"p{n}=1" for n in range(2000)), b"", ""),
    "one parameter repeated": ("GET", "location=milford&" * 1500, b"", ""),
    "query charset rot13": ("GET", "location=milford", b"", "text/plain; charset=rot13"),
    "query charset base64": ("GET", "location=milford", b"", "text/plain; charset=base64"),
    "query charset idna": ("GET", "location=mil%FFford", b"", "text/plain; charset=idna"),
    "query charset unknown": ("GET", "location=milford", b"", "text/plain; charset=nonsense"),
    "body with invalid utf-8": ("POST", "", b"first_name=%FF%FE\xff&location=%C3", FORM_ENCODED),
    "body with nul": ("POST", "", b"location=%00&first_name=a%00b&%00=1", FORM_ENCODED),
    "body charset rot13": ("POST", "", b"first_name=x", FORM_ENCODED + "; charset=rot13"),
    "body charset hex": ("POST", "", b"first_name=x", FORM_ENCODED + "; charset=hex"),
    "body charset idna": ("POST", "", b"first_name=\xff\xfe", FORM_ENCODED + "; charset=idna"),
    "body charset punycode": ("POST", "", b"first_name=\xff", FORM_ENCODED + "; charset=punycode"),
    "body charset utf-16": ("POST", "", b"first_name=\xff\xfe", FORM_ENCODED + "; charset=utf-16"),
    "body charset quoted": ("POST", "", b"first_name=x", FORM_ENCODED + '; charset="rot13"'),
    "thousands of fields": (
        "POST",
        "",
        "&".join(f"f{n}=1" for n in range(2000)).encode(),
        FORM_ENCODED,
    ),
    "body over the size limit": ("POST", "", b"message=" + b"x" * 3_000_000, FORM_ENCODED),
    "multipart without boundary": ("POST", "", b"--x\r\n", "multipart/form-data"),
    "multipart charset rot13": (
        "POST",
        "",
        multipart(b'Content-Disposition: form-data; name="first_name"', b"\xff\xfe"),
        "multipart/form-data; boundary=b; charset=rot13",
    ),
    "multipart part charset rot13": (
        "POST",
        "",
        multipart(
            b'Content-Disposition: form-data; name="first_name"\r\n'
            b"Content-Type: text/plain; charset=rot13",
            b"abc",
        ),
        "multipart/form-data; boundary=b",
    ),
    "multipart encoded field name": (
        "POST",
        "",
        multipart(b"Content-Disposition: form-data; name*=nonsense''first%FF_name", b"abc"),
        "multipart/form-data; boundary=b",
    ),
    "multipart file upload": (
        "POST",
        "",
        multipart(
            b'Content-Disposition: form-data; name="first_name"; filename="\xff.txt"\r\n'
            b"Content-Type: text/plain",
            b"abc",
        ),
        "multipart/form-data; boundary=b",
    ),
    "multipart cut short": (
        "POST",
        "",
        b'--b\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nabc',
        "multipart/form-data; boundary=b",
    ),
    "content type nonsense": ("POST", "", b"first_name=x", "\x00;;;==; charset"),
}


@pytest.fixture
def served_client(postgres_refuses_nul):
    """A browser talking to the site as clinic_site/wsgi.py serves it, on PostgreSQL's terms."""
    client = Client(raise_request_exception=False)
    client.handler = RequestCharsetGuard(client.handler)
    return client


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    for name, value in HEADERS_EVERY_RESPONSE_CARRIES.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers.get("Permissions-Policy", "")


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_parameters_and_encodings_never_cause_a_server_error(
    served_client, clinic_locations, url, hostile
):
    method, query, body, content_type = HOSTILE_INPUTS[hostile]
    # The query string as the server hands it over: bytes, one per character.
    extra = {"QUERY_STRING": query, "CONTENT_TYPE": content_type}

    response = served_client.generic(method, url, body, **extra)

    assert response.status_code < 500
    assert_security_headers(response)


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken_view), *site_urlpatterns]


@pytest.mark.urls("tests.test_security")
@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        ("GET", "/broken/", {}, 500),
        ("GET", FORM_URL, {"host": "evil.example"}, 400),
        ("POST", FORM_URL, {"host": "evil.example"}, 400),
        ("GET", "/no-such-page/", {"host": "evil.example"}, 400),
        ("GET", FORM_URL.rstrip("/"), {"host": "evil.example"}, 400),
        ("GET", "/no-such-page/", {}, 404),
        ("PUT", FORM_URL, {}, 405),
        ("GET", "/", {"host": "evil.example"}, 400),
    ],
)
def test_every_error_response_carries_the_security_headers(
    clinic_locations, method, url, headers, status
):
    client = Client(raise_request_exception=False)

    response = client.generic(method, url, headers=headers)

    assert response.status_code == status
    assert_security_headers(response)


def test_missing_csrf_token_page_carries_the_security_headers(clinic_locations):
    response = Client(enforce_csrf_checks=True).post(FORM_URL, {})

    assert response.status_code == 403
    assert_security_headers(response)
