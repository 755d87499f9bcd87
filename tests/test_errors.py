import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path

from booking.selectors import location_directory
from clinic_site.urls import handler500  # noqa: F401 (this URLconf's error handler)
from clinic_site.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("boom")


def database_down_view(request):
    raise OperationalError('connection to server at "10.0.0.5", port 5432 failed')


def connection_closed_view(request):
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError as error:
        raise RuntimeError("while saving") from error


urlpatterns = [
    path("admin/broken/", broken_view),
    *site_urlpatterns,
    path("broken/", broken_view),
    path("database-down/", database_down_view),
    path("connection-closed/", connection_closed_view),
]


def test_unknown_page_gets_styled_404_with_crisis_line(client, clinic_locations):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "We could not find that page" in html
    assert 'href="tel:988"' in html
    assert "232 Boston Post Rd" in html


@pytest.mark.urls("tests.test_errors")
def test_server_error_page_renders_without_touching_the_database(
    django_assert_num_queries,
):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/broken/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "something went wrong on our side" in html
    assert 'href="tel:988"' in html
    assert "boom" not in html


def test_bad_request_page_is_styled(client):
    response = client.get("/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


def test_missing_csrf_token_gets_a_friendly_403():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/", {})

    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()


@pytest.mark.urls("tests.test_errors")
@pytest.mark.parametrize("url", ["/database-down/", "/connection-closed/"])
def test_database_outage_gets_a_503_with_the_offices_and_no_query(
    url, clinic_locations, django_assert_num_queries
):
    location_directory()  # a page read the offices while the database was up
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    assert "briefly unavailable" in html
    assert "232 Boston Post Rd" in html
    assert "1720 Post Rd E" in html
    assert 'href="tel:988"' in html
    assert "10.0.0.5" not in html
    assert "connection already closed" not in html


@pytest.mark.urls("tests.test_errors")
def test_database_outage_page_still_offers_crisis_help_without_a_cached_directory():
    client = Client(raise_request_exception=False)

    response = client.get("/database-down/")

    assert response.status_code == 503
    assert 'href="tel:988"' in response.content.decode()


# --- Inside the admin: staff keep the admin's look ------------------------------------


@pytest.mark.urls("tests.test_errors")
def test_a_staff_500_keeps_the_admins_look_without_touching_the_database(
    django_assert_num_queries,
):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/admin/broken/")

    html = response.content.decode()
    assert response.status_code == 500
    assert 'id="site-name"' in html and "Something went wrong" in html
    assert "boom" not in html and "crisis" not in html.lower()


def test_a_staff_403_keeps_the_admins_look(clinic_locations):
    from django.urls import reverse

    from tests.factories import make_staff

    no_groups = make_staff(username="newcomer")
    no_groups.groups.clear()
    client = Client()
    client.force_login(no_groups)

    response = client.get(reverse("admin:booking_booking_changelist"))

    html = response.content.decode()
    assert response.status_code == 403
    assert "You do not have access to this" in html
    assert 'id="site-name"' in html and "crisis" not in html.lower()
