import pytest
from django.test import Client
from django.urls import path

from clinic_site.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [*site_urlpatterns, path("broken/", broken_view)]


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
